/* The Postgres actions, each over a connection of its own (the monitoring
 * session stays read-only), through the host's tunnel:
 *
 * - cancel (`c`): pg_cancel_backend(PID); verified by the backend no longer
 *   running the statement it was running (gone, not active, or a newer
 *   statement);
 * - terminate (`t`): pg_terminate_backend(PID); verified by the backend
 *   being gone;
 * - kill-idle (`K`): pg_terminate_backend() of every session idle in a
 *   transaction longer than idle_txn, from the list frozen when asked; a
 *   listed session that is no longer idle past idle_txn when the statement
 *   runs is left alone (the statement checks again, on the server). Verified
 *   by none of the terminated ones remaining.
 *
 * The command is the SQL exactly as it runs, with the pids written in. */
#ifndef OPSDECK_ACTIONS_PG_ACTIONS_H
#define OPSDECK_ACTIONS_PG_ACTIONS_H

#include "opsdeck/actions/action.h"

#define PG_ACTION_TIMEOUT_MS 15000
#define PG_KILL_IDLE_MAX     200 /* sessions in one kill-idle */

/* pid must be one of the backends the host's latest sample shows. NULL
 * with err when it is not, or when the host has no postgres =. */
action_plan *pg_cancel_plan(app_t *app, size_t host, int pid, char *err, size_t errsize);
action_plan *pg_terminate_plan(app_t *app, size_t host, int pid, char *err, size_t errsize);
/* The same, the pid given as text (the action table's builder signature):
 * NULL with err when it is not a pid. */
action_plan *pg_cancel_plan_target(app_t *app, size_t host, const char *target, char *err,
                                   size_t errsize);
action_plan *pg_terminate_plan_target(app_t *app, size_t host, const char *target, char *err,
                                      size_t errsize);
/* NULL with err when no session is idle in a transaction past idle_txn.
 * target is unused (every such session of the host). */
action_plan *pg_kill_idle_plan(app_t *app, size_t host, const char *target, char *err,
                               size_t errsize);

#endif
