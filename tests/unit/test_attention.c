/* "Needs attention" over a model built by hand: what is listed, its rank,
 * since when (the model's first-seen times, the Alertmanager's start, a
 * backend's age), the remedy; and the ring of changes the sources'
 * transitions and the audit log feed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "opsdeck/attention.h"
#include "opsdeck/audit_changes.h"
#include "opsdeck/runbook/runbook.h"

struct fixture {
    opsdeck_config cfg;
    host_config hosts[2];
    fleet_model model;
};

static void build(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    const char *names[] = {"staging-api", "prod-api"}, *envs[] = {"staging", "production"};
    for (int i = 0; i < 2; i++) {
        f->hosts[i].name = (char *)names[i];
        f->hosts[i].env = (char *)envs[i];
        f->hosts[i].limits = (thresholds){0.2, 0.5, 0.01, 0.05, 70, 90, 80, 90};
    }
    f->cfg.hosts = f->hosts;
    f->cfg.nhosts = 2;
    f->cfg.slow_query_s = 1;
    f->cfg.idle_txn_s = 300;
    const host_config *sel[] = {&f->hosts[0], &f->hosts[1]};
    assert_int_equal(model_init(&f->model, &f->cfg, sel, 2), 0);
    for (size_t i = 0; i < 2; i++) {
        f->model.hosts[i].state = HOST_UP;
        for (int k = 0; k < SRC_COUNT; k++)
            f->model.hosts[i].status[k].configured = true;
    }
}

static void set_containers(struct fixture *f, size_t host, const char *health, const char *id,
                           const char *image, int restarts, double now)
{
    container_info *c = calloc(1, sizeof(*c));
    strcpy(c->name, "grupo_gad_api");
    strcpy(c->id, id);
    strcpy(c->image, image);
    strcpy(c->state, "running");
    strcpy(c->health, health);
    strcpy(c->compose_service, "api");
    c->restarts = restarts;
    model_set_containers(&f->model, &f->model.hosts[host], c, 1);
    model_source_ok(&f->model, &f->model.hosts[host], SRC_CONTAINERS, now);
}

static void set_alert(struct fixture *f, size_t host, const char *name, const char *severity,
                      const char *state, double starts, double now)
{
    host_model *h = &f->model.hosts[host];
    alerts_sample_clear(&h->alerts);
    h->alerts.items = calloc(1, sizeof(alert_info));
    h->alerts.count = 1;
    alert_info *a = h->alerts.items;
    strcpy(a->name, name);
    strcpy(a->severity, severity);
    strcpy(a->state, state);
    strcpy(a->starts_at, "2026-12-02T10:00:00Z");
    a->starts_at_epoch = starts;
    model_source_ok(&f->model, h, SRC_ALERTS, now);
}

static const attention_item *find(const attention_list *l, attention_kind kind)
{
    for (size_t i = 0; i < l->count; i++)
        if (l->items[i].kind == kind)
            return &l->items[i];
    return NULL;
}

static void since_is_kept_across_samples(void **state)
{
    (void)state;
    struct fixture f;
    build(&f);
    set_containers(&f, 1, "healthy", "a1", "api:1", 0, 1000);
    set_containers(&f, 1, "unhealthy", "a1", "api:1", 0, 1010);
    set_containers(&f, 1, "unhealthy", "a1", "api:1", 0, 1020);
    static attention_list l;
    attention_collect(&f.model, "production", 1200, &l);
    const attention_item *it = find(&l, ATT_CONTAINER);
    assert_non_null(it);
    assert_int_equal(it->severity, ATT_CRITICAL);
    assert_true(it->since == 1010); /* first seen, not last seen: "for 3m10s" */
    assert_string_equal(it->subject, "grupo_gad_api");
    assert_string_equal(it->remedy, "r restart");
    /* gone and back: a new episode */
    set_containers(&f, 1, "healthy", "a1", "api:1", 0, 1300);
    set_containers(&f, 1, "unhealthy", "a1", "api:1", 0, 1310);
    attention_collect(&f.model, "production", 1320, &l);
    assert_true(find(&l, ATT_CONTAINER)->since == 1310);
    /* the other environment's list does not have it */
    attention_collect(&f.model, "staging", 1320, &l);
    assert_null(find(&l, ATT_CONTAINER));
    model_free(&f.model);
}

static void ranked_critical_first_then_oldest(void **state)
{
    (void)state;
    struct fixture f;
    build(&f);
    host_model *h = &f.model.hosts[1];
    /* a warning that is older than every critical */
    h->golden.latency_p95_s = 0.3; /* past warn 0.2, under crit 0.5 */
    h->golden.error_ratio = 0.2;   /* past crit */
    model_source_ok(&f.model, h, SRC_GOLDEN, 900);
    set_containers(&f, 1, "unhealthy", "a1", "api:1", 0, 1000);
    set_alert(&f, 1, "HighErrorRate", "critical", "active", 950, 1000);
    static attention_list l;
    attention_collect(&f.model, NULL, 1100, &l);
    assert_true(l.count >= 4);
    /* critical: the signal (900), the alert (950), the container (1000); then the warning */
    assert_int_equal(l.items[0].kind, ATT_SIGNAL);
    assert_string_equal(l.items[0].subject, "error_ratio");
    assert_int_equal(l.items[1].kind, ATT_ALERT);
    assert_true(l.items[1].since == 950); /* the Alertmanager's startsAt */
    assert_int_equal(l.items[2].kind, ATT_CONTAINER);
    assert_int_equal(l.items[3].severity, ATT_WARNING);
    assert_string_equal(l.items[3].subject, "latency_p95_s");
    for (size_t i = 1; i < l.count; i++)
        assert_true(attention_compare(&l.items[i - 1], &l.items[i]) <= 0);
    /* a silenced alert goes last, and says so */
    set_alert(&f, 1, "DiskFilling", "critical", "suppressed", 10, 1100);
    attention_collect(&f.model, NULL, 1100, &l);
    assert_int_equal(l.items[l.count - 1].severity, ATT_SILENCED);
    assert_string_equal(attention_severity_name(ATT_SILENCED), "silenced");
    model_free(&f.model);
}

static void postgres_and_redis(void **state)
{
    (void)state;
    struct fixture f;
    build(&f);
    host_model *h = &f.model.hosts[0];
    postgres_sample *p = &h->postgres;
    p->slow = calloc(2, sizeof(pg_backend));
    p->nslow = 2;
    p->slow[0].pid = 101, p->slow[0].seconds = 30;
    p->slow[1].pid = 102, p->slow[1].seconds = 60;
    p->slow[1].blocked_by = calloc(1, sizeof(int));
    p->slow[1].blocked_by[0] = 101;
    p->slow[1].nblocked_by = 1;
    p->idle_in_txn = calloc(2, sizeof(pg_backend));
    p->nidle_in_txn = 2;
    p->idle_in_txn[0].pid = 201, p->idle_in_txn[0].seconds = 400;
    p->idle_in_txn[1].pid = 202, p->idle_in_txn[1].seconds = 10; /* under idle_txn */
    model_source_ok(&f.model, h, SRC_POSTGRES, 2000);
    h->redis.used_memory_bytes = 96, h->redis.maxmemory_bytes = 100;
    model_source_ok(&f.model, h, SRC_REDIS, 2000);
    static attention_list l;
    attention_collect(&f.model, "staging", 2005, &l);
    const attention_item *blocked = find(&l, ATT_BLOCKED);
    assert_non_null(blocked);
    assert_int_equal(blocked->pid, 102);
    assert_true(blocked->since == 2000 - 60); /* the backend's own age */
    assert_string_equal(blocked->remedy, "t terminate 101");
    const attention_item *slow = find(&l, ATT_SLOW_QUERY);
    assert_int_equal(slow->pid, 101);
    assert_string_equal(slow->remedy, "c cancel");
    const attention_item *idle = find(&l, ATT_IDLE_TXN);
    assert_int_equal(idle->pid, 201);
    assert_string_equal(idle->remedy, "K kill-idle");
    size_t idles = 0;
    for (size_t i = 0; i < l.count; i++)
        idles += l.items[i].kind == ATT_IDLE_TXN;
    assert_int_equal(idles, 1);
    const attention_item *redis = find(&l, ATT_REDIS);
    assert_int_equal(redis->severity, ATT_CRITICAL); /* 96% >= REDIS_MEM_CRIT */
    assert_string_equal(redis->remedy, "F flush");
    /* evicting: keys evicted between two samples */
    h->redis.used_memory_bytes = 10;
    h->redis.evicted_keys = 5;
    model_source_ok(&f.model, h, SRC_REDIS, 2010);
    h->redis.evicted_keys = 9;
    model_source_ok(&f.model, h, SRC_REDIS, 2012);
    attention_collect(&f.model, "staging", 2013, &l);
    assert_non_null(strstr(find(&l, ATT_REDIS)->what, "evicting"));
    model_free(&f.model);
}

static void down_host_and_failing_sources(void **state)
{
    (void)state;
    struct fixture f;
    build(&f);
    host_model *h = &f.model.hosts[1];
    model_source_failed(&f.model, h, SRC_HEALTH, 500, "connection refused");
    model_source_failed(&f.model, h, SRC_POSTGRES, 500, "no answer within 3 s");
    static attention_list l;
    attention_collect(&f.model, "production", 510, &l);
    assert_int_equal(l.items[0].kind, ATT_HEALTH);
    assert_int_equal(l.items[0].severity, ATT_CRITICAL);
    assert_int_equal(find(&l, ATT_SOURCE)->severity, ATT_WARNING);
    model_set_host_state(&f.model, h, HOST_DOWN, "ssh: connection refused");
    model_source_failed(&f.model, h, SRC_HEALTH, 520, "host unreachable");
    attention_collect(&f.model, "production", 530, &l);
    assert_int_equal(l.count, 1); /* the host says it once */
    assert_int_equal(l.items[0].kind, ATT_HOST);
    assert_true(l.items[0].since == 520);
    model_free(&f.model);
}

static void changes_from_transitions(void **state)
{
    (void)state;
    struct fixture f;
    build(&f);
    host_model *h = &f.model.hosts[1];
    set_containers(&f, 1, "healthy", "a1", "api:1", 0, 100); /* the baseline */
    assert_int_equal(f.model.changes.count, 0);
    set_containers(&f, 1, "healthy", "a2", "api:2", 0, 200); /* a deploy */
    set_containers(&f, 1, "healthy", "a2", "api:2", 1, 300); /* docker restarted it */
    h->health.http_status = 200;
    model_source_ok(&f.model, h, SRC_HEALTH, 310);
    h->health.http_status = 503;
    model_source_ok(&f.model, h, SRC_HEALTH, 320);
    set_alert(&f, 1, "HighErrorRate", "critical", "active", 250, 330);
    alerts_sample_clear(&h->alerts);
    model_source_ok(&f.model, h, SRC_ALERTS, 340);
    const change *c = change_ring_newest(&f.model.changes, 0);
    assert_non_null(strstr(c->what, "HighErrorRate resolved"));
    assert_true(c->at == 340);
    c = change_ring_newest(&f.model.changes, 1);
    assert_string_equal(c->what, "health 200 -> 503");
    c = change_ring_newest(&f.model.changes, 2);
    assert_non_null(strstr(c->what, "restarted"));
    c = change_ring_newest(&f.model.changes, 3); /* began at its startsAt, 250 */
    assert_non_null(strstr(c->what, "HighErrorRate began"));
    assert_true(c->at == 250);
    bool deploy = false;
    for (size_t i = 0; (c = change_ring_newest(&f.model.changes, i)); i++)
        deploy |= c->kind == CHANGE_DEPLOY && strstr(c->what, "api:1 -> api:2");
    assert_true(deploy);
    /* bounded: the oldest go */
    for (int i = 0; i < 2 * MODEL_CHANGES_MAX; i++) {
        change x = {.at = 1000 + i, .kind = CHANGE_HEALTH};
        change_ring_add(&f.model.changes, &x);
    }
    assert_int_equal(f.model.changes.count, MODEL_CHANGES_MAX);
    assert_true(change_ring_newest(&f.model.changes, 0)->at == 1000 + 2 * MODEL_CHANGES_MAX - 1);
    model_free(&f.model);
}

static void audit_lines_become_changes(void **state)
{
    (void)state;
    struct fixture f;
    build(&f);
    change c;
    assert_true(audit_line_change(
        &f.model,
        "{\"ts\":\"2026-12-02T16:00:05.250Z\",\"local_user\":\"alice\",\"host\":\"prod-api\","
        "\"action\":\"restart\",\"target\":\"grupo_gad_api\",\"phase\":\"finished\","
        "\"exit_status\":0,\"verify\":\"healthy again\"}",
        &c));
    assert_string_equal(c.who, "alice");
    assert_string_equal(c.what, "restart grupo_gad_api");
    assert_string_equal(c.result, "exit 0; healthy again");
    assert_true(c.at > 1764691205.0 && c.at < 1764691205.5 + 1e9); /* parsed, UTC */
    assert_int_equal(c.kind, CHANGE_ACTION);
    /* intent lines, other hosts and non-JSON are not changes */
    assert_false(audit_line_change(&f.model,
                                   "{\"ts\":\"2026-12-02T16:00:05Z\",\"host\":\"prod-api\","
                                   "\"phase\":\"intent\"}",
                                   &c));
    assert_false(audit_line_change(&f.model,
                                   "{\"ts\":\"2026-12-02T16:00:05Z\",\"host\":\"elsewhere\","
                                   "\"phase\":\"finished\"}",
                                   &c));
    assert_false(audit_line_change(&f.model, "not json", &c));
    model_free(&f.model);
}

/* The shipped runbooks' for: lists name the runbook beside what they
 * remedy: api-down (key A) for the API's container, its health, its
 * alerts; high-load (L) for CPU past 90 %. */
static void runbooks_suggested_by_their_for(void **state)
{
    (void)state;
    struct fixture f;
    build(&f);
    runbook rbs[2];
    runbook_problems problems = {0};
    assert_int_equal(runbook_load_file("examples/runbooks/api-down.yml", &rbs[0], &problems), 0);
    assert_int_equal(runbook_load_file("examples/runbooks/high-load.yml", &rbs[1], &problems), 0);
    runbook_set set = {.items = rbs, .count = 2};
    host_model *h = &f.model.hosts[1];
    set_containers(&f, 1, "unhealthy", "a1", "api:1", 0, 100);
    h->golden.cpu_percent = 95;
    h->golden.error_ratio = 0;
    model_source_ok(&f.model, h, SRC_GOLDEN, 100);
    h->health.http_status = 503;
    model_source_ok(&f.model, h, SRC_HEALTH, 100);
    set_alert(&f, 1, "SomethingElse", "warning", "active", 90, 100);
    static attention_list l;
    attention_collect(&f.model, "production", 110, &l);
    attention_suggest_runbooks(&f.model, &set, &l);
    assert_string_equal(find(&l, ATT_CONTAINER)->remedy, "A: api-down");
    assert_string_equal(find(&l, ATT_HEALTH)->remedy, "A: api-down");
    assert_string_equal(find(&l, ATT_SIGNAL)->remedy, "L: high-load");
    assert_string_equal(find(&l, ATT_ALERT)->remedy, ""); /* no runbook is for it */
    /* under the threshold of its for: (cpu_percent > 90) no suggestion */
    h->golden.cpu_percent = 75;
    model_source_ok(&f.model, h, SRC_GOLDEN, 120);
    attention_collect(&f.model, "production", 121, &l);
    attention_suggest_runbooks(&f.model, &set, &l);
    assert_string_equal(find(&l, ATT_SIGNAL)->remedy, "");
    runbook_free(&rbs[0]);
    runbook_free(&rbs[1]);
    runbook_problems_free(&problems);
    model_free(&f.model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(since_is_kept_across_samples),
        cmocka_unit_test(ranked_critical_first_then_oldest),
        cmocka_unit_test(postgres_and_redis),
        cmocka_unit_test(down_host_and_failing_sources),
        cmocka_unit_test(changes_from_transitions),
        cmocka_unit_test(audit_lines_become_changes),
        cmocka_unit_test(runbooks_suggested_by_their_for),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
