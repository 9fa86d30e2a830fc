/* The fleet model: plain data, written by sources (through the setters
 * below), read by the UI and the snapshot. */
#include "opsdeck/model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/sources/source.h"

static const char *const source_names[SRC_COUNT] = {
    [SRC_CONTAINERS] = "containers", [SRC_GOLDEN] = "golden",
    [SRC_HEALTH] = "health",         [SRC_WS] = "ws",
    [SRC_ALERTS] = "alerts",         [SRC_POSTGRES] = "postgres",
    [SRC_REDIS] = "redis",
};

const char *source_kind_name(source_kind kind)
{
    return kind < SRC_COUNT ? source_names[kind] : "?";
}

const char *host_state_name(host_state state)
{
    switch (state) {
    case HOST_CONNECTING:
        return "connecting";
    case HOST_UP:
        return "up";
    case HOST_DEGRADED:
        return "degraded";
    case HOST_DOWN:
        return "down";
    }
    return "?";
}

void history_push(history *h, double value)
{
    h->values[h->head] = value;
    h->head = (h->head + 1) % MODEL_HISTORY_LEN;
    if (h->count < MODEL_HISTORY_LEN)
        h->count++;
}

double history_at(const history *h, int i)
{
    int oldest = (h->head - h->count + MODEL_HISTORY_LEN) % MODEL_HISTORY_LEN;
    return h->values[(oldest + i) % MODEL_HISTORY_LEN];
}

/* Which sources a host's config turns on: each source says (enabled()); a
 * kind this build does not have is not polled, so not reported. */
static void mark_configured(host_model *h)
{
    for (int k = 0; k < SRC_COUNT; k++) {
        const source_ops *ops = source_registry[k];
        h->status[k].configured = ops && ops->enabled(h->config);
    }
}

int model_init(fleet_model *m, const opsdeck_config *cfg, const host_config *const *hosts,
               size_t nhosts)
{
    memset(m, 0, sizeof(*m));
    m->config = cfg;
    if (!nhosts)
        return 0;
    m->hosts = calloc(nhosts, sizeof(*m->hosts));
    if (!m->hosts)
        return -1;
    m->nhosts = nhosts;
    for (size_t i = 0; i < nhosts; i++) {
        host_model *h = &m->hosts[i];
        h->config = hosts[i];
        h->state = HOST_CONNECTING;
        h->golden.cpu_percent = h->golden.mem_percent = h->golden.disk_free_percent = -1;
        h->ws.messages_per_s = -1;
        h->redis.hit_ratio = -1;
        mark_configured(h);
    }
    return 0;
}

size_t containers_use(const containers_sample *s, double *cpu_percent, int64_t *mem_bytes)
{
    size_t counted = 0;
    *cpu_percent = 0;
    *mem_bytes = 0;
    for (size_t i = 0; i < s->count; i++) {
        const container_info *c = &s->items[i];
        if (c->cpu_percent >= 0)
            *cpu_percent += c->cpu_percent, counted++;
        if (c->mem_bytes > 0)
            *mem_bytes += c->mem_bytes;
    }
    return counted;
}

void containers_sample_clear(containers_sample *s)
{
    free(s->items);
    s->items = NULL;
    s->count = 0;
}

static void backends_free(pg_backend *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(b[i].query);
        free(b[i].blocked_by);
    }
    free(b);
}

void postgres_sample_clear(postgres_sample *s)
{
    backends_free(s->slow, s->nslow);
    backends_free(s->idle_in_txn, s->nidle_in_txn);
    s->slow = s->idle_in_txn = NULL;
    s->nslow = s->nidle_in_txn = 0;
}

void health_sample_clear(health_sample *s)
{
    free(s->body);
    s->body = NULL;
}

void model_free(fleet_model *m)
{
    for (size_t i = 0; i < m->nhosts; i++) {
        host_model *h = &m->hosts[i];
        for (int k = 0; k < SRC_COUNT; k++)
            if (source_registry[k] && source_registry[k]->clear)
                source_registry[k]->clear(h);
        host_prev_free(&h->prev);
    }
    free(m->hosts);
    memset(m, 0, sizeof(*m));
}

host_model *model_host(fleet_model *m, const char *name)
{
    for (size_t i = 0; i < m->nhosts; i++)
        if (strcmp(m->hosts[i].config->name, name) == 0)
            return &m->hosts[i];
    return NULL;
}

void model_source_ok(fleet_model *m, host_model *h, source_kind kind, double now)
{
    source_status *s = &h->status[kind];
    s->ok = true;
    s->has_sample = true;
    s->error[0] = '\0';
    s->last_ok_at = now;
    s->last_attempt_at = now;
    m->version++;
    model_observe(m, h, kind, now);
}

void model_source_failed(fleet_model *m, host_model *h, source_kind kind, double now,
                         const char *fmt, ...)
{
    source_status *s = &h->status[kind];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->error, sizeof(s->error), fmt, ap);
    va_end(ap);
    s->ok = false;
    s->last_attempt_at = now;
    m->version++;
    model_observe(m, h, kind, now);
}

double model_source_age(const host_model *h, source_kind kind, double now)
{
    const source_status *s = &h->status[kind];
    if (!s->has_sample)
        return -1;
    double age = now - s->last_ok_at;
    return age < 0 ? 0 : age;
}

void model_set_containers(fleet_model *m, host_model *h, container_info *items, size_t count)
{
    containers_sample_clear(&h->containers);
    h->containers.items = items;
    h->containers.count = count;
    m->version++;
}

void model_set_host_state(fleet_model *m, host_model *h, host_state state, const char *error)
{
    h->state = state;
    snprintf(h->error, sizeof(h->error), "%s", error ? error : "");
    m->version++;
}

void model_set_health(fleet_model *m, host_model *h, int http_status, double latency_s,
                      const char *body)
{
    health_sample_clear(&h->health);
    h->health.http_status = http_status;
    h->health.latency_s = latency_s;
    h->health.body = body ? strdup(body) : NULL;
    m->version++;
}

void model_set_ws(fleet_model *m, host_model *h, const ws_sample *w)
{
    h->ws = *w;
    m->version++;
}

void model_set_alerts(fleet_model *m, host_model *h, alerts_sample *alerts)
{
    alerts_sample_clear(&h->alerts);
    h->alerts = *alerts;
    memset(alerts, 0, sizeof(*alerts));
    m->version++;
}

void model_set_postgres(fleet_model *m, host_model *h, postgres_sample *pg)
{
    postgres_sample_clear(&h->postgres);
    h->postgres = *pg;
    memset(pg, 0, sizeof(*pg));
    m->version++;
}

void model_set_golden(fleet_model *m, host_model *h, const golden_sample *figures)
{
    golden_sample *g = &h->golden;
    snprintf(g->source, sizeof(g->source), "%s", figures->source);
    g->rps = figures->rps;
    g->error_ratio = figures->error_ratio;
    g->latency_p50_s = figures->latency_p50_s;
    g->latency_p95_s = figures->latency_p95_s;
    g->latency_p99_s = figures->latency_p99_s;
    g->cpu_percent = figures->cpu_percent;
    g->mem_percent = figures->mem_percent;
    g->disk_free_percent = figures->disk_free_percent;
    /* the first direct scrape only primes the rates: nothing to plot */
    if (!isnan(g->rps)) {
        history_push(&g->rps_hist, g->rps);
        history_push(&g->error_hist, g->error_ratio);
        history_push(&g->p95_hist, g->latency_p95_s);
        history_push(&g->cpu_hist, g->cpu_percent);
        history_push(&g->mem_hist, g->mem_percent);
    }
    m->version++;
}

void model_set_redis(fleet_model *m, host_model *h, const redis_sample *figures)
{
    redis_sample *r = &h->redis;
    snprintf(r->version, sizeof(r->version), "%s", figures->version);
    r->used_memory_bytes = figures->used_memory_bytes;
    r->maxmemory_bytes = figures->maxmemory_bytes;
    r->connected_clients = figures->connected_clients;
    r->ops_per_sec = figures->ops_per_sec;
    r->hit_ratio = figures->hit_ratio;
    r->evicted_keys = figures->evicted_keys;
    r->keys = figures->keys;
    history_push(&r->mem_hist, (double)r->used_memory_bytes);
    history_push(&r->ops_hist, r->ops_per_sec);
    m->version++;
}
