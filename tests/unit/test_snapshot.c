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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_has_schema_fields),
        cmocka_unit_test(invalid_utf8_from_a_host_still_gives_valid_json),
        cmocka_unit_test(status_follows_the_fleet),
        cmocka_unit_test(unknown_figures_are_null),
        cmocka_unit_test(text_output_is_sanitized),
    };
    return cmocka_run_group_tests_name("snapshot", tests, NULL, NULL);
}
