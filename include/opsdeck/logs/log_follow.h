/* A container's log, followed: one long-lived command on the host's
 * session (`docker logs --tail 500 --timestamps --follow NAME`, or
 * `docker compose -f FILE logs ... SERVICE` on a host with compose =) whose
 * stdout and stderr are cut into lines and pushed into a ring (log_ring.h),
 * stderr's marked, in the order of their times (log_order.h). Stopping it closes its channel; the
 * command on the host is wrapped so that the channel's end (its stdin closing) stops `docker logs`
 * at once, even when the container writes nothing more. Everything on the loop: nothing here waits.
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
/* Starts command on t; lines go into ring (which the caller owns and keeps
 * longer than the follow). NULL when it cannot start. */
log_follow *log_follow_start(loop_t *loop, transport_t *t, const char *command, log_ring *ring,
                             log_follow_fn changed, void *arg);
/* Whether the stream ended, and why ("" while it goes on). */
const char *log_follow_ended(const log_follow *f);
/* Closes the channel (the command stops on the host) and frees f. */
void log_follow_stop(log_follow *f);

#endif
