/* The runs this machine's opsdeck started, remembered locally so that the
 * next start (after a quit, a crash or a SIGKILL) knows where to look on
 * each host: $XDG_STATE_HOME/opsdeck/runs (~/.local/state/opsdeck/runs),
 * one tab-separated line per event, appended:
 *
 *   EPOCH  HOST  RUNBOOK  RUN_ID  STATE  [LAST_ACT_STEP]
 *
 * STATE is "started", or how the run ended ("passed", "failed", ...).
 * Reading keeps only the last line per (host, runbook), from the file's
 * last RUN_MEMORY_READ_MAX bytes. */
#ifndef OPSDECK_RUNBOOK_RUN_MEMORY_H
#define OPSDECK_RUNBOOK_RUN_MEMORY_H

#include <stdbool.h>
#include <stddef.h>

#include "opsdeck/runbook/detached.h"

#define RUN_MEMORY_READ_MAX (256 * 1024)

typedef struct run_memory_entry {
    double at;
    char host[128];
    char runbook[64];
    char run_id[RUN_ID_MAX];
    char state[32];
    int last_act; /* the step index of its last detached act, -1 none */
} run_memory_entry;

/* The file's path ($XDG_STATE_HOME or ~/.local/state); NULL when no home. */
const char *run_memory_path(char *buf, size_t size);
/* Appends one line (creating the directory 0700 and the file 0600). */
int run_memory_note(const char *host, const char *runbook, const char *run_id, const char *state,
                    int last_act);
/* The last line for (host, runbook); false when there is none. */
bool run_memory_last(const char *host, const char *runbook, run_memory_entry *out);

#endif
