/* The event loop: poll() over watchers, timers kept in a small array.
 *
 * opsdeck watches a few dozen descriptors and runs a few dozen timers, so a
 * linear scan is both the simplest and the fastest structure here.
 *
 * Urgent watchers (the terminal) are served first in every turn and looked
 * at again, without waiting, whenever the turn's other callbacks have run
 * for LOOP_URGENT_LOOK_MS: at 100 hosts a refresh round wakes some 300
 * session, tunnel and HTTP descriptors at once and their callbacks take
 * 50-80 ms in all, which a key arriving meanwhile used to wait out. Every
 * other callback still runs once per turn: the urgent ones cut in between
 * them, they do not push them to a later turn. */
#include "opsdeck/loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOOP_MAX_WATCHERS 1024
#define LOOP_MAX_URGENT   4 /* the terminal; a handful at most */
/* How long other callbacks may run before urgent watchers are looked at
 * again: a key then waits for at most this plus the one callback running. */
#define LOOP_URGENT_LOOK_MS 2

struct watcher {
    int fd;
    short events;
    uint64_t generation; /* tells a replaced watcher from the one polled */
    bool urgent;
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
    bool polled_urgent[LOOP_MAX_WATCHERS];
    int nurgent;
    int64_t urgent_looked_ms; /* when the urgent watchers were last polled */
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

static int watch(loop_t *loop, int fd, short events, loop_io_fn fn, void *arg, bool urgent)
{
    struct watcher *w = find_watcher(loop, fd);
    if (!w) {
        if (loop->nwatchers == LOOP_MAX_WATCHERS)
            return -1;
        w = &loop->watchers[loop->nwatchers++];
        w->fd = fd;
        w->generation = loop->next_generation++;
        w->urgent = false;
    }
    if (urgent && !w->urgent && loop->nurgent == LOOP_MAX_URGENT)
        return -1;
    loop->nurgent += (int)urgent - (int)w->urgent;
    w->urgent = urgent;
    w->events = events;
    w->fn = fn;
    w->arg = arg;
    return 0;
}

int loop_watch(loop_t *loop, int fd, short events, loop_io_fn fn, void *arg)
{
    return watch(loop, fd, events, fn, arg, false);
}

int loop_watch_urgent(loop_t *loop, int fd, short events, loop_io_fn fn, void *arg)
{
    return watch(loop, fd, events, fn, arg, true);
}

void loop_unwatch(loop_t *loop, int fd)
{
    struct watcher *w = find_watcher(loop, fd);
    if (!w)
        return;
    if (w->urgent)
        loop->nurgent--;
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

/* Runs the watcher polled as fd with this generation, unless an earlier
 * callback removed or replaced it. Returns 1 if it ran. */
static int run_watcher(loop_t *loop, int fd, int revents, uint64_t generation)
{
    struct watcher *w = find_watcher(loop, fd);
    if (!w || w->generation != generation)
        return 0;
    w->fn(loop, fd, revents, w->arg);
    return 1;
}

/* Once other callbacks have run for LOOP_URGENT_LOOK_MS since the last
 * look, polls the urgent watchers without waiting and runs those ready. */
static int look_at_urgent(loop_t *loop)
{
    if (!loop->nurgent || monotonic_ms() - loop->urgent_looked_ms < LOOP_URGENT_LOOK_MS)
        return 0;
    struct pollfd p[LOOP_MAX_URGENT];
    uint64_t generation[LOOP_MAX_URGENT];
    int n = 0;
    for (int i = 0; i < loop->nwatchers && n < LOOP_MAX_URGENT; i++) {
        const struct watcher *w = &loop->watchers[i];
        if (!w->urgent || !w->events)
            continue;
        p[n] = (struct pollfd){.fd = w->fd, .events = w->events};
        generation[n++] = w->generation;
    }
    int ran = 0;
    if (n && poll(p, (nfds_t)n, 0) > 0)
        for (int i = 0; i < n; i++)
            if (p[i].revents)
                ran += run_watcher(loop, p[i].fd, p[i].revents, generation[i]);
    loop->urgent_looked_ms = monotonic_ms();
    return ran;
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
        ran += look_at_urgent(loop);
        fired.fn(loop, fired.arg);
        ran++;
    }
}

/* The urgent watchers ready first, then the others, looking at the urgent
 * ones again between those once they have run for a while. */
static int dispatch_fds(loop_t *loop, int npolled)
{
    int ran = 0;
    for (int pass = 0; pass < 2; pass++) {
        bool urgent = pass == 0;
        for (int i = 0; i < npolled; i++) {
            const struct pollfd *p = &loop->pfds[i];
            if (!p->revents || loop->polled_urgent[i] != urgent)
                continue;
            if (!urgent)
                ran += look_at_urgent(loop);
            ran += run_watcher(loop, p->fd, p->revents, loop->polled_generation[i]);
        }
        if (urgent)
            loop->urgent_looked_ms = monotonic_ms();
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
        loop->polled_urgent[n] = w->urgent;
        n++;
    }
    loop->now_ms = monotonic_ms();
    int rc = poll(loop->pfds, (nfds_t)n, next_wait_ms(loop, max_wait_ms));
    loop->now_ms = monotonic_ms();
    loop->urgent_looked_ms = loop->now_ms; /* that poll() looked at them too */
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
