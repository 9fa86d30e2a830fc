/* The one event loop: poll() over file-descriptor watchers, plus timers.
 *
 * Everything in opsdeck runs on it: the terminal, SSH sockets, tunnel
 * sockets, libcurl, libpq, hiredis and the refresh timers. Callbacks must
 * never block; a callback may add or remove any watcher or timer, including
 * its own. */
#ifndef OPSDECK_LOOP_H
#define OPSDECK_LOOP_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct loop loop_t;

/* revents is what poll() reported (POLLIN, POLLOUT, POLLERR, POLLHUP...). */
typedef void (*loop_io_fn)(loop_t *loop, int fd, int revents, void *arg);
typedef void (*loop_timer_fn)(loop_t *loop, void *arg);

loop_t *loop_new(void);
void loop_free(loop_t *loop);

/* Watch fd for events (POLLIN and/or POLLOUT). Calling it again for the same
 * fd replaces events, callback and argument. events == 0 keeps the watcher
 * but polls nothing (a paused stream). Returns 0, or -1 when full. */
int loop_watch(loop_t *loop, int fd, short events, loop_io_fn fn, void *arg);
/* The same for a watcher that must not wait behind the others (the
 * terminal: a key is drawn at once): it is run first in every turn, and
 * looked at again without waiting between the other callbacks of a long
 * turn, every few milliseconds. A few at most; -1 when there are too many. */
int loop_watch_urgent(loop_t *loop, int fd, short events, loop_io_fn fn, void *arg);
void loop_unwatch(loop_t *loop, int fd);
bool loop_is_watched(const loop_t *loop, int fd);

#define LOOP_MAX_TIMERS 4096 /* at once; more is a leak: the program aborts */

/* One-shot timer firing after delay_ms. Returns its id, never 0 (callers
 * keep 0 for "no timer"): adding a timer cannot fail. */
uint64_t loop_timer_add(loop_t *loop, int64_t delay_ms, loop_timer_fn fn, void *arg);
/* Cancelling a fired or unknown id is harmless. */
void loop_timer_cancel(loop_t *loop, uint64_t id);

/* Milliseconds on the monotonic clock, cached at each loop turn. */
int64_t loop_now_ms(const loop_t *loop);
/* Refreshes the cached clock; for code that measures a duration mid-turn. */
int64_t loop_update_time(loop_t *loop);
/* Wall clock, seconds since the epoch (for display and audit). */
double loop_wall_time(void);

/* One turn: wait at most max_wait_ms (or until the next timer), dispatch
 * ready fds and due timers. Returns the number of callbacks run, -1 on a
 * poll() error other than EINTR. */
int loop_run_once(loop_t *loop, int max_wait_ms);
/* Frees p once the callbacks of this turn have returned (or at
 * loop_free()): for memory a callback's caller may still look at. */
void loop_defer_free(loop_t *loop, void *p);
/* Runs turns until loop_stop(). */
void loop_run(loop_t *loop);
void loop_stop(loop_t *loop);
bool loop_stopped(const loop_t *loop);

#endif
