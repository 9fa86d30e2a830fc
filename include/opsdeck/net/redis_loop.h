/* hiredis's async context on opsdeck's poll() loop. Debian's hiredis 0.14
 * ships adapters for libevent, libev, glib... but none for a plain poll()
 * loop, so this is that adapter. */
#ifndef OPSDECK_NET_REDIS_LOOP_H
#define OPSDECK_NET_REDIS_LOOP_H

#include <hiredis/async.h>

#include "opsdeck/loop.h"

/* Attaches ac to loop: hiredis's read/write interest becomes a loop
 * watcher on its fd. Returns 0, or -1 (ac already attached or no memory).
 * Detaching happens by itself when hiredis frees the context. */
int redis_loop_attach(redisAsyncContext *ac, loop_t *loop);

#endif
