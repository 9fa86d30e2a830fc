/* model_observe(): after each attempt of a source, the first-seen times of
 * the host's attention items, and what changed since its previous sample
 * (container starts and restarts, image changes, health flips, alerts that
 * began or resolved) into the fleet's ring of changes. The first sample of
 * a source is the baseline: nothing before it is called a change, except
 * alerts, whose start time the Alertmanager gives. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/attention.h"
#include "opsdeck/model.h"

const char *change_kind_name(change_kind kind)
{
    switch (kind) {
    case CHANGE_CONTAINER:
        return "container";
    case CHANGE_DEPLOY:
        return "deploy";
    case CHANGE_HEALTH:
        return "health";
    case CHANGE_ALERT:
        return "alert";
    case CHANGE_ACTION:
        return "action";
    }
    return "?";
}

void change_ring_add(change_ring *r, const change *c)
{
    size_t pos = r->count;
    while (pos > 0 && r->items[pos - 1].at > c->at)
        pos--;
    if (r->count == MODEL_CHANGES_MAX) {
        if (pos == 0)
            return; /* older than everything kept */
        memmove(&r->items[0], &r->items[1], (pos - 1) * sizeof(r->items[0]));
        r->items[pos - 1] = *c;
        return;
    }
    memmove(&r->items[pos + 1], &r->items[pos], (r->count - pos) * sizeof(r->items[0]));
    r->items[pos] = *c;
    r->count++;
}

const change *change_ring_newest(const change_ring *r, size_t i)
{
    return i < r->count ? &r->items[r->count - 1 - i] : NULL;
}

static void record(fleet_model *m, const host_model *h, double at, change_kind kind,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void record(fleet_model *m, const host_model *h, double at, change_kind kind,
                   const char *fmt, ...)
{
    change c = {.at = at, .kind = kind};
    snprintf(c.host, sizeof(c.host), "%s", h->config->name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c.what, sizeof(c.what), fmt, ap);
    va_end(ap);
    change_ring_add(&m->changes, &c);
}

void host_prev_free(host_prev *p)
{
    free(p->containers);
    for (size_t i = 0; i < p->nalerts; i++)
        free(p->alerts[i]);
    free(p->alerts);
    memset(p, 0, sizeof(*p));
}

static const container_prev *prev_container(const host_prev *p, const char *name)
{
    for (size_t i = 0; i < p->ncontainers; i++)
        if (strcmp(p->containers[i].name, name) == 0)
            return &p->containers[i];
    return NULL;
}

static bool running(const char *state)
{
    return strcmp(state, "running") == 0;
}

static void container_changed(fleet_model *m, const host_model *h, const container_info *c,
                              const container_prev *was, double now)
{
    if (!was) {
        record(m, h, now, CHANGE_CONTAINER, "%s created (%s)", c->name, c->state);
        return;
    }
    if (strcmp(was->image, c->image) != 0)
        record(m, h, now, CHANGE_DEPLOY, "%s image %s -> %s", c->name, was->image, c->image);
    if (strcmp(was->id, c->id) != 0 && running(c->state))
        record(m, h, now, CHANGE_CONTAINER, "%s recreated", c->name);
    else if (c->restarts > was->restarts)
        record(m, h, now, CHANGE_CONTAINER, "%s restarted by docker (%d restarts)", c->name,
               c->restarts);
    else if (!running(was->state) && running(c->state))
        record(m, h, now, CHANGE_CONTAINER, "%s started", c->name);
    else if (strcmp(was->state, c->state) != 0)
        record(m, h, now, CHANGE_CONTAINER, "%s %s -> %s", c->name, was->state, c->state);
    if (strcmp(was->health, c->health) != 0 && c->health[0] && was->health[0])
        record(m, h, now, CHANGE_CONTAINER, "%s %s -> %s", c->name, was->health, c->health);
}

static void observe_containers(fleet_model *m, host_model *h, double now)
{
    host_prev *p = &h->prev;
    const containers_sample *s = &h->containers;
    if (p->have_containers) {
        for (size_t i = 0; i < s->count; i++)
            container_changed(m, h, &s->items[i], prev_container(p, s->items[i].name), now);
        for (size_t i = 0; i < p->ncontainers; i++) {
            bool still = false;
            for (size_t j = 0; j < s->count && !still; j++)
                still = strcmp(s->items[j].name, p->containers[i].name) == 0;
            if (!still)
                record(m, h, now, CHANGE_CONTAINER, "%s removed", p->containers[i].name);
        }
    }
    container_prev *next = s->count ? calloc(s->count, sizeof(*next)) : NULL;
    if (s->count && !next)
        return; /* out of memory: keep the old baseline */
    for (size_t i = 0; i < s->count; i++) {
        const container_info *c = &s->items[i];
        container_prev *n = &next[i];
        snprintf(n->name, sizeof(n->name), "%s", c->name);
        snprintf(n->id, sizeof(n->id), "%s", c->id);
        snprintf(n->image, sizeof(n->image), "%s", c->image);
        snprintf(n->state, sizeof(n->state), "%s", c->state);
        snprintf(n->health, sizeof(n->health), "%s", c->health);
        n->restarts = c->restarts;
    }
    free(p->containers);
    p->containers = next;
    p->ncontainers = s->count;
    p->have_containers = true;
}

static void status_text(int status, char *buf, size_t size)
{
    if (status)
        snprintf(buf, size, "%d", status);
    else
        snprintf(buf, size, "no answer");
}

static void observe_health(fleet_model *m, host_model *h, double now)
{
    host_prev *p = &h->prev;
    int status = h->status[SRC_HEALTH].ok ? h->health.http_status : 0;
    if (p->have_health && status != p->health_status) {
        char was[16], is[16];
        status_text(p->health_status, was, sizeof(was));
        status_text(status, is, sizeof(is));
        record(m, h, now, CHANGE_HEALTH, "health %s -> %s", was, is);
    }
    p->health_status = status;
    p->have_health = true;
}

/* An alert's identity: its name and labels (two alerts of one rule differ
 * by their labels). */
static char *alert_identity(const alert_info *a)
{
    size_t n = strlen(a->name) + (a->labels_json ? strlen(a->labels_json) : 0) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s %s", a->name, a->labels_json ? a->labels_json : "");
    return s;
}

static bool listed(char *const *keys, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (keys[i] && strcmp(keys[i], key) == 0)
            return true;
    return false;
}

static void observe_alerts(fleet_model *m, host_model *h, double now)
{
    host_prev *p = &h->prev;
    const alerts_sample *s = &h->alerts;
    char **next = s->count ? calloc(s->count, sizeof(*next)) : NULL;
    if (s->count && !next)
        return;
    for (size_t i = 0; i < s->count; i++) {
        const alert_info *a = &s->items[i];
        next[i] = alert_identity(a);
        if (next[i] && !listed(p->alerts, p->nalerts, next[i]))
            /* the first sample too: the Alertmanager says when it began */
            record(m, h, a->starts_at_epoch > 0 ? a->starts_at_epoch : now, CHANGE_ALERT,
                   "alert %s began (%s)", a->name, a->severity[0] ? a->severity : "no severity");
    }
    for (size_t i = 0; p->have_alerts && i < p->nalerts; i++)
        if (p->alerts[i] && !listed(next, s->count, p->alerts[i])) {
            char name[128];
            snprintf(name, sizeof(name), "%s", p->alerts[i]);
            char *space = strchr(name, ' ');
            if (space)
                *space = '\0';
            record(m, h, now, CHANGE_ALERT, "alert %s resolved", name);
        }
    for (size_t i = 0; i < p->nalerts; i++)
        free(p->alerts[i]);
    free(p->alerts);
    p->alerts = next;
    p->nalerts = s->count;
    p->have_alerts = true;
}

static void observe_redis(host_model *h)
{
    host_prev *p = &h->prev;
    p->evicting = p->have_redis && h->redis.evicted_keys > p->evicted_keys;
    p->evicted_keys = h->redis.evicted_keys;
    p->have_redis = true;
}

void model_observe(fleet_model *m, host_model *h, source_kind kind, double now)
{
    if (h < m->hosts || h >= m->hosts + m->nhosts)
        return; /* not one of the model's hosts */
    bool ok = h->status[kind].ok;
    if (kind == SRC_CONTAINERS && ok)
        observe_containers(m, h, now);
    else if (kind == SRC_HEALTH)
        observe_health(m, h, now);
    else if (kind == SRC_ALERTS && ok)
        observe_alerts(m, h, now);
    else if (kind == SRC_REDIS && ok)
        observe_redis(h);
    attention_track(m, (size_t)(h - m->hosts), now);
}
