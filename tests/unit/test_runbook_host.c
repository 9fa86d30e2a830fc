/* The host side of runbook runs, on this machine (a host without ssh runs
 * its commands through /bin/sh): a detached act streams its output and its
 * exit status; a new follower re-attaches from the first byte; the act
 * outlives the one who started it; the lock is taken by one run only,
 * names its holder, and is given back; a dead lock is told from a live one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opsdeck/runbook/detached.h"
#include "opsdeck/runbook/host_lock.h"
#include "opsdeck/runbook/run_memory.h"

static struct {
    char dir[64];
    host_config hc;
    loop_t *loop;
    transport_t *t;
    char out[4096];
    size_t out_len;
    bool ended, ran;
    int status;
    char error[512];
    lock_outcome lock;
    host_lock_info holder;
    bool lock_done;
} fx;

static void on_output(const char *buf, size_t len, void *arg)
{
    size_t take = len < sizeof(fx.out) - 1 - fx.out_len ? len : sizeof(fx.out) - 1 - fx.out_len;
    memcpy(fx.out + fx.out_len, buf, take);
    fx.out_len += take;
    fx.out[fx.out_len] = '\0';
}

static void on_ended(bool ran, int status, const char *error, void *arg)
{
    fx.ended = true;
    fx.ran = ran;
    fx.status = status;
    snprintf(fx.error, sizeof(fx.error), "%s", error);
}

static const detached_events events = {on_output, on_ended};

static void on_lock(lock_outcome outcome, const host_lock_info *holder, const char *error,
                    void *arg)
{
    fx.lock = outcome;
    fx.holder = *holder;
    fx.lock_done = true;
}

/* Turns the loop until flag is set, at most ms. */
static bool run_until(const bool *flag, int ms)
{
    int64_t end = loop_update_time(fx.loop) + ms;
    while (!*flag && loop_update_time(fx.loop) < end)
        loop_run_once(fx.loop, 50);
    return *flag;
}

static void reset_output(void)
{
    fx.out[0] = '\0';
    fx.out_len = 0;
    fx.ended = false;
}

static int setup(void **state)
{
    memset(&fx, 0, sizeof(fx));
    snprintf(fx.dir, sizeof(fx.dir), "/tmp/opsdeck-rbhost.XXXXXX");
    if (!mkdtemp(fx.dir))
        return -1;
    fx.hc.name = "local";
    fx.hc.env = "staging";
    fx.hc.state_dir = fx.dir;
    fx.loop = loop_new();
    transport_options topts = {.connect_timeout_ms = 1000};
    fx.t = transport_new(fx.loop, &fx.hc, &topts, NULL, NULL);
    transport_start(fx.t);
    return 0;
}

static int teardown(void **state)
{
    transport_free(fx.t);
    loop_free(fx.loop);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx.dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void act_streams_and_ends_with_its_status(void **state)
{
    char run_id[RUN_ID_MAX];
    detached_new_run_id(run_id);
    assert_true(detached_run_id_valid(run_id));
    reset_output();
    detached *d = detached_start(fx.loop, fx.t, &fx.hc, run_id, 2, "Restart it",
                                 "echo one; sleep 0.5; echo two >&2; exit 3", 10000, &events, NULL);
    assert_non_null(d);
    assert_true(run_until(&fx.ended, 8000));
    assert_true(fx.ran);
    assert_int_equal(fx.status, 3);
    assert_string_equal(fx.out, "one\ntwo\n");
    assert_int_equal(detached_offset(d), 8);
    detached_stop(d);

    /* its files are there, private */
    char path[256];
    struct stat st;
    snprintf(path, sizeof(path), "%s/runs/%s/s2/exit", fx.dir, run_id);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(stat(fx.dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    /* a re-attach shows it all again, from the first byte */
    reset_output();
    d = detached_attach(fx.loop, fx.t, &fx.hc, run_id, 2, 10000, &events, NULL);
    assert_non_null(d);
    assert_true(run_until(&fx.ended, 8000));
    assert_true(fx.ran);
    assert_int_equal(fx.status, 3);
    assert_string_equal(fx.out, "one\ntwo\n");
    detached_stop(d);
}

static void act_outlives_its_follower(void **state)
{
    char run_id[RUN_ID_MAX];
    detached_new_run_id(run_id);
    reset_output();
    detached *d = detached_start(fx.loop, fx.t, &fx.hc, run_id, 0, "long", "sleep 1; echo done",
                                 10000, &events, NULL);
    assert_non_null(d);
    /* wait until it runs, then drop the follower (as a dead opsdeck would) */
    char pid_path[256];
    snprintf(pid_path, sizeof(pid_path), "%s/runs/%s/s0/pid", fx.dir, run_id);
    for (int i = 0; i < 100 && access(pid_path, F_OK) != 0; i++)
        loop_run_once(fx.loop, 50);
    assert_int_equal(access(pid_path, F_OK), 0);
    detached_stop(d);
    assert_false(fx.ended);
    d = detached_attach(fx.loop, fx.t, &fx.hc, run_id, 0, 10000, &events, NULL);
    assert_true(run_until(&fx.ended, 8000));
    assert_true(fx.ran);
    assert_int_equal(fx.status, 0);
    assert_string_equal(fx.out, "done\n");
    detached_stop(d);

    /* an act that does not exist is said so */
    reset_output();
    d = detached_attach(fx.loop, fx.t, &fx.hc, "20000101T000000Z-1-1", 0, 5000, &events, NULL);
    assert_true(run_until(&fx.ended, 5000));
    assert_false(fx.ran);
    assert_non_null(strstr(fx.error, "no act"));
    detached_stop(d);
}

static void lock_is_taken_once_and_names_its_holder(void **state)
{
    char a[RUN_ID_MAX], b[RUN_ID_MAX];
    detached_new_run_id(a);
    detached_new_run_id(b);
    fx.lock_done = false;
    assert_non_null(
        host_lock_acquire(fx.t, &fx.hc, "api-down", a, "0 Is it up", 600, on_lock, NULL));
    assert_true(run_until(&fx.lock_done, 5000));
    assert_int_equal(fx.lock, LOCK_ACQUIRED);

    fx.lock_done = false;
    host_lock_update(fx.t, &fx.hc, "api-down", a, "3 Restart the API", on_lock, NULL);
    assert_true(run_until(&fx.lock_done, 5000));
    assert_int_equal(fx.lock, LOCK_ACQUIRED);

    fx.lock_done = false;
    host_lock_acquire(fx.t, &fx.hc, "api-down", b, "0 Is it up", 600, on_lock, NULL);
    assert_true(run_until(&fx.lock_done, 5000));
    assert_int_equal(fx.lock, LOCK_HELD);
    assert_string_equal(fx.holder.run_id, a);
    assert_string_equal(fx.holder.step, "3 Restart the API");
    assert_int_equal(fx.holder.pid, (long)getpid());
    assert_false(fx.holder.act_alive);
    char why[256], who[512];
    assert_false(host_lock_dead(&fx.holder, why, sizeof(why))); /* we are alive */
    host_lock_describe(&fx.holder, who, sizeof(who));
    assert_non_null(strstr(who, "since"));
    assert_non_null(strstr(who, "Restart the API"));

    /* another runbook is another lock */
    fx.lock_done = false;
    host_lock_acquire(fx.t, &fx.hc, "rollback", b, "0", 600, on_lock, NULL);
    assert_true(run_until(&fx.lock_done, 5000));
    assert_int_equal(fx.lock, LOCK_ACQUIRED);

    /* only its holder gives it back */
    fx.lock_done = false;
    host_lock_release(fx.t, &fx.hc, "api-down", b, on_lock, NULL);
    assert_true(run_until(&fx.lock_done, 5000));
    fx.lock_done = false;
    host_lock_query(fx.t, &fx.hc, "api-down", on_lock, NULL);
    assert_true(run_until(&fx.lock_done, 5000));
    assert_int_equal(fx.lock, LOCK_HELD);
    fx.lock_done = false;
    host_lock_release(fx.t, &fx.hc, "api-down", a, on_lock, NULL);
    assert_true(run_until(&fx.lock_done, 5000));
    fx.lock_done = false;
    host_lock_query(fx.t, &fx.hc, "api-down", on_lock, NULL);
    assert_true(run_until(&fx.lock_done, 5000));
    assert_int_equal(fx.lock, LOCK_FREE);
}

static void dead_lock_is_told_from_a_live_one(void **state)
{
    host_lock_info h;
    char why[256];
    memset(&h, 0, sizeof(h));
    char host[128] = "";
    gethostname(host, sizeof(host) - 1);
    detached_safe_text(host, h.machine, sizeof(h.machine));
    h.pid = 999999999; /* no such process */
    h.deadline = 2000;
    h.host_now = 1000;
    assert_true(host_lock_dead(&h, why, sizeof(why)));
    h.act_alive = true; /* its act still runs: never dead */
    assert_false(host_lock_dead(&h, why, sizeof(why)));
    h.act_alive = false;
    snprintf(h.machine, sizeof(h.machine), "elsewhere");
    assert_false(host_lock_dead(&h, why, sizeof(why))); /* cannot tell before its deadline */
    h.host_now = 3000;
    assert_true(host_lock_dead(&h, why, sizeof(why)));
}

static void runs_are_remembered_locally(void **state)
{
    char env[128];
    snprintf(env, sizeof(env), "%s/xdg", fx.dir);
    setenv("XDG_STATE_HOME", env, 1);
    run_memory_entry e;
    assert_false(run_memory_last("local", "api-down", &e));
    assert_int_equal(run_memory_note("local", "api-down", "20260101T000000Z-1-1", "started", -1),
                     0);
    assert_int_equal(run_memory_note("local", "other", "20260101T000000Z-1-2", "started", -1), 0);
    assert_int_equal(run_memory_note("local", "api-down", "20260101T000000Z-1-1", "passed", 3), 0);
    assert_true(run_memory_last("local", "api-down", &e));
    assert_string_equal(e.run_id, "20260101T000000Z-1-1");
    assert_string_equal(e.state, "passed");
    assert_int_equal(e.last_act, 3);
    unsetenv("XDG_STATE_HOME");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(act_streams_and_ends_with_its_status, setup, teardown),
        cmocka_unit_test_setup_teardown(act_outlives_its_follower, setup, teardown),
        cmocka_unit_test_setup_teardown(lock_is_taken_once_and_names_its_holder, setup, teardown),
        cmocka_unit_test_setup_teardown(dead_lock_is_told_from_a_live_one, setup, teardown),
        cmocka_unit_test_setup_teardown(runs_are_remembered_locally, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
