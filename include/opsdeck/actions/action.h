/* The one path every action takes:
 *
 *   describe → gate (read-only) → confirm → audit intent → run (audit
 *   started once it is handed to the host) → stream → verify → audit result
 *
 * An action is a plan (what will run, where, and what it touches, frozen
 * when it is described) plus a few operations (run, verify) that know how to
 * do this kind of change. The engine owns the order: nothing reaches a host
 * before the confirmation the environment demands and before the `intent`
 * line is on disk, and every outcome (denied, cancelled, finished) leaves an
 * audit line. One action at a time per console. */
#ifndef OPSDECK_ACTIONS_ACTION_H
#define OPSDECK_ACTIONS_ACTION_H

#include <stdbool.h>
#include <stddef.h>

#include "opsdeck/app.h"
#include "opsdeck/audit.h"

#define ACTION_COMMAND_MAX 4096
#define ACTION_TOUCHES_MAX 8192
#define ACTION_OUTPUT_MAX  65536 /* the tail kept for the screen */

typedef struct action_run action_run;

typedef struct action_ops {
    /* Starts the change. Reports output with action_output() and the end
     * with action_ran(), later, from the loop. */
    void (*run)(action_run *run);
    /* Starts checking that the change took effect; reports with
     * action_verified(). NULL: nothing to verify. */
    void (*verify)(action_run *run);
    /* Stops whatever run/verify has in flight (no report follows). */
    void (*cancel)(action_run *run);
    void (*free_data)(void *data);
} action_ops;

typedef struct action_plan {
    char action[48];                  /* restart, cancel, terminate, kill-idle, flush, run:NAME */
    size_t host;                      /* index into app->hosts */
    char target[256];                 /* the container, the pids, the database */
    char command[ACTION_COMMAND_MAX]; /* exactly what will run */
    char touches[ACTION_TOUCHES_MAX]; /* what it touches, one item a line ("" none) */
    int timeout_ms;                   /* bounds run, and verify again */
    const action_ops *ops;
    void *data; /* the ops' own frozen data (pids, names...) */
} action_plan;

typedef enum {
    ACTION_NONE,       /* nothing open */
    ACTION_CONFIRMING, /* the dialog is open */
    ACTION_RUNNING,
    ACTION_VERIFYING,
    ACTION_DONE /* finished, failed, refused or cancelled: result says which */
} action_phase;

typedef struct action_view {
    action_phase phase;
    const action_plan *plan;
    const char *env;    /* the host's environment */
    const char *output; /* the tail of what it printed, raw (sanitize to show) */
    size_t output_len;
    bool succeeded;     /* when DONE: ran, exit 0, verified */
    const char *result; /* when DONE: one line saying what happened */
} action_view;

typedef struct action_engine action_engine;

/* changed: called whenever the view changes (the UI redraws). */
action_engine *action_engine_new(app_t *app, audit_log *audit, bool read_only,
                                 void (*changed)(void *arg), void *arg);
/* Cancels what is in flight (audited) and frees. */
void action_engine_free(action_engine *e);

/* Takes plan over and waits for the confirmation (the UI asks, by the
 * environment's policy: actions/confirm.h), or, in read-only mode, refuses
 * it with a `denied` line. Returns false and writes msg when it is not
 * waiting (denied, another action open, no audit log). */
bool action_engine_begin(action_engine *e, action_plan *plan, char *msg, size_t msgsize);
/* The answer to the confirmation: accepted, and how (for the audit log:
 * "y", "typed:production"). Refused writes a `cancelled` line; accepted
 * writes `intent` to disk, then runs. */
void action_engine_answer(action_engine *e, bool accepted, const char *how);
/* A runbook's act goes through this path too: its lines then carry the
 * run's id, the runbook and the step instead of an id of their own. NULL
 * run_id: back to a plain action. Copied. */
void action_engine_set_runbook(action_engine *e, const char *run_id, const char *runbook,
                               const char *step_index, const char *step_title);
/* Closes a DONE action (the dialog goes away). */
void action_engine_dismiss(action_engine *e);
/* An action is running or verifying: quitting must ask first. */
bool action_engine_busy(const action_engine *e);
action_view action_engine_view(const action_engine *e);

/* ---- for the ops ---- */
const action_plan *action_run_plan(const action_run *run);
app_t *action_run_app(const action_run *run);
transport_t *action_run_transport(const action_run *run);
void action_output(action_run *run, const char *buf, size_t len);
/* ran: the change was carried out and exit_status is its status; when not,
 * error says why (the host never got it, or it was cut off). */
void action_ran(action_run *run, bool ran, int exit_status, const char *error);
/* ok: the change is seen to have taken effect; verdict says what was seen. */
void action_verified(action_run *run, bool ok, const char *verdict);

#endif
