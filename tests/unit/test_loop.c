/* The event loop: timers fire in order and once, cancelled ones never, their
 * ids are never 0, fds dispatch, and callbacks may change the watcher set
 * under the loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "opsdeck/loop.h"

struct record {
    int order[16];
    int n;
};

static void note(loop_t *loop, void *arg, int tag)
{
    (void)loop;
    struct record *r = arg;
    if (r->n < 16)
        r->order[r->n++] = tag;
}
static void fire_1(loop_t *l, void *a)
{
    note(l, a, 1);
}
static void fire_2(loop_t *l, void *a)
{
    note(l, a, 2);
}
static void fire_3(loop_t *l, void *a)
{
    note(l, a, 3);
}

static void run_for(loop_t *loop, int ms)
{
    int64_t end = loop_update_time(loop) + ms;
    while (loop_update_time(loop) < end)
        loop_run_once(loop, 5);
}

static void timers_fire_in_due_order(void **state)
{
    (void)state;
    loop_t *loop = loop_new();
    struct record r = {0};
    loop_timer_add(loop, 30, fire_3, &r);
    loop_timer_add(loop, 10, fire_1, &r);
    loop_timer_add(loop, 20, fire_2, &r);
    run_for(loop, 80);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.order[0], 1);
    assert_int_equal(r.order[1], 2);
    assert_int_equal(r.order[2], 3);
    loop_free(loop);
}

static void count_fired(loop_t *l, void *a)
{
    (void)l;
    (*(int *)a)++;
}

/* Callers keep 0 for "no timer": every id the loop gives is another
 * non-zero one, up to the most timers it holds at once, and after. */
static void timer_ids_are_never_zero(void **state)
{
    (void)state;
    loop_t *loop = loop_new();
    static uint64_t ids[LOOP_MAX_TIMERS];
    int fired = 0;
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < LOOP_MAX_TIMERS; i++) {
            ids[i] = loop_timer_add(loop, 0, count_fired, &fired);
            assert_true(ids[i] != 0);
            if (i > 0)
                assert_true(ids[i] > ids[i - 1]); /* distinct */
        }
        for (int i = 0; i < LOOP_MAX_TIMERS; i++)
            loop_timer_cancel(loop, ids[i]);
    }
    loop_run_once(loop, 0);
    assert_int_equal(fired, 0);
    loop_free(loop);
}

/* One timer more than it holds is a leak: the loop stops the program
 * rather than hand out 0 (a timer that would never fire). */
static void one_timer_too_many_aborts(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, STDERR_FILENO);
        loop_t *loop = loop_new();
        int fired = 0;
        for (int i = 0; i <= LOOP_MAX_TIMERS; i++)
            if (loop_timer_add(loop, 1000, count_fired, &fired) == 0)
                _exit(1);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void cancelled_timer_never_fires(void **state)
{
    (void)state;
    loop_t *loop = loop_new();
    struct record r = {0};
    uint64_t id = loop_timer_add(loop, 5, fire_1, &r);
    loop_timer_add(loop, 10, fire_2, &r);
    loop_timer_cancel(loop, id);
    loop_timer_cancel(loop, 999999); /* unknown ids are harmless */
    run_for(loop, 40);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.order[0], 2);
    loop_free(loop);
}

static void timer_does_not_fire_early(void **state)
{
    (void)state;
    loop_t *loop = loop_new();
    struct record r = {0};
    int64_t start = loop_update_time(loop);
    loop_timer_add(loop, 50, fire_1, &r);
    while (r.n == 0)
        loop_run_once(loop, 1000);
    assert_true(loop_update_time(loop) - start >= 50);
    loop_free(loop);
}

struct rearm {
    int fired;
};
static void rearm_zero(loop_t *loop, void *arg)
{
    struct rearm *r = arg;
    r->fired++;
    loop_timer_add(loop, 0, rearm_zero, r);
}

/* A timer that re-arms itself at 0 ms runs once per turn, not forever. */
static void rearming_timer_runs_once_per_turn(void **state)
{
    (void)state;
    loop_t *loop = loop_new();
    struct rearm r = {0};
    loop_timer_add(loop, 0, rearm_zero, &r);
    loop_run_once(loop, 0);
    assert_int_equal(r.fired, 1);
    loop_run_once(loop, 0);
    assert_int_equal(r.fired, 2);
    loop_free(loop);
}

struct pipe_ctx {
    int fds[2];
    int reads;
    char got[8];
};

static void on_readable(loop_t *loop, int fd, int revents, void *arg)
{
    struct pipe_ctx *c = arg;
    assert_true(revents & POLLIN);
    ssize_t n = read(fd, c->got, sizeof(c->got) - 1);
    assert_true(n > 0);
    c->reads++;
    loop_unwatch(loop, fd); /* removing itself from inside its callback */
}

static void fd_watcher_dispatches_and_unwatches(void **state)
{
    (void)state;
    loop_t *loop = loop_new();
    struct pipe_ctx c = {0};
    assert_int_equal(pipe(c.fds), 0);
    assert_int_equal(loop_watch(loop, c.fds[0], POLLIN, on_readable, &c), 0);
    assert_int_equal(loop_run_once(loop, 0), 0); /* nothing to read yet */
    assert_int_equal(write(c.fds[1], "hi", 2), 2);
    assert_int_equal(loop_run_once(loop, 100), 1);
    assert_string_equal(c.got, "hi");
    assert_false(loop_is_watched(loop, c.fds[0]));
    assert_int_equal(write(c.fds[1], "again", 5), 5);
    loop_run_once(loop, 10);
    assert_int_equal(c.reads, 1);
    close(c.fds[0]);
    close(c.fds[1]);
    loop_free(loop);
}

static void paused_watcher_is_not_polled(void **state)
{
    (void)state;
    loop_t *loop = loop_new();
    struct pipe_ctx c = {0};
    assert_int_equal(pipe(c.fds), 0);
    assert_int_equal(write(c.fds[1], "x", 1), 1);
    loop_watch(loop, c.fds[0], 0, on_readable, &c);
    loop_run_once(loop, 10);
    assert_int_equal(c.reads, 0);
    loop_watch(loop, c.fds[0], POLLIN, on_readable, &c);
    loop_run_once(loop, 10);
    assert_int_equal(c.reads, 1);
    close(c.fds[0]);
    close(c.fds[1]);
    loop_free(loop);
}

static void stop_from_timer(loop_t *loop, void *arg)
{
    (void)arg;
    loop_stop(loop);
}

static void run_returns_after_stop(void **state)
{
    (void)state;
    loop_t *loop = loop_new();
    loop_timer_add(loop, 10, stop_from_timer, NULL);
    loop_run(loop);
    assert_true(loop_stopped(loop));
    loop_free(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timers_fire_in_due_order),
        cmocka_unit_test(timer_ids_are_never_zero),
        cmocka_unit_test(one_timer_too_many_aborts),
        cmocka_unit_test(cancelled_timer_never_fires),
        cmocka_unit_test(timer_does_not_fire_early),
        cmocka_unit_test(rearming_timer_runs_once_per_turn),
        cmocka_unit_test(fd_watcher_dispatches_and_unwatches),
        cmocka_unit_test(paused_watcher_is_not_polled),
        cmocka_unit_test(run_returns_after_stop),
    };
    return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
