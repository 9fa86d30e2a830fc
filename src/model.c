/* The fleet model: plain data, written by sources, read by the UI. */
#include "opsdeck/model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Which sources a host's config turns on. */
static void mark_configured(host_model *h)
{
    const host_config *c = h->config;
    /* containers are always polled: every host has an engine to ask */
    h->status[SRC_CONTAINERS].configured = true;
    h->status[SRC_GOLDEN].configured = c->metrics || c->prometheus;
    h->status[SRC_HEALTH].configured = c->health != NULL;
    h->status[SRC_WS].configured = c->ws_stats != NULL;
    h->status[SRC_ALERTS].configured = c->alertmanager != NULL;
    h->status[SRC_POSTGRES].configured = c->postgres != NULL;
    h->status[SRC_REDIS].configured = c->redis != NULL;
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
        containers_sample_clear(&h->containers);
        alerts_sample_clear(&h->alerts);
        postgres_sample_clear(&h->postgres);
        health_sample_clear(&h->health);
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
