/* The `:` command line (k9s-style): parsing what was typed into a command.
 * Pure; the console carries the commands out. */
#ifndef OPSDECK_UI_COMMAND_H
#define OPSDECK_UI_COMMAND_H

#include <stddef.h>

typedef enum {
    CMD_NONE,      /* an empty line: nothing to do */
    CMD_ENV,       /* :env NAME */
    CMD_HOST,      /* :host NAME */
    CMD_PANEL,     /* :panel NAME */
    CMD_QUIT,      /* :quit, :q */
    CMD_HELP,      /* :help */
    CMD_RECONNECT, /* :reconnect: the selected host, now */
    CMD_ACTION,    /* :restart [C], :cancel [PID], :terminate [PID], :kill-idle, :flush: arg
                    * the target ("" the selected one), action the name */
    CMD_RUN,       /* :run NAME: start the runbook NAME on the selected host */
    CMD_LOGS,      /* :logs [NAME]: a container's log (the selected one) */
    CMD_INVALID,   /* a known command used wrongly, or an unknown one: see message */
} command_kind;

typedef struct command {
    command_kind kind;
    char arg[128];
    char action[16];
    char message[192]; /* for CMD_INVALID: what to tell the user */
} command;

void command_parse(const char *line, command *out);

#endif
