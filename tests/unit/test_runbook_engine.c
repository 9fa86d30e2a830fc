/* The runbook engine's state machine, driven through the real engine on
 * this machine (a host without ssh: its steps run through /bin/sh, acts
 * detached with setsid, the lock under a private state_dir) with runbooks
 * read from YAML files by the real loader, on a real audit log: a failed
 * required check stops the run; checks run by themselves and the plan is
 * confirmed once before the first act, whose intent is on disk first; a
 * verify that runs out of time offers on_failure; a choice runs the option
 * picked, a nested runbook included; read-only runs the checks and refuses
 * every act; a second run of the same runbook is refused and told who
 * holds the lock; a logs check runs the docker client (here with no daemon
 * to answer) and fails in docker's own words, audited, also read-only. The
 * lines a container printed are read on the sandbox
 * (tests/e2e/test_console_runbook_logs.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "opsdeck/runbook/engine.h"

#define FIXTURES "tests/unit/fixtures/runbooks_engine"

static struct {
    char dir[64], log_path[128];
    host_config hc;
    env_config env;
    opsdeck_config cfg;
    loop_t *loop;
    app_host host;
    app_t app;
    audit_log audit;
    runbook_set set;
} fx;

static int setup(void **state)
{
    memset(&fx, 0, sizeof(fx));
    snprintf(fx.dir, sizeof(fx.dir), "/tmp/opsdeck-rbeng.XXXXXX");
    if (!mkdtemp(fx.dir))
        return -1;
    setenv("OPSDECK_TEST_DIR", fx.dir, 1);
    char xdg[128];
    snprintf(xdg, sizeof(xdg), "%s/xdg", fx.dir);
    setenv("XDG_STATE_HOME", xdg, 1);
    snprintf(fx.log_path, sizeof(fx.log_path), "%s/audit.log", fx.dir);
    fx.hc.name = "stage-1";
    fx.hc.env = "staging";
    fx.hc.state_dir = fx.dir;
    fx.env = (env_config){.name = "staging", .confirm = CONFIRM_YES, .line = 1};
    fx.cfg.envs = &fx.env;
    fx.cfg.nenvs = 1;
    fx.cfg.hosts = &fx.hc;
    fx.cfg.nhosts = 1;
    fx.loop = loop_new();
    fx.app.loop = fx.loop;
    fx.app.config = &fx.cfg;
    fx.app.interval_s = 1;
    const host_config *sel[] = {&fx.hc};
    if (model_init(&fx.app.model, &fx.cfg, sel, 1) < 0)
        return -1;
    transport_options topts = {.connect_timeout_ms = 1000};
    fx.host.model = &fx.app.model.hosts[0];
    fx.host.transport = transport_new(fx.loop, &fx.hc, &topts, NULL, NULL); /* this machine */
    transport_start(fx.host.transport);
    fx.app.hosts = &fx.host;
    fx.app.nhosts = 1;
    char err[256];
    if (audit_open(&fx.audit, fx.log_path, err, sizeof(err)) < 0)
        return -1;
    runbook_problems problems = {0};
    int rc = runbook_set_load(FIXTURES, &fx.cfg, &fx.set, &problems);
    for (size_t i = 0; i < problems.count; i++)
        fprintf(stderr, "%s:%d: %s\n", problems.items[i].file, problems.items[i].line,
                problems.items[i].message);
    runbook_problems_free(&problems);
    return rc;
}

static int teardown(void **state)
{
    runbook_set_free(&fx.set);
    audit_close(&fx.audit);
    transport_free(fx.host.transport);
    model_free(&fx.app.model);
    loop_free(fx.loop);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx.dir);
    return system(cmd) == 0 ? 0 : -1;
}

static bool file_there(const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", fx.dir, name);
    return access(path, F_OK) == 0;
}

/* Turns the loop until the run is in one of the phases (bounded). */
static rb_phase run_until(rb_engine *e, int ms, rb_phase a, rb_phase b)
{
    int64_t end = loop_update_time(fx.loop) + ms;
    while (loop_update_time(fx.loop) < end) {
        rb_phase p = rb_engine_run(e)->phase;
        if (p == a || p == b)
            return p;
        loop_run_once(fx.loop, 50);
    }
    return rb_engine_run(e)->phase;
}

static const rb_row *row_titled(rb_engine *e, const char *title)
{
    const rb_run *r = rb_engine_run(e);
    for (size_t i = 0; i < r->nrows; i++)
        if (!strcmp(r->rows[i].title, title))
            return &r->rows[i];
    fail_msg("no row titled '%s'", title);
    return NULL;
}

/* The log's lines as JSON, in order. */
static json_t *log_lines(void)
{
    json_t *all = json_array();
    FILE *f = fopen(fx.log_path, "r");
    char line[8192];
    while (f && fgets(line, sizeof(line), f))
        json_array_append_new(all, json_loads(line, 0, NULL));
    if (f)
        fclose(f);
    return all;
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "(null)";
}

static const char *step_title(json_t *o)
{
    const char *s = json_string_value(json_object_get(json_object_get(o, "step"), "title"));
    return s ? s : "(null)";
}

static rb_engine *start(const char *name, bool read_only)
{
    rb_engine *e = rb_engine_new(&fx.app, &fx.audit, &fx.set, read_only, NULL, NULL);
    char msg[512] = "";
    const runbook *rb = runbook_find(&fx.set, name);
    assert_non_null(rb);
    if (!rb_engine_start(e, rb, 0, msg, sizeof(msg)))
        fail_msg("%s", msg);
    return e;
}

static void required_check_failing_stops_the_run(void **state)
{
    rb_engine *e = start("require", false);
    assert_int_equal(run_until(e, 15000, RB_DONE, RB_DONE), RB_DONE);
    const rb_run *r = rb_engine_run(e);
    assert_false(r->succeeded);
    assert_non_null(strstr(r->verdict, "required check 0"));
    assert_int_equal(row_titled(e, "Is it there?")->state, RBS_FAILED);
    assert_non_null(strstr(row_titled(e, "Is it there?")->finding, "absent"));
    assert_int_equal(row_titled(e, "Never reached")->state, RBS_SKIPPED);
    assert_false(file_there("require-ran"));
    json_t *lines = log_lines();
    assert_int_equal(json_array_size(lines), 2); /* the check's finished line, the verdict */
    json_t *check = json_array_get(lines, 0);
    assert_string_equal(str(check, "phase"), "finished");
    assert_string_equal(str(check, "runbook"), "require");
    assert_string_equal(step_title(check), "Is it there?");
    assert_string_equal(str(check, "command"), "echo absent");
    assert_string_equal(str(check, "run_id"), r->run_id);
    json_decref(lines);
    rb_engine_free(e);
}

static void checks_run_then_the_plan_is_confirmed_once(void **state)
{
    rb_engine *e = start("act", false);
    assert_int_equal(run_until(e, 20000, RB_CONFIRM_PLAN, RB_DONE), RB_CONFIRM_PLAN);
    /* the checks ran by themselves, the act waits: nothing changed yet */
    assert_int_equal(row_titled(e, "A finding that is not required")->state, RBS_FAILED);
    assert_int_equal(row_titled(e, "The host answers")->state, RBS_PASSED);
    assert_false(file_there("act-ran"));
    /* the act is shown asking, not running, and no time counts for it */
    assert_int_equal(row_titled(e, "Make the change")->state, RBS_ASKING);
    assert_string_equal(rb_step_state_name(RBS_ASKING), "asking");
    assert_int_equal(row_titled(e, "Make the change")->started_ms, 0);
    rb_engine_answer(e, true, "y");
    assert_int_equal(run_until(e, 30000, RB_DONE, RB_DONE), RB_DONE);
    const rb_run *r = rb_engine_run(e);
    assert_true(r->succeeded);
    assert_true(file_there("act-ran"));
    const rb_row *act = row_titled(e, "Make the change");
    assert_int_equal(act->state, RBS_PASSED);
    assert_int_equal(act->output_len, 6);
    assert_memory_equal(act->output, "hello\n", 6);
    assert_int_equal(row_titled(e, "The change is there")->state, RBS_PASSED);

    /* intent, started, finished for the act, with its step and exact command */
    json_t *lines = log_lines();
    const char *phases[4] = {0};
    int n = 0;
    for (size_t i = 0; i < json_array_size(lines); i++) {
        json_t *o = json_array_get(lines, i);
        if (!strcmp(step_title(o), "Make the change") && n < 4)
            phases[n++] = str(o, "phase");
        if (!strcmp(step_title(o), "Make the change")) {
            assert_string_equal(str(o, "confirm"), "y");
            assert_string_equal(str(o, "command"),
                                "echo hello; touch \"$OPSDECK_TEST_DIR/act-ran\"");
        }
    }
    assert_int_equal(n, 3);
    assert_string_equal(phases[0], "intent");
    assert_string_equal(phases[1], "started");
    assert_string_equal(phases[2], "finished");
    char hello[AUDIT_HASH_HEX];
    audit_sha256_hex("hello\n", 6, hello);
    bool hashed = false;
    for (size_t i = 0; i < json_array_size(lines); i++) {
        json_t *o = json_array_get(lines, i);
        if (!strcmp(step_title(o), "Make the change") && !strcmp(str(o, "phase"), "finished")) {
            assert_string_equal(str(o, "output_sha256"), hello);
            assert_int_equal(json_integer_value(json_object_get(o, "exit_status")), 0);
            hashed = true;
        }
    }
    assert_true(hashed);
    json_decref(lines);
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(audit_verify(fx.log_path, devnull), 0);
    fclose(devnull);
    rb_engine_free(e);
}

static void refused_plan_changes_nothing(void **state)
{
    rb_engine *e = start("act", false);
    assert_int_equal(run_until(e, 20000, RB_CONFIRM_PLAN, RB_DONE), RB_CONFIRM_PLAN);
    rb_engine_answer(e, false, NULL);
    assert_int_equal(run_until(e, 5000, RB_DONE, RB_DONE), RB_DONE);
    assert_false(rb_engine_run(e)->succeeded);
    assert_non_null(strstr(rb_engine_run(e)->verdict, "cancelled"));
    assert_false(file_there("act-ran"));
    rb_engine_free(e);
}

static void verify_running_out_offers_on_failure(void **state)
{
    rb_engine *e = start("verify", false);
    assert_int_equal(run_until(e, 20000, RB_CONFIRM_PLAN, RB_DONE), RB_CONFIRM_PLAN);
    rb_engine_answer(e, true, "y");
    assert_int_equal(run_until(e, 30000, RB_OFFER_ON_FAILURE, RB_DONE), RB_OFFER_ON_FAILURE);
    assert_string_equal(rb_engine_run(e)->offer, "fallback");
    const rb_row *v = row_titled(e, "Never true");
    assert_int_equal(v->state, RBS_FAILED);
    assert_non_null(strstr(v->finding, "gave up after 2 s"));
    rb_engine_answer(e, true, "y");
    assert_int_equal(run_until(e, 30000, RB_DONE, RB_DONE), RB_DONE);
    const rb_run *r = rb_engine_run(e);
    assert_false(r->succeeded); /* the remedy failed, even though the fallback ran */
    assert_non_null(strstr(r->verdict, "on_failure fallback"));
    assert_true(file_there("fallback-ran"));
    assert_false(file_there("after-verify"));
    assert_int_equal(row_titled(e, "Not reached after the failed verify")->state, RBS_SKIPPED);
    rb_engine_free(e);
}

static void choice_runs_the_nested_runbook(void **state)
{
    rb_engine *e = start("choose", false);
    assert_int_equal(run_until(e, 20000, RB_CHOOSING, RB_DONE), RB_CHOOSING);
    assert_int_equal(row_titled(e, "Look first")->state, RBS_PASSED);
    assert_int_equal(rb_engine_run(e)->choosing->noptions, 2);
    rb_engine_choose(e, 1); /* the nested runbook */
    assert_int_equal(run_until(e, 20000, RB_CONFIRM_PLAN, RB_DONE), RB_CONFIRM_PLAN);
    assert_int_equal(row_titled(e, "Nested check")->state, RBS_PASSED);
    rb_engine_answer(e, true, "y");
    assert_int_equal(run_until(e, 30000, RB_DONE, RB_DONE), RB_DONE);
    const rb_run *r = rb_engine_run(e);
    assert_true(r->succeeded);
    assert_true(file_there("nested-ran"));
    assert_false(file_there("quick-ran"));
    assert_int_equal(row_titled(e, "Nested act")->state, RBS_PASSED);
    assert_int_equal(row_titled(e, "Nested act")->depth, 1);
    assert_int_equal(row_titled(e, "wait 1 s")->state, RBS_PASSED);
    /* the nested runbook's lines name it */
    json_t *lines = log_lines();
    bool nested = false;
    for (size_t i = 0; i < json_array_size(lines); i++)
        nested |= !strcmp(str(json_array_get(lines, i), "runbook"), "nested") &&
                  !strcmp(step_title(json_array_get(lines, i)), "Nested act");
    assert_true(nested);
    json_decref(lines);
    rb_engine_free(e);
}

static void read_only_runs_checks_and_refuses_acts(void **state)
{
    rb_engine *e = start("act", true);
    assert_int_equal(run_until(e, 30000, RB_DONE, RB_DONE), RB_DONE);
    const rb_run *r = rb_engine_run(e);
    assert_false(r->succeeded);
    assert_non_null(strstr(r->verdict, "read-only"));
    assert_int_equal(row_titled(e, "The host answers")->state, RBS_PASSED);
    assert_int_equal(row_titled(e, "Make the change")->state, RBS_REFUSED);
    assert_false(file_there("act-ran"));
    assert_false(file_there("locks")); /* no lock either: read-only writes nothing there */
    json_t *lines = log_lines();
    bool denied = false;
    for (size_t i = 0; i < json_array_size(lines); i++) {
        json_t *o = json_array_get(lines, i);
        assert_string_not_equal(str(o, "phase"), "intent");
        denied |= !strcmp(str(o, "phase"), "denied") && !strcmp(step_title(o), "Make the change");
    }
    assert_true(denied);
    json_decref(lines);
    rb_engine_free(e);
}

static void second_run_is_refused_by_the_lock(void **state)
{
    rb_engine *first = start("act", false);
    assert_int_equal(run_until(first, 20000, RB_CONFIRM_PLAN, RB_DONE), RB_CONFIRM_PLAN);
    rb_engine *second = start("act", false);
    assert_int_equal(run_until(second, 20000, RB_DONE, RB_DONE), RB_DONE);
    const rb_run *r = rb_engine_run(second);
    assert_false(r->succeeded);
    assert_non_null(strstr(r->verdict, "refused"));
    assert_non_null(strstr(r->verdict, "held by"));
    assert_non_null(strstr(r->verdict, "since"));
    assert_string_equal(r->holder.run_id, rb_engine_run(first)->run_id);
    assert_false(r->holder_dead); /* its holder is this very process */
    rb_engine_free(second);
    rb_engine_answer(first, false, NULL);
    assert_int_equal(run_until(first, 5000, RB_DONE, RB_DONE), RB_DONE);
    rb_engine_free(first);
}

/* A lock left by a run that is provably dead (past its deadline, no act
 * alive) refuses the next start and says so; broken with the typed name,
 * audited (intent, then finished "broken"), the runbook starts again. */
static void dead_lock_is_broken_typed_and_audited(void **state)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/locks", fx.dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/locks/act", fx.dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/locks/act/info", fx.dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    long now = (long)time(NULL);
    fprintf(f,
            "user=someone\nmachine=elsewhere\npid=4242\nstarted=%ld\ndeadline=%ld\n"
            "run_id=dead-run\nstep=0 Make the change\n",
            now - 1000, now - 10);
    fclose(f);

    rb_engine *e = start("act", false);
    assert_int_equal(run_until(e, 20000, RB_DONE, RB_DONE), RB_DONE);
    const rb_run *r = rb_engine_run(e);
    assert_non_null(strstr(r->verdict, "held by"));
    assert_string_equal(r->holder.run_id, "dead-run");
    assert_true(r->holder_dead);
    assert_true(file_there("locks/act"));

    rb_engine_break_lock(e, "typed:staging");
    int64_t end = loop_update_time(fx.loop) + 20000;
    while (!strstr(r->verdict, "broken") && loop_update_time(fx.loop) < end)
        loop_run_once(fx.loop, 50);
    assert_non_null(strstr(r->verdict, "broken; start the runbook again"));
    assert_false(file_there("locks/act"));
    json_t *lines = log_lines();
    const char *phases[2] = {NULL, NULL};
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(lines); i++) {
        json_t *o = json_array_get(lines, i);
        if (strcmp(str(o, "action"), "break-lock") != 0)
            continue;
        assert_string_equal(str(o, "confirm"), "typed:staging");
        assert_string_equal(str(o, "run_id"), "dead-run");
        if (n < 2)
            phases[n] = str(o, "phase");
        n++;
    }
    assert_int_equal(n, 2);
    assert_string_equal(phases[0], "intent");
    assert_string_equal(phases[1], "finished");
    json_decref(lines);
    rb_engine_free(e);

    rb_engine *again = start("act", false);
    assert_int_equal(run_until(again, 20000, RB_CONFIRM_PLAN, RB_DONE), RB_CONFIRM_PLAN);
    rb_engine_answer(again, false, NULL);
    assert_int_equal(run_until(again, 5000, RB_DONE, RB_DONE), RB_DONE);
    rb_engine_free(again);
}

/* The docker client of this machine, with no daemon where it looks. */
static void no_daemon(void)
{
    char host[160];
    snprintf(host, sizeof(host), "unix://%s/no-daemon.sock", fx.dir);
    setenv("DOCKER_HOST", host, 1);
}

static void logs_check_fails_in_dockers_words(void **state)
{
    no_daemon();
    rb_engine *e = start("logs", false);
    assert_int_equal(run_until(e, 30000, RB_DONE, RB_DONE), RB_DONE);
    const rb_run *r = rb_engine_run(e);
    assert_false(r->succeeded);
    const rb_row *logs = row_titled(e, "Recent lines of the API");
    assert_string_equal(logs->command, "'docker' logs --tail 20 --timestamps 'grupo_gad_api'");
    assert_int_equal(logs->state, RBS_FAILED);
    assert_non_null(
        strstr(logs->finding, "exit 1: Cannot connect to the Docker daemon at unix://"));
    /* its lines as the log view keeps them: docker's words, on stderr */
    assert_non_null(logs->log);
    const log_line *l = log_ring_line(logs->log, log_ring_end(logs->log) - 1);
    assert_non_null(l);
    assert_true(l->is_stderr);
    assert_non_null(strstr(l->text, "Is the docker daemon running?"));
    /* not required: the run went on; required: it stopped there */
    assert_int_equal(row_titled(e, "Goes on after a check that failed")->state, RBS_PASSED);
    const rb_row *req = row_titled(e, "Required logs");
    assert_int_equal(req->state, RBS_FAILED);
    assert_string_equal(req->command, "'docker' logs --tail 50 --timestamps 'stage-1_worker'");
    assert_non_null(strstr(r->verdict, "required check 2 'Required logs' failed: exit 1: Cannot"));
    assert_int_equal(row_titled(e, "Never reached")->state, RBS_SKIPPED);
    assert_false(file_there("logs-after-required"));
    /* audited as every check is: one finished line, its command and exit,
     * the hash of the lines read as shown */
    char shown[4096] = "", hash[AUDIT_HASH_HEX];
    for (uint64_t n = log_ring_first(logs->log); n < log_ring_end(logs->log); n++) {
        strncat(shown, log_ring_line(logs->log, n)->text, sizeof(shown) - strlen(shown) - 2);
        strcat(shown, "\n");
    }
    audit_sha256_hex(shown, strlen(shown), hash);
    json_t *lines = log_lines();
    int finished = 0;
    for (size_t i = 0; i < json_array_size(lines); i++) {
        json_t *o = json_array_get(lines, i);
        if (strcmp(step_title(o), "Recent lines of the API"))
            continue;
        finished++;
        assert_string_equal(str(o, "phase"), "finished");
        assert_string_equal(str(o, "command"),
                            "'docker' logs --tail 20 --timestamps 'grupo_gad_api'");
        assert_int_equal(json_integer_value(json_object_get(o, "exit_status")), 1);
        assert_non_null(strstr(str(o, "verify"), "Cannot connect to the Docker daemon"));
        assert_string_equal(str(o, "output_sha256"), hash);
    }
    assert_int_equal(finished, 1);
    json_decref(lines);
    rb_engine_free(e);
}

/* Read-only runs it too: a logs check changes nothing. */
static void logs_check_runs_read_only(void **state)
{
    no_daemon();
    rb_engine *e = start("logs", true);
    assert_int_equal(run_until(e, 30000, RB_DONE, RB_DONE), RB_DONE);
    const rb_row *logs = row_titled(e, "Recent lines of the API");
    assert_int_equal(logs->state, RBS_FAILED);
    assert_non_null(strstr(logs->finding, "Cannot connect to the Docker daemon"));
    rb_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(required_check_failing_stops_the_run, setup, teardown),
        cmocka_unit_test_setup_teardown(checks_run_then_the_plan_is_confirmed_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(refused_plan_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(verify_running_out_offers_on_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(choice_runs_the_nested_runbook, setup, teardown),
        cmocka_unit_test_setup_teardown(read_only_runs_checks_and_refuses_acts, setup, teardown),
        cmocka_unit_test_setup_teardown(second_run_is_refused_by_the_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(dead_lock_is_broken_typed_and_audited, setup, teardown),
        cmocka_unit_test_setup_teardown(logs_check_fails_in_dockers_words, setup, teardown),
        cmocka_unit_test_setup_teardown(logs_check_runs_read_only, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
