/* A container's log, followed: one long-lived command on the host's
 * session (`docker logs --tail 500 --timestamps --follow NAME`, or
 * `docker compose -f FILE logs ... SERVICE` on a host with compose =) whose
 * stdout and stderr are cut into lines and pushed into a ring (log_ring.h),
 * stderr's marked, in the order of their times (log_order.h). Stopping it closes its channel; the
 * command on the host is wrapped so that the channel's end (its stdin closing) stops `docker logs`
 * at once, even when the container writes nothing more. A runbook's logs check reads the last
 * lines once the same way (log_follow_once): the same lines, marks and order, from a command that
 * ends by itself within a deadline. Everything on the loop: nothing here waits.
 */
#ifndef OPSDECK_LOGS_LOG_FOLLOW_H
#define OPSDECK_LOGS_LOG_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "opsdeck/config.h"
#include "opsdeck/loop.h"
#include "opsdeck/logs/log_ring.h"
#include "opsdeck/model.h"
#include "opsdeck/transport/transport.h"

#define LOG_TAIL_LINES 500

typedef struct log_follow log_follow;

/* New lines came, or the stream ended (log_follow_ended()). */
typedef void (*log_follow_fn)(void *arg);

/* The command that follows c's log on hc's host, with the host's docker =
 * value (and compose's service when the host has compose =). -1 when it
 * does not fit in size. */
int log_follow_command(const host_config *hc, const container_info *c, char *out, size_t size);
/* The command that prints the last `lines` lines (1..LOG_TAIL_LINES) of
 * container's own log on hc's host once, with their times, and ends: `docker
 * logs --tail N --timestamps NAME` with the host's docker = value (a
 * runbook's logs check names a container, so this is the command whatever
 * the host's compose =, and --plan can show it without asking the host).
 * -1 when lines is out of bounds or it does not fit in size. */
int log_tail_command(const host_config *hc, const char *container, int lines, char *out,
                     size_t size);
/* Starts command on t; lines go into ring (which the caller owns and keeps
 * longer than the follow). NULL when it cannot start. */
log_follow *log_follow_start(loop_t *loop, transport_t *t, const char *command, log_ring *ring,
                             log_follow_fn changed, void *arg);
/* Runs a command that ends by itself (log_tail_command) on t, bounded by
 * timeout_ms: its lines go into ring as log_follow_start's do, and when it
 * has ended log_follow_ended() and log_follow_exit_status() say how. */
log_follow *log_follow_once(loop_t *loop, transport_t *t, const char *command, int timeout_ms,
                            log_ring *ring, log_follow_fn changed, void *arg);
/* Whether the stream ended, and why ("" while it goes on). */
const char *log_follow_ended(const log_follow *f);
/* Once it ended: true when the command ran to its end, its exit status in
 * *exit_status; false when it never ran or was cut off (log_follow_ended()
 * says why). */
bool log_follow_exit_status(const log_follow *f, int *exit_status);
/* Closes the channel (the command stops on the host) and frees f. */
void log_follow_stop(log_follow *f);

#endif
