/* The action path's order, with an action kind made here (its run and
 * verify report what the test tells them) on a real audit log: nothing runs
 * before the confirmation and before the intent line is on disk; a refusal,
 * read-only mode and a missing log each stop it with their own line; the
 * result line is honest about the exit status and the verification; an
 * action cut off by quitting is audited as such. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opsdeck/actions/action.h"
#include "opsdeck/actions/restart.h"
#include "opsdeck/shell_quote.h"
#include "support/small_disk.h"

typedef struct behaviour {
    bool complete; /* run reports at once; else it stays in flight */
    int exit_status;
    bool has_verify;
    bool verified;
} behaviour;

static struct {
    char dir[64], log_path[128];
    host_config hc;
    env_config env;
    opsdeck_config cfg;
    loop_t *loop;
    app_host host;
    app_t app;
    audit_log audit;
    behaviour how;
    int runs, verifies, cancels;
    bool intent_on_disk_at_run;
} fx;

static char *last_line(void)
{
    static char line[4096];
    FILE *f = fopen(fx.log_path, "r");
    line[0] = '\0';
    if (!f)
        return line;
    char buf[4096];
    while (fgets(buf, sizeof(buf), f))
        memcpy(line, buf, sizeof(line));
    fclose(f);
    return line;
}

static int count_lines(void)
{
    FILE *f = fopen(fx.log_path, "r");
    int n = 0, c;
    while (f && (c = fgetc(f)) != EOF)
        n += c == '\n';
    if (f)
        fclose(f);
    return n;
}

static const char *field_of_last(const char *key)
{
    static char value[512];
    json_t *o = json_loads(last_line(), 0, NULL);
    json_t *v = o ? json_object_get(o, key) : NULL;
    if (json_is_string(v))
        snprintf(value, sizeof(value), "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(value, sizeof(value), "%lld", (long long)json_integer_value(v));
    else
        snprintf(value, sizeof(value), "%s", json_is_null(v) ? "null" : v ? "?" : "(none)");
    json_decref(o);
    return value;
}

static void test_run(action_run *run)
{
    fx.runs++;
    fx.intent_on_disk_at_run = strstr(last_line(), "\"phase\":\"intent\"") != NULL;
    if (!fx.how.complete)
        return;
    action_output(run, "hello", 5);
    action_ran(run, true, fx.how.exit_status, NULL);
}

static void test_verify(action_run *run)
{
    fx.verifies++;
    action_verified(run, fx.how.verified, fx.how.verified ? "seen done" : "still there");
}

static void test_cancel(action_run *run)
{
    fx.cancels++;
}

static const action_ops ops_with_verify = {test_run, test_verify, test_cancel, NULL};
static const action_ops ops_without_verify = {test_run, NULL, test_cancel, NULL};

static action_plan *plan(void)
{
    action_plan *p = calloc(1, sizeof(*p));
    snprintf(p->action, sizeof(p->action), "restart");
    snprintf(p->target, sizeof(p->target), "grupo_gad_api");
    snprintf(p->command, sizeof(p->command), "docker restart 'grupo_gad_api'");
    p->timeout_ms = 1000;
    p->ops = fx.how.has_verify ? &ops_with_verify : &ops_without_verify;
    return p;
}

static int setup(void **state)
{
    memset(&fx, 0, sizeof(fx));
    snprintf(fx.dir, sizeof(fx.dir), "/tmp/opsdeck-engine.XXXXXX");
    if (!mkdtemp(fx.dir))
        return -1;
    snprintf(fx.log_path, sizeof(fx.log_path), "%s/audit.log", fx.dir);
    fx.hc.name = "prod-api";
    fx.hc.env = "production";
    fx.env =
        (env_config){.name = "production", .confirm = CONFIRM_TYPED, .line = 1, .production = true};
    fx.cfg.envs = &fx.env;
    fx.cfg.nenvs = 1;
    fx.cfg.hosts = &fx.hc;
    fx.cfg.nhosts = 1;
    fx.loop = loop_new();
    fx.app.loop = fx.loop;
    fx.app.config = &fx.cfg;
    const host_config *sel[] = {&fx.hc};
    if (model_init(&fx.app.model, &fx.cfg, sel, 1) < 0)
        return -1;
    transport_options topts = {.connect_timeout_ms = 1000};
    fx.host.model = &fx.app.model.hosts[0];
    fx.host.transport = transport_new(fx.loop, &fx.hc, &topts, NULL, NULL); /* this machine */
    fx.app.hosts = &fx.host;
    fx.app.nhosts = 1;
    char err[256];
    if (audit_open(&fx.audit, fx.log_path, err, sizeof(err)) < 0)
        return -1;
    fx.how = (behaviour){.complete = true, .has_verify = true, .verified = true};
    return 0;
}

static int teardown(void **state)
{
    audit_close(&fx.audit);
    transport_free(fx.host.transport);
    model_free(&fx.app.model);
    loop_free(fx.loop);
    unlink(fx.log_path);
    rmdir(fx.dir);
    return 0;
}

static void accepted_runs_after_intent_on_disk(void **state)
{
    action_engine *e = action_engine_new(&fx.app, &fx.audit, false, NULL, NULL);
    char msg[256] = "";
    assert_true(action_engine_begin(e, plan(), msg, sizeof(msg)));
    assert_int_equal(action_engine_view(e).phase, ACTION_CONFIRMING);
    assert_int_equal(count_lines(), 0); /* asking writes nothing, runs nothing */
    assert_int_equal(fx.runs, 0);
    action_engine_answer(e, true, "typed:production");
    assert_int_equal(fx.runs, 1);
    assert_true(fx.intent_on_disk_at_run);
    action_view v = action_engine_view(e);
    assert_int_equal(v.phase, ACTION_DONE);
    assert_true(v.succeeded);
    assert_non_null(strstr(v.result, "done and verified: seen done"));
    assert_int_equal(count_lines(), 2);
    assert_string_equal(field_of_last("phase"), "finished");
    assert_string_equal(field_of_last("exit_status"), "0");
    assert_string_equal(field_of_last("verify"), "seen done");
    assert_string_equal(field_of_last("confirm"), "typed:production");
    assert_string_equal(field_of_last("command"), "docker restart 'grupo_gad_api'");
    char hello[AUDIT_HASH_HEX];
    audit_sha256_hex("hello", 5, hello);
    assert_string_equal(field_of_last("output_sha256"), hello);
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(audit_verify(fx.log_path, devnull), 0);
    fclose(devnull);
    action_engine_dismiss(e);
    assert_int_equal(action_engine_view(e).phase, ACTION_NONE);
    action_engine_free(e);
}

static void refused_writes_cancelled_and_never_runs(void **state)
{
    action_engine *e = action_engine_new(&fx.app, &fx.audit, false, NULL, NULL);
    char msg[256];
    assert_true(action_engine_begin(e, plan(), msg, sizeof(msg)));
    action_engine_answer(e, false, NULL);
    assert_int_equal(fx.runs, 0);
    assert_int_equal(count_lines(), 1);
    assert_string_equal(field_of_last("phase"), "cancelled");
    assert_string_equal(field_of_last("confirm"), "none");
    assert_false(action_engine_view(e).succeeded);
    assert_non_null(strstr(action_engine_view(e).result, "nothing was changed"));
    action_engine_free(e);
}

static void read_only_denies(void **state)
{
    action_engine *e = action_engine_new(&fx.app, &fx.audit, true, NULL, NULL);
    char msg[256];
    assert_false(action_engine_begin(e, plan(), msg, sizeof(msg)));
    assert_non_null(strstr(msg, "read-only"));
    assert_int_equal(fx.runs, 0);
    assert_int_equal(count_lines(), 1);
    assert_string_equal(field_of_last("phase"), "denied");
    assert_string_equal(field_of_last("action"), "restart");
    assert_int_equal(action_engine_view(e).phase, ACTION_NONE);
    action_engine_free(e);
}

static void no_audit_log_no_action(void **state)
{
    audit_log closed = {.path = NULL, .fd = -1};
    action_engine *e = action_engine_new(&fx.app, &closed, false, NULL, NULL);
    char msg[256];
    assert_false(action_engine_begin(e, plan(), msg, sizeof(msg)));
    assert_non_null(strstr(msg, "audit log"));
    assert_int_equal(fx.runs, 0);
    action_engine_free(e);
}

/* The audit log on a full disk (a real tmpfs): refused before the dialog
 * with the reason; and a disk that fills while the dialog is open stops the
 * action at its intent line, before anything is sent. */
static void full_disk_refuses_before_anything_is_sent(void **state)
{
    char mnt[128], logp[160], err[256], msg[512];
    snprintf(mnt, sizeof(mnt), "%s/small", fx.dir);
    if (small_disk_mount(mnt, 128) < 0)
        fail_msg("cannot mount a tmpfs on %s (tests run as root)", mnt);
    snprintf(logp, sizeof(logp), "%s/audit.log", mnt);
    audit_log log;
    assert_int_equal(audit_open(&log, logp, err, sizeof(err)), 0);
    action_engine *e = action_engine_new(&fx.app, &log, false, NULL, NULL);

    assert_int_equal(small_disk_fill(mnt), 0);
    assert_false(action_engine_begin(e, plan(), msg, sizeof(msg)));
    assert_non_null(strstr(msg, "restart refused: audit log"));
    assert_non_null(strstr(msg, "disk full"));
    assert_int_equal(action_engine_view(e).phase, ACTION_NONE);

    small_disk_unfill(mnt);
    assert_true(action_engine_begin(e, plan(), msg, sizeof(msg)));
    assert_int_equal(small_disk_fill(mnt), 0); /* fills while the dialog is open */
    action_engine_answer(e, true, "typed:production");
    assert_int_equal(fx.runs, 0);
    assert_non_null(strstr(action_engine_view(e).result, "restart not run: audit log"));
    assert_non_null(strstr(action_engine_view(e).result, "No space left on device"));
    action_engine_free(e);
    audit_close(&log);
    small_disk_unfill(mnt);
    unlink(logp);
    small_disk_umount(mnt);
}

/* intent, started and finished of one action share its run_id. */
static void an_actions_lines_share_a_run_id(void **state)
{
    fx.how.complete = false;
    action_engine *e = action_engine_new(&fx.app, &fx.audit, false, NULL, NULL);
    char msg[256], id[64];
    assert_true(action_engine_begin(e, plan(), msg, sizeof(msg)));
    action_engine_answer(e, true, "y");
    assert_string_equal(field_of_last("phase"), "started");
    snprintf(id, sizeof(id), "%s", field_of_last("run_id"));
    char mine[32];
    snprintf(mine, sizeof(mine), "%ld-", (long)getpid());
    assert_true(strncmp(id, mine, strlen(mine)) == 0);
    action_engine_free(e); /* cut off: a finished line */
    assert_string_equal(field_of_last("phase"), "finished");
    assert_string_equal(field_of_last("run_id"), id);
}

static void failed_exit_is_reported_not_verified(void **state)
{
    fx.how.exit_status = 3;
    action_engine *e = action_engine_new(&fx.app, &fx.audit, false, NULL, NULL);
    char msg[256];
    assert_true(action_engine_begin(e, plan(), msg, sizeof(msg)));
    action_engine_answer(e, true, "y");
    assert_int_equal(fx.verifies, 0); /* a failed command is not verified */
    assert_false(action_engine_view(e).succeeded);
    assert_non_null(strstr(action_engine_view(e).result, "FAILED: exit status 3"));
    assert_string_equal(field_of_last("exit_status"), "3");
    action_engine_free(e);
}

static void unverified_change_is_said_so(void **state)
{
    fx.how.verified = false;
    action_engine *e = action_engine_new(&fx.app, &fx.audit, false, NULL, NULL);
    char msg[256];
    assert_true(action_engine_begin(e, plan(), msg, sizeof(msg)));
    action_engine_answer(e, true, "y");
    assert_int_equal(fx.verifies, 1);
    assert_false(action_engine_view(e).succeeded);
    assert_non_null(strstr(action_engine_view(e).result, "NOT verified: still there"));
    assert_string_equal(field_of_last("verify"), "still there");
    action_engine_free(e);
}

static void one_action_at_a_time(void **state)
{
    action_engine *e = action_engine_new(&fx.app, &fx.audit, false, NULL, NULL);
    char msg[256];
    assert_true(action_engine_begin(e, plan(), msg, sizeof(msg)));
    assert_false(action_engine_begin(e, plan(), msg, sizeof(msg)));
    assert_non_null(strstr(msg, "another action is open"));
    action_engine_free(e); /* still confirming: nothing ran, nothing to cut off */
    assert_int_equal(fx.runs, 0);
    assert_int_equal(count_lines(), 0);
}

static void quitting_cuts_off_and_audits(void **state)
{
    fx.how.complete = false; /* it stays in flight */
    action_engine *e = action_engine_new(&fx.app, &fx.audit, false, NULL, NULL);
    char msg[256];
    assert_true(action_engine_begin(e, plan(), msg, sizeof(msg)));
    action_engine_answer(e, true, "y");
    assert_true(action_engine_busy(e));
    assert_int_equal(count_lines(), 2); /* intent, and started once it was handed over */
    assert_string_equal(field_of_last("phase"), "started");
    action_engine_free(e);
    assert_int_equal(fx.cancels, 1);
    assert_int_equal(count_lines(), 3);
    assert_string_equal(field_of_last("phase"), "finished");
    assert_string_equal(field_of_last("exit_status"), "null"); /* it never ended */
}

static container_info container(const char *name, const char *service)
{
    container_info c = {.restarts = 0, .cpu_percent = -1, .mem_bytes = -1};
    snprintf(c.name, sizeof(c.name), "%s", name);
    snprintf(c.image, sizeof(c.image), "grupogad/api:latest");
    snprintf(c.state, sizeof(c.state), "running");
    snprintf(c.status, sizeof(c.status), "Up 3 hours (healthy)");
    snprintf(c.compose_service, sizeof(c.compose_service), "%s", service);
    return c;
}

static void restart_plans(void **state)
{
    container_info *items = calloc(2, sizeof(*items));
    items[0] = container("grupo_gad_api", "api");
    items[1] = container("it's odd", "");
    model_set_containers(&fx.app.model, &fx.app.model.hosts[0], items, 2);
    fx.hc.docker = "sudo docker";
    char err[256];
    /* no compose file: docker restart, the name quoted for the shell, and
     * docker = quoted word by word as the containers source does */
    action_plan *p = restart_plan(&fx.app, 0, "grupo_gad_api", err, sizeof(err));
    assert_non_null(p);
    assert_string_equal(p->command, "'sudo' 'docker' restart 'grupo_gad_api'");
    assert_string_equal(p->target, "grupo_gad_api");
    assert_non_null(strstr(p->touches, "Up 3 hours (healthy)"));
    p->ops->free_data(p->data);
    free(p);
    /* a service of the host's compose project: docker compose restart */
    fx.hc.compose = "/opt/grupogad/docker-compose.prod.yml";
    p = restart_plan(&fx.app, 0, "grupo_gad_api", err, sizeof(err));
    assert_string_equal(
        p->command,
        "'sudo' 'docker' compose -f '/opt/grupogad/docker-compose.prod.yml' restart 'api'");
    p->ops->free_data(p->data);
    free(p);
    /* not a compose service: docker restart, however odd its name */
    p = restart_plan(&fx.app, 0, "it's odd", err, sizeof(err));
    assert_string_equal(p->command, "'sudo' 'docker' restart 'it'\\''s odd'");
    p->ops->free_data(p->data);
    free(p);
    /* only a container the latest list shows */
    assert_null(restart_plan(&fx.app, 0, "grupo_gad_gone", err, sizeof(err)));
    assert_non_null(strstr(err, "no container named grupo_gad_gone"));
    fx.hc.compose = NULL;
    fx.hc.docker = NULL;
}

static void shell_quoting(void **state)
{
    char buf[64];
    assert_string_equal(shell_quote("grupo_gad_api", buf, sizeof(buf)), "'grupo_gad_api'");
    assert_string_equal(shell_quote("a'b; rm -rf /", buf, sizeof(buf)), "'a'\\''b; rm -rf /'");
    assert_null(shell_quote("much too long for the buffer given here, really", buf, 16));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(accepted_runs_after_intent_on_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(refused_writes_cancelled_and_never_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(read_only_denies, setup, teardown),
        cmocka_unit_test_setup_teardown(no_audit_log_no_action, setup, teardown),
        cmocka_unit_test_setup_teardown(full_disk_refuses_before_anything_is_sent, setup, teardown),
        cmocka_unit_test_setup_teardown(an_actions_lines_share_a_run_id, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_exit_is_reported_not_verified, setup, teardown),
        cmocka_unit_test_setup_teardown(unverified_change_is_said_so, setup, teardown),
        cmocka_unit_test_setup_teardown(one_action_at_a_time, setup, teardown),
        cmocka_unit_test_setup_teardown(quitting_cuts_off_and_audits, setup, teardown),
        cmocka_unit_test_setup_teardown(restart_plans, setup, teardown),
        cmocka_unit_test(shell_quoting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
