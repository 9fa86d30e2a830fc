/* The snapshot's JSON (schema v1) and its exit status, from a model built
 * by hand: what a script reading `opsdeck --once --json` relies on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/signals/levels.h"
#include "opsdeck/snapshot.h"

static host_config host_cfg(const char *name, const char *env)
{
    host_config h = {0};
    h.name = (char *)name;
    h.env = (char *)env;
    h.limits = (thresholds){0.2, 0.5, 0.01, 0.05, 70, 90, 80, 90};
    return h;
}

struct fixture {
    opsdeck_config cfg;
    host_config hosts[2];
    fleet_model model;
};

static void build(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    f->hosts[0] = host_cfg("staging-api", "staging");
    f->hosts[1] = host_cfg("prod-api", "production");
    f->cfg.hosts = f->hosts;
    f->cfg.nhosts = 2;
    const host_config *sel[] = {&f->hosts[0], &f->hosts[1]};
    assert_int_equal(model_init(&f->model, &f->cfg, sel, 2), 0);
    for (size_t i = 0; i < 2; i++) {
        f->model.hosts[i].state = HOST_UP;
        for (int k = 0; k < SRC_COUNT; k++)
            f->model.hosts[i].status[k].configured = k == SRC_CONTAINERS;
    }
}

static json_t *render(struct fixture *f, double now)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(snapshot_write_json(&f->model, 2, now, out), 0);
    fclose(out);
    json_error_t err;
    json_t *j = json_loads(buf, 0, &err);
    free(buf);
    assert_non_null(j);
    return j;
}

static void json_has_schema_fields(void **state)
{
    (void)state;
    struct fixture f;
    build(&f);
    host_model *h = &f.model.hosts[0];
    container_info *items = calloc(1, sizeof(*items));
    strcpy(items[0].name, "grupo_gad_api");
    strcpy(items[0].image, "bb:latest");
    strcpy(items[0].state, "running");
    strcpy(items[0].health, "healthy");
    strcpy(items[0].status, "Up 2 minutes (healthy)");
    items[0].restarts = 1;
    items[0].cpu_percent = 1.5;
    items[0].mem_bytes = 1048576;
    model_set_containers(&f.model, h, items, 1);
    model_source_ok(&f.model, h, SRC_CONTAINERS, 1000.0);
    model_source_failed(&f.model, &f.model.hosts[1], SRC_CONTAINERS, 1000.0, "docker: %s",
                        "permission denied");

    json_t *j = render(&f, 1003.0);
    assert_string_equal(json_string_value(json_object_get(j, "opsdeck")), OPSDECK_VERSION);
    assert_string_equal(json_string_value(json_object_get(j, "taken_at")), "1970-01-01T00:16:43Z");
    assert_int_equal(json_integer_value(json_object_get(j, "interval_s")), 2);
    json_t *hosts = json_object_get(j, "hosts");
    assert_int_equal(json_array_size(hosts), 2);

    json_t *h0 = json_array_get(hosts, 0);
    assert_string_equal(json_string_value(json_object_get(h0, "name")), "staging-api");
    assert_string_equal(json_string_value(json_object_get(h0, "env")), "staging");
    assert_string_equal(json_string_value(json_object_get(h0, "state")), "up");
    assert_true(json_is_null(json_object_get(h0, "error")));
    json_t *c = json_object_get(h0, "containers");
    assert_true(json_is_true(json_object_get(c, "ok")));
    assert_true(json_is_null(json_object_get(c, "error")));
    assert_true(json_real_value(json_object_get(c, "age_s")) == 3.0);
    json_t *it = json_array_get(json_object_get(c, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(it, "name")), "grupo_gad_api");
    assert_string_equal(json_string_value(json_object_get(it, "health")), "healthy");
    assert_int_equal(json_integer_value(json_object_get(it, "restarts")), 1);
    assert_int_equal(json_integer_value(json_object_get(it, "mem_bytes")), 1048576);
    assert_true(json_real_value(json_object_get(it, "cpu_percent")) == 1.5);
    /* a source not configured is absent */
    assert_null(json_object_get(h0, "postgres"));

    json_t *c1 = json_object_get(json_array_get(hosts, 1), "containers");
    assert_true(json_is_false(json_object_get(c1, "ok")));
    assert_string_equal(json_string_value(json_object_get(c1, "error")),
                        "docker: permission denied");
    assert_true(json_is_null(json_object_get(c1, "age_s"))); /* never had a sample */
    json_decref(j);
    model_free(&f.model);
}

static void invalid_utf8_from_a_host_still_gives_valid_json(void **state)
{
    (void)state;
    struct fixture f;
    build(&f);
    container_info *items = calloc(1, sizeof(*items));
    strcpy(items[0].name, "bad\xff\xfe"
                          "name\x1b[31m");
    model_set_containers(&f.model, &f.model.hosts[0], items, 1);
    model_source_ok(&f.model, &f.model.hosts[0], SRC_CONTAINERS, 10);
    json_t *j = render(&f, 10);
    json_t *it = json_array_get(
        json_object_get(
            json_object_get(json_array_get(json_object_get(j, "hosts"), 0), "containers"), "items"),
        0);
    const char *name = json_string_value(json_object_get(it, "name"));
    assert_non_null(name);
    assert_non_null(strstr(name, "\xef\xbf\xbd"));
    json_decref(j);
    model_free(&f.model);
}

static void status_follows_the_fleet(void **state)
{
    (void)state;
    struct fixture f;
    build(&f);
    for (int i = 0; i < 2; i++)
        model_source_ok(&f.model, &f.model.hosts[i], SRC_CONTAINERS, 5);
    assert_int_equal(snapshot_status(&f.model, 6), SNAPSHOT_OK);

    model_source_failed(&f.model, &f.model.hosts[1], SRC_CONTAINERS, 6, "x");
    assert_int_equal(snapshot_status(&f.model, 6), SNAPSHOT_FAILED);

    f.model.hosts[0].state = HOST_DOWN;
    assert_int_equal(snapshot_status(&f.model, 6), SNAPSHOT_CRITICAL);
    f.model.hosts[0].state = HOST_UP;

    /* a signal past its critical threshold */
    host_model *h = &f.model.hosts[0];
    h->status[SRC_GOLDEN].configured = true;
    model_source_ok(&f.model, h, SRC_GOLDEN, 6);
    h->golden.latency_p95_s = 0.7;
    h->golden.error_ratio = 0;
    assert_int_equal(snapshot_status(&f.model, 6), SNAPSHOT_CRITICAL);
    h->golden.latency_p95_s = 0.3; /* past warn only */
    assert_int_equal(snapshot_status(&f.model, 6), SNAPSHOT_FAILED);

    /* Redis memory is a signal too, against levels.h's fractions */
    h->status[SRC_REDIS].configured = true;
    model_source_ok(&f.model, h, SRC_REDIS, 6);
    h->redis.maxmemory_bytes = 1000;
    h->redis.used_memory_bytes = (int64_t)(REDIS_MEM_WARN * 1000); /* warns only */
    assert_int_equal(snapshot_status(&f.model, 6), SNAPSHOT_FAILED);
    h->redis.used_memory_bytes = (int64_t)(REDIS_MEM_CRIT * 1000);
    assert_int_equal(snapshot_status(&f.model, 6), SNAPSHOT_CRITICAL);
    h->status[SRC_REDIS].ok = false; /* an older sample decides nothing */
    assert_int_equal(snapshot_status(&f.model, 6), SNAPSHOT_FAILED);
    model_free(&f.model);
}

static void text_output_is_sanitized(void **state)
{
    (void)state;
    struct fixture f;
    build(&f);
    model_set_host_state(&f.model, &f.model.hosts[1], HOST_DOWN, "ssh: refused \x1b]0;owned\x07");
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(snapshot_write_text(&f.model, 2, 0, out), 0);
    fclose(out);
    assert_null(strchr(buf, 0x1b));
    assert_null(strchr(buf, 0x07));
    assert_non_null(strstr(buf, "prod-api [production] down: ssh: refused ^[]0;owned^G"));
    free(buf);
    model_free(&f.model);
}

/* A figure not known is null, never 0: a source that never answered
 * (zeros in the model) and one that failed after answering (an older
 * sample in the model) alike. */
static void unknown_figures_are_null(void **state)
{
    (void)state;
    struct fixture f;
    build(&f);
    for (int i = 0; i < 2; i++) {
        host_model *h = &f.model.hosts[i];
        h->status[SRC_GOLDEN].configured = h->status[SRC_REDIS].configured = true;
        h->status[SRC_POSTGRES].configured = true;
        strcpy(h->golden.source, "metrics");
    }
    host_model *was = &f.model.hosts[1]; /* answered once, then failed */
    was->golden.rps = 12.5;
    was->golden.error_ratio = 0.01;
    was->redis.used_memory_bytes = 4096;
    was->postgres.conn_total = 7;
    for (int k = 0; k < SRC_COUNT; k++)
        model_source_ok(&f.model, was, (source_kind)k, 1000.0);
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < SRC_COUNT; k++)
            model_source_failed(&f.model, &f.model.hosts[i], (source_kind)k, 1001.0,
                                "connection refused");
    json_t *j = render(&f, 1002.0);
    for (int i = 0; i < 2; i++) {
        json_t *h = json_array_get(json_object_get(j, "hosts"), (size_t)i);
        json_t *g = json_object_get(h, "golden");
        assert_true(json_is_false(json_object_get(g, "ok")));
        const char *figures[] = {"rps", "error_ratio", "latency_p50_s", "latency_p95_s",
                                 "latency_p99_s"};
        for (size_t k = 0; k < sizeof(figures) / sizeof(*figures); k++)
            assert_true(json_is_null(json_object_get(g, figures[k])));
        json_t *r = json_object_get(h, "redis");
        assert_true(json_is_null(json_object_get(r, "used_memory_bytes")));
        assert_true(json_is_null(json_object_get(r, "keys")));
        json_t *pg = json_object_get(h, "postgres");
        assert_true(json_is_null(json_object_get(json_object_get(pg, "connections"), "total")));
        assert_true(json_is_null(json_object_get(pg, "slow_queries")));
        assert_true(json_is_null(json_object_get(json_object_get(h, "containers"), "items")));
    }
    /* the one that answered once still says how old its last answer is */
    json_t *g1 = json_object_get(json_array_get(json_object_get(j, "hosts"), 1), "golden");
    assert_true(json_real_value(json_object_get(g1, "age_s")) == 2.0);
    json_decref(j);
    model_free(&f.model);
}

/* Every source filled in, on one host, with strings that need escaping and
 * figures of every kind; the other host's sources failed after answering. */
static void fill_every_source(struct fixture *f)
{
    host_model *h = &f->model.hosts[0];
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < SRC_COUNT; k++)
            f->model.hosts[i].status[k].configured = true;
    container_info *items = calloc(2, sizeof(*items));
    strcpy(items[0].name, "api");
    strcpy(items[0].image, "bb:1.2");
    strcpy(items[0].state, "running");
    strcpy(items[0].health, "healthy");
    strcpy(items[0].status, "Up 3 minutes (healthy)");
    items[0].cpu_percent = 2.25;
    items[0].mem_bytes = 35 * 1024 * 1024 + 200000;
    strcpy(items[1].name, "worker \"q\"");
    strcpy(items[1].image, "bb:1.1");
    strcpy(items[1].state, "exited");
    strcpy(items[1].status, "Exited (1) 2 minutes ago");
    items[1].restarts = 4;
    items[1].cpu_percent = -1;
    items[1].mem_bytes = -1;
    model_set_containers(&f->model, h, items, 2);
    golden_sample *g = &h->golden;
    strcpy(g->source, "prometheus");
    g->rps = 12.5, g->error_ratio = 0.0125;
    g->latency_p50_s = 0.012, g->latency_p95_s = 0.25, g->latency_p99_s = 0.75;
    g->cpu_percent = 41.5, g->mem_percent = -1, g->disk_free_percent = 63.25;
    h->health.http_status = 503;
    h->health.latency_s = 0.034;
    h->health.body = strdup("{\"status\": \"unhealthy\", \"database\": false}");
    h->ws.active_connections = 7, h->ws.total_messages_sent = 1200, h->ws.total_broadcasts = 30;
    strcpy(h->ws.last_broadcast_at, "2026-01-02T03:04:05Z");
    h->ws.messages_per_s = -1;
    alert_info *al = calloc(1, sizeof(*al));
    strcpy(al->name, "HighErrorRate");
    strcpy(al->severity, "critical");
    strcpy(al->state, "active");
    strcpy(al->starts_at, "2026-01-02T03:00:00Z");
    strcpy(al->summary, "5xx past 5% \x1b[31m");
    al->labels_json = strdup("{\"alertname\": \"HighErrorRate\", \"job\": \"api\"}");
    h->alerts.items = al;
    h->alerts.count = 1;
    postgres_sample *p = &h->postgres;
    strcpy(p->server_version, "15.4");
    p->conn_total = 12, p->conn_max = 100, p->conn_active = 3, p->conn_idle = 8;
    p->conn_idle_in_txn = 1;
    p->slow = calloc(1, sizeof(*p->slow));
    p->nslow = 1;
    p->slow[0].pid = 4242;
    strcpy(p->slow[0].user, "app");
    strcpy(p->slow[0].database, "bb");
    strcpy(p->slow[0].application, "api");
    strcpy(p->slow[0].state, "active");
    strcpy(p->slow[0].wait_event, "Lock");
    p->slow[0].seconds = 31.5;
    p->slow[0].query = strdup("UPDATE t SET x = 1\nWHERE id = 2");
    p->slow[0].blocked_by = calloc(1, sizeof(int));
    p->slow[0].blocked_by[0] = 4141;
    p->slow[0].nblocked_by = 1;
    p->idle_in_txn = calloc(1, sizeof(*p->idle_in_txn));
    p->nidle_in_txn = 1;
    p->idle_in_txn[0].pid = 4141;
    strcpy(p->idle_in_txn[0].user, "app");
    strcpy(p->idle_in_txn[0].database, "bb");
    strcpy(p->idle_in_txn[0].state, "idle in transaction");
    p->idle_in_txn[0].seconds = 95;
    p->idle_in_txn[0].query = strdup("BEGIN");
    p->database_size_bytes = 123456789;
    redis_sample *r = &h->redis;
    strcpy(r->version, "7.2.4");
    r->used_memory_bytes = 870 * 1024, r->maxmemory_bytes = 1024 * 1024;
    r->connected_clients = 5, r->ops_per_sec = 140.5, r->hit_ratio = 0.875;
    r->evicted_keys = 2, r->keys = 310;
    for (int k = 0; k < SRC_COUNT; k++)
        model_source_ok(&f->model, h, (source_kind)k, 1000.0);
    host_model *was = &f->model.hosts[1];
    was->redis.used_memory_bytes = 4096;
    for (int k = 0; k < SRC_COUNT; k++) {
        model_source_ok(&f->model, was, (source_kind)k, 990.0);
        model_source_failed(&f->model, was, (source_kind)k, 1001.0, "refused (%s)",
                            source_kind_name((source_kind)k));
    }
}

static char *read_file(const char *path)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    static char buf[16384];
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    return buf;
}

/* The output, byte for byte, against its fixture (VERSION stands for the
 * build's version): a change to what a script or a person reads is made
 * on purpose, with the fixture, or not at all. */
static void matches_fixture(struct fixture *f, bool json, const char *path)
{
    char *got = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&got, &len);
    if (json)
        assert_int_equal(snapshot_write_json(&f->model, 2, 1003.0, out), 0);
    else
        assert_int_equal(snapshot_write_text(&f->model, 2, 1003.0, out), 0);
    fclose(out);
    char *want = read_file(path);
    char *at = strstr(want, "VERSION");
    assert_non_null(at);
    char expect[16384];
    snprintf(expect, sizeof(expect), "%.*s%s%s", (int)(at - want), want, OPSDECK_VERSION,
             at + strlen("VERSION"));
    if (getenv("SNAPSHOT_FIXTURE_WRITE")) { /* to remake the fixture, by hand */
        char *v = strstr(got, OPSDECK_VERSION);
        assert_non_null(v);
        FILE *w = fopen(path, "w");
        assert_non_null(w);
        fprintf(w, "%.*sVERSION%s", (int)(v - got), got, v + strlen(OPSDECK_VERSION));
        fclose(w);
    }
    assert_string_equal(got, expect);
    free(got);
}

static void every_source_json_is_stable(void **state)
{
    (void)state;
    struct fixture f;
    build(&f);
    fill_every_source(&f);
    matches_fixture(&f, true, "tests/unit/fixtures/snapshot/every_source.json");
    model_free(&f.model);
}

static void every_source_text_is_stable(void **state)
{
    (void)state;
    struct fixture f;
    build(&f);
    fill_every_source(&f);
    matches_fixture(&f, false, "tests/unit/fixtures/snapshot/every_source.txt");
    model_free(&f.model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_has_schema_fields),
        cmocka_unit_test(invalid_utf8_from_a_host_still_gives_valid_json),
        cmocka_unit_test(status_follows_the_fleet),
        cmocka_unit_test(unknown_figures_are_null),
        cmocka_unit_test(text_output_is_sanitized),
        cmocka_unit_test(every_source_json_is_stable),
        cmocka_unit_test(every_source_text_is_stable),
    };
    return cmocka_run_group_tests_name("snapshot", tests, NULL, NULL);
}
