/* An asynchronous Redis connection to a host's `redis =`, on the loop:
 * through the host's tunnel when it is remote, AUTH with the password from
 * `redis_password_file` (refused when others can read the file), then
 * SELECT of `redis_db`. Shared by the Redis source and the flush action. */
#ifndef OPSDECK_NET_REDIS_OPEN_H
#define OPSDECK_NET_REDIS_OPEN_H

#include <hiredis/async.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opsdeck/config.h"
#include "opsdeck/loop.h"
#include "opsdeck/transport/transport.h"

/* Connects and queues AUTH (when there is a password) and SELECT, whose
 * replies go to setup with privdata "AUTH" or "SELECT"; commands sent after
 * wait behind them. ac->data is set to data. where receives
 * "host:port[ via ssh]". NULL with err when it cannot start. The caller
 * sets the connect and disconnect callbacks. */
redisAsyncContext *redis_open(loop_t *loop, transport_t *t, const host_config *hc,
                              redisCallbackFn *setup, void *data, char *where, size_t wheresize,
                              char *err, size_t errsize);

/* Whether the host's side of the tunnel to `redis =` refused a connection
 * at or after since_ms (loop_now_ms()); why names the target, the host and
 * the path (transport_tunnel_refused()). */
bool redis_tunnel_refused(const transport_t *t, const host_config *hc, int64_t since_ms, char *why,
                          size_t size);

#endif
