/* The one table of built-in actions. The key handler (ui/input.c), the
 * command line (ui/command.c), the action path (ui/actions_ui.c), the help
 * (ui/help.c), the config checker and the runbook validator all read it, so
 * adding an action is one file under src/actions/ (its plan builder) plus
 * one row in src/action_table.c.
 *
 * The table is there in a READONLY build too (the help still lists the
 * actions, runbooks still validate, a key still leaves a `denied` line);
 * only its plan builders are NULL there, and no action code is linked. */
#ifndef OPSDECK_ACTION_TABLE_H
#define OPSDECK_ACTION_TABLE_H

#include <stdbool.h>
#include <stddef.h>

struct app;
struct action_plan;

/* What an action acts on, and so what its argument is. */
typedef enum {
    ACTION_TARGET_HOST,      /* the host itself: no argument */
    ACTION_TARGET_CONTAINER, /* a container name: the selected row, or named */
    ACTION_TARGET_BACKEND,   /* a Postgres backend pid: the selected row, or named */
} action_target_kind;

/* Describes the action on host (index into app->hosts) for target ("" for
 * ACTION_TARGET_HOST). NULL with err when it cannot be. */
typedef struct action_plan *(*action_plan_builder)(struct app *app, size_t host, const char *target,
                                                   char *err, size_t errsize);

typedef struct builtin_action {
    const char *name;  /* the :command and the runbook's `action:` name */
    char key;          /* the console key */
    const char *panel; /* the key acts on this panel's selection; NULL: on any panel */
    action_target_kind target;
    const char *usage;        /* ":restart [NAME]", for the help */
    const char *help;         /* one line: what it does */
    const char *plan_text;    /* what it runs, in words, for --plan (the exact command
                                 needs the host's live state) */
    action_plan_builder plan; /* NULL in a READONLY build */
} builtin_action;

extern const builtin_action builtin_actions[];
extern const size_t builtin_actions_count;

/* NULL when there is no such action. */
const builtin_action *builtin_action_find(const char *name);
const builtin_action *builtin_action_for_key(int key);

/* The console's own keys that are not actions (navigation, panels, modes):
 * a runbook's key: may not take one of these or an action's key. */
bool console_key_taken(int key);

#endif
