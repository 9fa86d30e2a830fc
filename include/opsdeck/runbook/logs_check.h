/* A runbook's logs check (`check: TITLE` with `logs: NAME`): the command
 * that reads the container's last lines once, and what the lines read say.
 * The lines are read, cut, ordered, sanitized and marked by the console's
 * log code (logs/log_follow.h, logs/log_ring.h); this is the runbook's part
 * only: which container, how many lines, and when the check passes. */
#ifndef OPSDECK_RUNBOOK_LOGS_CHECK_H
#define OPSDECK_RUNBOOK_LOGS_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "opsdeck/config.h"
#include "opsdeck/logs/log_ring.h"
#include "opsdeck/runbook/runbook.h"

/* The exact command of st (which has logs:) on host hc: its container name
 * expanded (${NAME} written as it is: log_tail_command quotes the name),
 * then `docker logs --tail LINES --timestamps NAME`. 0, or -1 with err
 * (a value the host does not have, a command too long). */
int runbook_logs_command(const runbook_step *st, const host_config *hc, char *out, size_t size,
                         char *err, size_t errsize);

/* Whether the check passes, and its finding, once the command ended:
 * - it did not run to its end (!ran): fails, "did not run: ERROR";
 * - docker exited non-zero: fails with docker's own words, the last line it
 *   wrote on stderr ("exit 1: Error: No such container: api");
 * - else, with expect {contains: T}: passes when a line read holds T
 *   (ignoring case, as the log view's search), {absent: T}: when none
 *   does; the finding names the newest line holding it; without expect:
 *   passes (the log could be read).
 * lines is what was read (sanitized, stderr marked). */
bool runbook_logs_verdict(const runbook_step *st, const log_ring *lines, bool ran, int exit_status,
                          const char *error, char *finding, size_t size);

#endif
