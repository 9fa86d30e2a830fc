/* The hiredis adapter for the loop (see redis_loop.h).
 *
 * hiredis may free the context from inside redisAsyncHandleRead (on an
 * error or a disconnect), and calls cleanup() when it does. The adapter is
 * then only marked dead and freed by loop_defer_free(), so that the I/O
 * callback below can still look at it after handing over the read. */
#include "opsdeck/net/redis_loop.h"

#include <stdlib.h>

typedef struct redis_adapter {
    loop_t *loop;
    redisAsyncContext *ac;
    int fd;
    short events;
    bool dead;
} redis_adapter;

static void on_ready(loop_t *loop, int fd, int revents, void *arg)
{
    redis_adapter *a = arg;
    if (!a->dead && (revents & (POLLIN | POLLHUP | POLLERR)))
        redisAsyncHandleRead(a->ac);
    /* the read may have freed the context: then a is dead, not freed */
    if (!a->dead && (revents & POLLOUT))
        redisAsyncHandleWrite(a->ac);
}

static void update(redis_adapter *a, short add, short remove)
{
    if (a->dead)
        return;
    a->events = (short)((a->events | add) & ~remove);
    loop_watch(a->loop, a->fd, a->events, on_ready, a);
}

static void add_read(void *p)
{
    update(p, POLLIN, 0);
}

static void del_read(void *p)
{
    update(p, 0, POLLIN);
}

static void add_write(void *p)
{
    update(p, POLLOUT, 0);
}

static void del_write(void *p)
{
    update(p, 0, POLLOUT);
}

static void cleanup(void *p)
{
    redis_adapter *a = p;
    if (a->dead)
        return;
    loop_unwatch(a->loop, a->fd);
    a->dead = true;
    a->ac = NULL;
    loop_defer_free(a->loop, a);
}

int redis_loop_attach(redisAsyncContext *ac, loop_t *loop)
{
    if (ac->ev.data)
        return -1;
    redis_adapter *a = calloc(1, sizeof(*a));
    if (!a)
        return -1;
    a->loop = loop;
    a->ac = ac;
    a->fd = ac->c.fd;
    ac->ev.addRead = add_read;
    ac->ev.delRead = del_read;
    ac->ev.addWrite = add_write;
    ac->ev.delWrite = del_write;
    ac->ev.cleanup = cleanup;
    ac->ev.data = a;
    return 0;
}
