/* Urgent watchers (the terminal): served before the others in a turn, and
 * between the others when those run long, without any of the others being
 * left for a later turn. The "busy" watchers stand for 100 hosts' sessions
 * woken at once by a refresh round: each callback spins for BUSY_MS, longer
 * than the loop lets others run before it looks at the terminal (2 ms). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <time.h>
#include <unistd.h>

#include "opsdeck/loop.h"

#define NBUSY   6
#define BUSY_MS 4
#define URGENT  100 /* the urgent watcher's tag in the order of callbacks */

struct bench {
    int busy[NBUSY][2]; /* pipes, each with a byte waiting */
    int urgent[2];
    int order[64];
    int n;
    int busy_runs[NBUSY];
    int urgent_runs;
    bool drain_urgent;   /* false: the terminal stays readable */
    bool key_from_first; /* the first busy callback "types a key" */
};

static void note(struct bench *b, int tag)
{
    if (b->n < (int)(sizeof(b->order) / sizeof(*b->order)))
        b->order[b->n++] = tag;
}

static void spin_ms(int ms)
{
    struct timespec a, now;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do
        clock_gettime(CLOCK_MONOTONIC, &now);
    while ((now.tv_sec - a.tv_sec) * 1000 + (now.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

static void on_busy(loop_t *loop, int fd, int revents, void *arg)
{
    (void)loop;
    (void)revents;
    struct bench *b = arg;
    int i = 0;
    while (b->busy[i][0] != fd)
        i++;
    note(b, i);
    b->busy_runs[i]++;
    if (i == 0 && b->key_from_first)
        assert_int_equal(write(b->urgent[1], "?", 1), 1);
    spin_ms(BUSY_MS); /* left readable: a session with more to do */
}

static void on_urgent(loop_t *loop, int fd, int revents, void *arg)
{
    (void)loop;
    (void)revents;
    struct bench *b = arg;
    note(b, URGENT);
    b->urgent_runs++;
    char c;
    if (b->drain_urgent)
        assert_int_equal(read(fd, &c, 1), 1);
}

/* The busy watchers are watched first, the urgent one last: without
 * urgency the turn would run them in that order. */
static loop_t *set_up(struct bench *b)
{
    loop_t *loop = loop_new();
    for (int i = 0; i < NBUSY; i++) {
        assert_int_equal(pipe(b->busy[i]), 0);
        assert_int_equal(write(b->busy[i][1], "x", 1), 1);
        assert_int_equal(loop_watch(loop, b->busy[i][0], POLLIN, on_busy, b), 0);
    }
    assert_int_equal(pipe(b->urgent), 0);
    assert_int_equal(loop_watch_urgent(loop, b->urgent[0], POLLIN, on_urgent, b), 0);
    return loop;
}

static void tear_down(loop_t *loop, struct bench *b)
{
    loop_free(loop);
    for (int i = 0; i < NBUSY; i++) {
        close(b->busy[i][0]);
        close(b->busy[i][1]);
    }
    close(b->urgent[0]);
    close(b->urgent[1]);
}

static void urgent_watcher_runs_first(void **state)
{
    (void)state;
    struct bench b = {.drain_urgent = true};
    loop_t *loop = set_up(&b);
    assert_int_equal(write(b.urgent[1], "?", 1), 1);
    assert_int_equal(loop_run_once(loop, 100), NBUSY + 1);
    assert_int_equal(b.order[0], URGENT);
    for (int i = 0; i < NBUSY; i++)
        assert_int_equal(b.busy_runs[i], 1);
    tear_down(loop, &b);
}

/* A key typed while the turn's first busy callback runs is served right
 * after it, not after the other five (20 ms more here, 50-80 ms at 100
 * hosts). */
static void key_during_a_long_turn_waits_for_one_callback(void **state)
{
    (void)state;
    struct bench b = {.drain_urgent = true, .key_from_first = true};
    loop_t *loop = set_up(&b);
    assert_int_equal(loop_run_once(loop, 100), NBUSY + 1);
    assert_int_equal(b.n, NBUSY + 1);
    assert_int_equal(b.order[0], 0);
    assert_int_equal(b.order[1], URGENT);
    for (int i = 0; i < NBUSY; i++)
        assert_int_equal(b.busy_runs[i], 1);
    tear_down(loop, &b);
}

/* A terminal that never stops being readable (a flood of keys) still lets
 * every other watcher run once per turn, turn after turn. */
static void urgent_watcher_never_starves_the_others(void **state)
{
    (void)state;
    struct bench b = {.drain_urgent = false};
    loop_t *loop = set_up(&b);
    assert_int_equal(write(b.urgent[1], "?", 1), 1);
    for (int turn = 1; turn <= 3; turn++) {
        loop_run_once(loop, 100);
        for (int i = 0; i < NBUSY; i++)
            assert_int_equal(b.busy_runs[i], turn);
    }
    /* first in each turn, and cut in between the busy ones */
    assert_true(b.urgent_runs > 3);
    tear_down(loop, &b);
}

static void unwatching_an_urgent_watcher_frees_its_place(void **state)
{
    (void)state;
    loop_t *loop = loop_new();
    struct bench b = {0};
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    /* the same fd, again and again: one place, not one per call */
    for (int i = 0; i < 10; i++)
        assert_int_equal(loop_watch_urgent(loop, fds[0], POLLIN, on_urgent, &b), 0);
    loop_unwatch(loop, fds[0]);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(loop_watch_urgent(loop, fds[0], POLLIN, on_urgent, &b), 0);
        loop_unwatch(loop, fds[0]);
    }
    assert_false(loop_is_watched(loop, fds[0]));
    loop_free(loop);
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(urgent_watcher_runs_first),
        cmocka_unit_test(key_during_a_long_turn_waits_for_one_callback),
        cmocka_unit_test(urgent_watcher_never_starves_the_others),
        cmocka_unit_test(unwatching_an_urgent_watcher_frees_its_place),
    };
    return cmocka_run_group_tests_name("loop_urgent", tests, NULL, NULL);
}
