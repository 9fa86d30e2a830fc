/* The containers source against the sandbox fleet: for each host, over ssh
 * (and once through the local transport), the source's list must be what
 * `docker ps -a` run directly against the same engine says: names, states,
 * images, compose services, restart counts, the api's health, and after a
 * second refresh one interval later, CPU and memory of the running ones.
 * And the two usual failures must read as docker says them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opsdeck/loop.h"
#include "opsdeck/model.h"
#include "opsdeck/sources/source.h"
#include "opsdeck/transport/transport.h"
#include "support/sandbox_env.h"

#define WAIT_MS 40000

/* ---- running the source through the loop ---- */

typedef struct run {
    bool done;
    int attempts;
} run;

static void on_attempt_done(const source_ctx *ctx, source_kind kind)
{
    run *r = ctx->app;
    assert_int_equal(kind, SRC_CONTAINERS);
    r->attempts++;
    r->done = true;
}

static void on_state(transport_t *t, void *arg)
{
    (void)t;
    (void)arg;
}

/* which: "staging", "production" or "local"; docker: the docker = value */
static void fill_host(host_config *hc, const char *which, const char *docker)
{
    sandbox_host(hc, which);
    hc->docker = (char *)docker;
}

static void wait_done(loop_t *loop, run *r)
{
    int64_t end = loop_update_time(loop) + WAIT_MS;
    while (!r->done && loop_update_time(loop) < end)
        loop_run_once(loop, 100);
}

/* Runs the containers source for hc into *m: a refresh, and when that
 * worked, another one interval later (CPU is measured between the two). */
static void refresh(host_config *hc, fleet_model *m, opsdeck_config *cfg)
{
    const host_config *hosts[] = {hc};
    memset(cfg, 0, sizeof(*cfg));
    cfg->interval_s = 1;
    assert_int_equal(model_init(m, cfg, hosts, 1), 0);

    char rundir[] = "/tmp/opsdeck-test-containers-XXXXXX";
    assert_non_null(mkdtemp(rundir));
    loop_t *loop = loop_new();
    transport_options topts = {.interactive = false,
                               .connect_timeout_ms = 10000,
                               .keepalive_s = 15,
                               .runtime_dir = rundir};
    transport_events ev = {.state_changed = on_state};
    transport_t *t = transport_new(loop, hc, &topts, &ev, NULL);
    assert_non_null(t);
    transport_start(t);

    run r = {0};
    source_ctx ctx = {.loop = loop,
                      .model = m,
                      .host = &m->hosts[0],
                      .transport = t,
                      .config = cfg,
                      .interval_s = 1,
                      .attempt_done = on_attempt_done,
                      .app = &r};
    const source_ops *ops = source_registry[SRC_CONTAINERS];
    assert_non_null(ops);
    assert_true(ops->enabled(hc));
    void *st = ops->start(&ctx);
    assert_non_null(st);
    ops->tick(st);
    wait_done(loop, &r);
    int want = 1;
    if (r.done && m->hosts[0].status[SRC_CONTAINERS].ok) {
        int64_t next = loop_update_time(loop) + 1000;
        while (loop_update_time(loop) < next)
            loop_run_once(loop, 100);
        r.done = false;
        ops->tick(st);
        wait_done(loop, &r);
        want = 2;
    }
    ops->stop(st);
    transport_free(t);
    loop_free(loop);
    rmdir(rundir);
    assert_true(r.done);
    assert_int_equal(r.attempts, want);
}

/* ---- what docker says directly ---- */

typedef struct direct_row {
    char name[128], state[32], image[256], service[128];
    int restarts;
} direct_row;

static size_t docker_direct(const char *docker, direct_row *rows, size_t max)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "%s inspect -f '{{.Name}}|{{.State.Status}}|{{.Config.Image}}|"
             "{{index .Config.Labels \"com.docker.compose.service\"}}|{{.RestartCount}}' "
             "$(%s ps -aq)",
             docker, docker);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[1024];
    size_t n = 0;
    while (n < max && fgets(line, sizeof(line), p)) {
        direct_row *r = &rows[n];
        line[strcspn(line, "\n")] = '\0';
        char *f[5];
        char *s = line;
        for (int i = 0; i < 5; i++)
            f[i] = strsep(&s, "|");
        assert_non_null(f[4]);
        snprintf(r->name, sizeof(r->name), "%s", f[0][0] == '/' ? f[0] + 1 : f[0]);
        snprintf(r->state, sizeof(r->state), "%s", f[1]);
        snprintf(r->image, sizeof(r->image), "%s", f[2]);
        snprintf(r->service, sizeof(r->service), "%s", f[3]);
        r->restarts = atoi(f[4]);
        n++;
    }
    assert_int_equal(pclose(p), 0);
    return n;
}

static char *docker_output(const char *docker, const char *args)
{
    static char out[256];
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "%s %s", docker, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = '\0';
    out[strcspn(out, "\n")] = '\0';
    pclose(p);
    return out;
}

static const container_info *find(const containers_sample *s, const char *name)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->items[i].name, name) == 0)
            return &s->items[i];
    fail_msg("the source did not list %s", name);
    return NULL;
}

static void compare_with_docker(const char *which)
{
    char key[64];
    snprintf(key, sizeof(key), "SBX_%s_DOCKER",
             strcmp(which, "production") == 0 ? "PRODUCTION" : "STAGING");
    const char *docker = sbx(key);
    host_config hc;
    fill_host(&hc, which, docker);
    fleet_model m;
    opsdeck_config cfg;
    refresh(&hc, &m, &cfg);

    host_model *h = &m.hosts[0];
    const source_status *s = &h->status[SRC_CONTAINERS];
    if (!s->ok)
        fail_msg("%s: source failed: %s", which, s->error);
    assert_true(s->has_sample);

    direct_row rows[64];
    size_t n = docker_direct(docker, rows, 64);
    assert_true(n >= 5); /* db, redis, api, caddy, bot */
    assert_int_equal(h->containers.count, n);
    for (size_t i = 0; i < n; i++) {
        const container_info *c = find(&h->containers, rows[i].name);
        assert_string_equal(c->state, rows[i].state);
        assert_string_equal(c->image, rows[i].image);
        assert_string_equal(c->compose_service, rows[i].service);
        assert_int_equal(c->restarts, rows[i].restarts);
        assert_int_equal(strlen(c->id), 64);
        assert_true(c->status[0] != '\0');
        if (strcmp(c->state, "running") == 0) {
            /* docker stats measured it */
            assert_true(c->cpu_percent >= 0);
            assert_true(c->mem_bytes > 0);
            assert_int_equal(strncmp(c->status, "Up ", 3), 0);
        }
    }
    const container_info *api = find(&h->containers, "grupo_gad_api");
    assert_string_equal(
        api->health, docker_output(docker, "inspect -f '{{.State.Health.Status}}' grupo_gad_api"));
    assert_string_equal(api->health, "healthy");
    assert_non_null(strstr(api->status, "(healthy)"));
    assert_string_equal(find(&h->containers, "grupo_gad_db")->health, "");
    model_free(&m);
}

static void staging_over_ssh(void **state)
{
    (void)state;
    compare_with_docker("staging");
}

static void production_over_ssh(void **state)
{
    (void)state;
    compare_with_docker("production");
}

static void staging_engine_from_this_machine(void **state)
{
    (void)state;
    compare_with_docker("local");
}

/* ---- the usual failures ---- */

static void expect_error(const char *docker, const char *want1, const char *want2)
{
    host_config hc;
    fill_host(&hc, "staging", docker);
    fleet_model m;
    opsdeck_config cfg;
    refresh(&hc, &m, &cfg);
    const source_status *s = &m.hosts[0].status[SRC_CONTAINERS];
    assert_false(s->ok);
    if (!strstr(s->error, want1) || !strstr(s->error, want2))
        fail_msg("error \"%s\" lacks \"%s\" or \"%s\"", s->error, want1, want2);
    assert_int_equal(m.hosts[0].containers.count, 0);
    model_free(&m);
}

static void daemon_not_running(void **state)
{
    (void)state;
    /* the same docker binary, pointed at a socket where no daemon listens */
    char docker[512];
    const char *d = sbx("SBX_STAGING_DOCKER");
    snprintf(docker, sizeof(docker), "%.*s -H unix:///nonexistent/docker.sock",
             (int)strcspn(d, " "), d);
    char want[160];
    /* docker system dial-stdio's own words */
    snprintf(want, sizeof(want),
             "%s: containers: failed to open the raw stream connection: dial unix "
             "/nonexistent/docker.sock",
             sbx("SBX_STAGING_NAME"));
    /* first the host's sshd could not connect the socket for the
     * streamlocal channel, so the source asked dial-stdio, and says both */
    expect_error(docker, want,
                 "(exit 1) (through dial-stdio; /nonexistent/docker.sock not reached by the sshd "
                 "of");
}

static void docker_not_installed(void **state)
{
    (void)state;
    expect_error("no-such-docker-command", "containers: docker command not found on the host",
                 "(exit 127)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(staging_over_ssh),
        cmocka_unit_test(production_over_ssh),
        cmocka_unit_test(staging_engine_from_this_machine),
        cmocka_unit_test(daemon_not_running),
        cmocka_unit_test(docker_not_installed),
    };
    return cmocka_run_group_tests(tests, sandbox_load, NULL);
}
