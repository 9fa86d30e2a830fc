/* The event loop: poll() over watchers, timers kept in a small array.
 *
 * opsdeck watches a few dozen descriptors and runs a few dozen timers, so a
 * linear scan is both the simplest and the fastest structure here. */
#include "opsdeck/loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOOP_MAX_WATCHERS 1024

struct watcher {
    int fd;
    short events;
    uint64_t generation; /* tells a replaced watcher from the one polled */
    loop_io_fn fn;
    void *arg;
};

struct timer {
    uint64_t id;
    int64_t due_ms;
    loop_timer_fn fn;
    void *arg;
};

struct loop {
    struct watcher watchers[LOOP_MAX_WATCHERS];
    int nwatchers;
    struct timer timers[LOOP_MAX_TIMERS]; /* fixed: adding one never fails for memory */
    int ntimers;
    uint64_t next_id;
    uint64_t next_generation;
    int64_t now_ms;
    bool stopped;
    /* scratch for one poll() call, kept to avoid an allocation per turn */
    struct pollfd pfds[LOOP_MAX_WATCHERS];
    uint64_t polled_generation[LOOP_MAX_WATCHERS];
    /* memory a callback cannot free under its caller's feet (loop_defer_free) */
    void **deferred;
    int ndeferred, deferred_cap;
};

static void free_deferred(loop_t *loop)
{
    for (int i = 0; i < loop->ndeferred; i++)
        free(loop->deferred[i]);
    loop->ndeferred = 0;
}

void loop_defer_free(loop_t *loop, void *p)
{
    if (loop->ndeferred == loop->deferred_cap) {
        int cap = loop->deferred_cap ? loop->deferred_cap * 2 : 16;
        void **d = realloc(loop->deferred, (size_t)cap * sizeof(*d));
        if (!d)
            return; /* leaked rather than freed too early */
        loop->deferred = d;
        loop->deferred_cap = cap;
    }
    loop->deferred[loop->ndeferred++] = p;
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double loop_wall_time(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

loop_t *loop_new(void)
{
    loop_t *loop = calloc(1, sizeof(*loop));
    if (!loop)
        return NULL;
    loop->next_id = 1;
    loop->next_generation = 1;
    loop->now_ms = monotonic_ms();
    return loop;
}

void loop_free(loop_t *loop)
{
    if (!loop)
        return;
    free_deferred(loop);
    free(loop->deferred);
    free(loop);
}

int64_t loop_now_ms(const loop_t *loop)
{
    return loop->now_ms;
}

int64_t loop_update_time(loop_t *loop)
{
    loop->now_ms = monotonic_ms();
    return loop->now_ms;
}

static struct watcher *find_watcher(const loop_t *loop, int fd)
{
    for (int i = 0; i < loop->nwatchers; i++)
        if (loop->watchers[i].fd == fd)
            return (struct watcher *)&loop->watchers[i];
    return NULL;
}

int loop_watch(loop_t *loop, int fd, short events, loop_io_fn fn, void *arg)
{
    struct watcher *w = find_watcher(loop, fd);
    if (!w) {
        if (loop->nwatchers == LOOP_MAX_WATCHERS)
            return -1;
        w = &loop->watchers[loop->nwatchers++];
        w->fd = fd;
        w->generation = loop->next_generation++;
    }
    w->events = events;
    w->fn = fn;
    w->arg = arg;
    return 0;
}

void loop_unwatch(loop_t *loop, int fd)
{
    struct watcher *w = find_watcher(loop, fd);
    if (!w)
        return;
    *w = loop->watchers[--loop->nwatchers];
}

bool loop_is_watched(const loop_t *loop, int fd)
{
    return find_watcher(loop, fd) != NULL;
}

uint64_t loop_timer_add(loop_t *loop, int64_t delay_ms, loop_timer_fn fn, void *arg)
{
    if (loop->ntimers == LOOP_MAX_TIMERS) {
        /* Callers take 0 for "no timer": returning it would leave one
         * waiting forever for a callback that never comes. This many
         * timers at once is a leak, a bug to be seen, not survived. */
        fprintf(stderr, "opsdeck: more than %d timers at once (a timer leak)\n", LOOP_MAX_TIMERS);
        abort();
    }
    if (delay_ms < 0)
        delay_ms = 0;
    struct timer *t = &loop->timers[loop->ntimers++];
    t->id = loop->next_id++;
    t->due_ms = monotonic_ms() + delay_ms;
    t->fn = fn;
    t->arg = arg;
    return t->id;
}

void loop_timer_cancel(loop_t *loop, uint64_t id)
{
    for (int i = 0; i < loop->ntimers; i++) {
        if (loop->timers[i].id == id) {
            loop->timers[i] = loop->timers[--loop->ntimers];
            return;
        }
    }
}

/* Milliseconds until the earliest timer, capped by max_wait_ms. */
static int next_wait_ms(const loop_t *loop, int max_wait_ms)
{
    int64_t wait = max_wait_ms;
    for (int i = 0; i < loop->ntimers; i++) {
        int64_t left = loop->timers[i].due_ms - loop->now_ms;
        if (left < wait)
            wait = left;
    }
    return wait < 0 ? 0 : (int)wait;
}

/* Runs every timer due now. A timer added by a callback waits for the next
 * turn, so a timer that re-arms itself with delay 0 cannot starve the fds. */
static int run_due_timers(loop_t *loop)
{
    int ran = 0;
    uint64_t last_id_this_turn = loop->next_id;
    for (;;) {
        int due = -1;
        for (int i = 0; i < loop->ntimers; i++) {
            const struct timer *t = &loop->timers[i];
            if (t->id >= last_id_this_turn || t->due_ms > loop->now_ms)
                continue;
            if (due < 0 || t->due_ms < loop->timers[due].due_ms)
                due = i;
        }
        if (due < 0)
            return ran;
        struct timer fired = loop->timers[due];
        loop->timers[due] = loop->timers[--loop->ntimers];
        fired.fn(loop, fired.arg);
        ran++;
    }
}

static int dispatch_fds(loop_t *loop, int npolled)
{
    int ran = 0;
    for (int i = 0; i < npolled; i++) {
        struct pollfd *p = &loop->pfds[i];
        if (!p->revents)
            continue;
        /* An earlier callback may have removed or replaced this watcher. */
        struct watcher *w = find_watcher(loop, p->fd);
        if (!w || w->generation != loop->polled_generation[i])
            continue;
        w->fn(loop, p->fd, p->revents, w->arg);
        ran++;
    }
    return ran;
}

int loop_run_once(loop_t *loop, int max_wait_ms)
{
    free_deferred(loop); /* every callback of the last turn has returned */
    int n = 0;
    for (int i = 0; i < loop->nwatchers; i++) {
        const struct watcher *w = &loop->watchers[i];
        loop->pfds[n].fd = w->fd;
        loop->pfds[n].events = w->events;
        loop->pfds[n].revents = 0;
        /* fd -1 makes poll() skip the entry: a paused watcher */
        if (!w->events)
            loop->pfds[n].fd = -1;
        loop->polled_generation[n] = w->generation;
        n++;
    }
    loop->now_ms = monotonic_ms();
    int rc = poll(loop->pfds, (nfds_t)n, next_wait_ms(loop, max_wait_ms));
    loop->now_ms = monotonic_ms();
    if (rc < 0 && errno != EINTR)
        return -1;
    int ran = rc > 0 ? dispatch_fds(loop, n) : 0;
    loop->now_ms = monotonic_ms();
    return ran + run_due_timers(loop);
}

void loop_run(loop_t *loop)
{
    loop->stopped = false;
    while (!loop->stopped)
        if (loop_run_once(loop, 1000) < 0)
            break;
}

void loop_stop(loop_t *loop)
{
    loop->stopped = true;
}

bool loop_stopped(const loop_t *loop)
{
    return loop->stopped;
}
