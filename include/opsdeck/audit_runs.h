/* Which actions in an audit log never finished: an `intent` or `started`
 * line whose run (its run_id) has no `finished` or `cancelled` line after
 * it. Either the action is still in flight (its console is alive) or the
 * console died in the middle of it (SIGKILL, a power cut): the audit panel
 * shows the second as interrupted, so the engineer checks the host. */
#ifndef OPSDECK_AUDIT_RUNS_H
#define OPSDECK_AUDIT_RUNS_H

#include <stdbool.h>

/* lines: n audit lines (JSON text), oldest first. Sets unfinished[i] for
 * each intent/started line of a run that no later line closes. Lines
 * without a run_id (written before run ids) are never marked. */
void audit_mark_unfinished(const char *const *lines, int n, bool *unfinished);

/* Whether the console that wrote run_id (an action's "PID-MS-SEQ" or a
 * runbook run's "STAMP-PID-SEQ") is still running on this machine. */
bool audit_run_alive(const char *run_id);

#endif
