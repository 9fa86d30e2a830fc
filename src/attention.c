/* "Needs attention" over the model (see attention.h). Pure: reads the
 * model, writes only the list (and, in attention_track, the first-seen
 * table it is given). */
#include "opsdeck/attention.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/signals/levels.h"

#define DEFAULT_SLOW_QUERY_S 1.0
#define DEFAULT_IDLE_TXN_S   300.0

const char *attention_severity_name(attention_severity s)
{
    switch (s) {
    case ATT_CRITICAL:
        return "critical";
    case ATT_WARNING:
        return "warning";
    case ATT_SILENCED:
        return "silenced";
    }
    return "?";
}

const char *attention_kind_name(attention_kind k)
{
    static const char *const names[] = {
        [ATT_HOST] = "host",
        [ATT_ALERT] = "alert",
        [ATT_HEALTH] = "health",
        [ATT_CONTAINER] = "container",
        [ATT_SIGNAL] = "signal",
        [ATT_BLOCKED] = "blocked",
        [ATT_SLOW_QUERY] = "slow_query",
        [ATT_IDLE_TXN] = "idle_txn",
        [ATT_REDIS] = "redis",
        [ATT_SOURCE] = "source",
    };
    return k <= ATT_SOURCE ? names[k] : "?";
}

double attention_first_seen(const host_model *h, const char *key, double now)
{
    for (size_t i = 0; i < h->seen.count; i++)
        if (strcmp(h->seen.items[i].key, key) == 0)
            return h->seen.items[i].first;
    return now;
}

/* Appends an item; its `what` from a format. NULL when the list is full. */
static attention_item *add(attention_list *out, size_t host, attention_severity sev,
                           attention_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static attention_item *add(attention_list *out, size_t host, attention_severity sev,
                           attention_kind kind, const char *fmt, ...)
{
    if (out->count >= ATTENTION_MAX) {
        out->dropped++;
        return NULL;
    }
    attention_item *it = &out->items[out->count++];
    memset(it, 0, sizeof(*it));
    it->host = host;
    it->severity = sev;
    it->kind = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->what, sizeof(it->what), fmt, ap);
    va_end(ap);
    return it;
}

/* key and since (first seen under that key) in one go */
static void identify(attention_item *it, const host_model *h, double now, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void identify(attention_item *it, const host_model *h, double now, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->key, sizeof(it->key), fmt, ap);
    va_end(ap);
    it->since = attention_first_seen(h, it->key, now);
}

static bool fresh(const host_model *h, source_kind k)
{
    return h->status[k].configured && h->status[k].ok && h->status[k].has_sample;
}

static void alert_items(const host_model *h, size_t host, double now, attention_list *out)
{
    for (size_t i = 0; h->status[SRC_ALERTS].has_sample && i < h->alerts.count; i++) {
        const alert_info *a = &h->alerts.items[i];
        attention_severity sev = strcmp(a->state, "suppressed") == 0    ? ATT_SILENCED
                                 : strcmp(a->severity, "critical") == 0 ? ATT_CRITICAL
                                                                        : ATT_WARNING;
        attention_item *it =
            add(out, host, sev, ATT_ALERT, "alert %s%s%s%s", a->name, a->summary[0] ? ": " : "",
                a->summary, sev == ATT_SILENCED ? " (silenced)" : "");
        if (!it)
            return;
        identify(it, h, now, "alert %s %s", a->name, a->starts_at);
        if (a->starts_at_epoch > 0)
            it->since = a->starts_at_epoch;
        snprintf(it->subject, sizeof(it->subject), "%s", a->name);
        snprintf(it->state, sizeof(it->state), "%s", a->starts_at);
    }
}

static void health_item(const host_model *h, size_t host, double now, attention_list *out)
{
    const source_status *s = &h->status[SRC_HEALTH];
    if (!s->configured || s->last_attempt_at <= 0)
        return;
    int status = s->ok ? h->health.http_status : 0;
    if (s->ok && status >= 200 && status < 300)
        return;
    attention_item *it =
        s->ok ? add(out, host, ATT_CRITICAL, ATT_HEALTH, "health answers %d", status)
              : add(out, host, ATT_CRITICAL, ATT_HEALTH, "health check fails: %s", s->error);
    if (!it)
        return;
    identify(it, h, now, "health");
    snprintf(it->subject, sizeof(it->subject), "health");
    it->value = status;
}

/* unhealthy, restarting, or exited/dead where compose says it should run;
 * NULL for a container that is fine (or a one-off that ended). */
static const char *container_trouble(const container_info *c)
{
    if (strcmp(c->health, "unhealthy") == 0)
        return "unhealthy";
    if (strcmp(c->state, "restarting") == 0)
        return "restarting";
    if ((strcmp(c->state, "exited") == 0 || strcmp(c->state, "dead") == 0) && c->compose_service[0])
        return "exited";
    return NULL;
}

static void container_items(const host_model *h, size_t host, double now, attention_list *out)
{
    if (!h->status[SRC_CONTAINERS].has_sample)
        return;
    for (size_t i = 0; i < h->containers.count; i++) {
        const container_info *c = &h->containers.items[i];
        const char *trouble = container_trouble(c);
        if (!trouble)
            continue;
        attention_item *it =
            add(out, host, ATT_CRITICAL, ATT_CONTAINER, "container %s %s (%s, %d restarts)",
                c->name, trouble, c->status, c->restarts);
        if (!it)
            return;
        identify(it, h, now, "container %s %s", c->name, trouble);
        snprintf(it->subject, sizeof(it->subject), "%s", c->name);
        snprintf(it->state, sizeof(it->state), "%s", trouble);
        snprintf(it->remedy, sizeof(it->remedy), "r restart");
    }
}

/* The JSON snapshot's name of a signal (runbooks' for: use them too). */
static const char *signal_json_name(signal_id id)
{
    switch (id) {
    case SIGNAL_ERRORS:
        return "error_ratio";
    case SIGNAL_P95:
        return "latency_p95_s";
    case SIGNAL_CPU:
        return "cpu_percent";
    case SIGNAL_MEM:
        return "mem_percent";
    default:
        return "rps";
    }
}

static void signal_text(signal_id id, double v, char *buf, size_t size)
{
    if (id == SIGNAL_ERRORS)
        snprintf(buf, size, "error ratio %.2f%%", v * 100);
    else if (id == SIGNAL_P95)
        snprintf(buf, size, "p95 latency %.0fms", v * 1000);
    else
        snprintf(buf, size, "%s %.0f%%", id == SIGNAL_CPU ? "CPU" : "memory", v);
}

static void signal_items(const host_model *h, size_t host, double now, attention_list *out)
{
    if (!fresh(h, SRC_GOLDEN))
        return;
    for (int id = 0; id < SIGNAL_COUNT; id++) {
        signal_level l = golden_level(&h->golden, &h->config->limits, (signal_id)id);
        if (l != LEVEL_WARN && l != LEVEL_CRIT)
            continue;
        double v = golden_value(&h->golden, (signal_id)id), warn, crit;
        signal_thresholds(&h->config->limits, (signal_id)id, &warn, &crit);
        char text[96], limit[96];
        signal_text((signal_id)id, v, text, sizeof(text));
        signal_text((signal_id)id, l == LEVEL_CRIT ? crit : warn, limit, sizeof(limit));
        attention_item *it =
            add(out, host, l == LEVEL_CRIT ? ATT_CRITICAL : ATT_WARNING, ATT_SIGNAL, "%s (%s %s)",
                text, l == LEVEL_CRIT ? "crit" : "warn", strchr(limit, ' ') + 1);
        if (!it)
            return;
        const char *name = signal_json_name((signal_id)id);
        identify(it, h, now, "signal %s", name);
        snprintf(it->subject, sizeof(it->subject), "%s", name);
        it->value = v;
    }
}

static void postgres_items(const fleet_model *m, const host_model *h, size_t host, double now,
                           attention_list *out)
{
    if (!fresh(h, SRC_POSTGRES))
        return;
    double slow = m->config ? m->config->slow_query_s : DEFAULT_SLOW_QUERY_S;
    double idle = m->config ? m->config->idle_txn_s : DEFAULT_IDLE_TXN_S;
    double at = h->status[SRC_POSTGRES].last_ok_at;
    const postgres_sample *p = &h->postgres;
    for (size_t i = 0; i < p->nslow; i++) {
        const pg_backend *b = &p->slow[i];
        attention_item *it = NULL;
        if (b->nblocked_by > 0) {
            it = add(out, host, ATT_CRITICAL, ATT_BLOCKED, "query pid %d blocked by pid %d (%s@%s)",
                     b->pid, b->blocked_by[0], b->user, b->database);
            if (it)
                snprintf(it->remedy, sizeof(it->remedy), "t terminate %d", b->blocked_by[0]);
        } else if (b->seconds >= slow) {
            it = add(out, host, ATT_WARNING, ATT_SLOW_QUERY, "slow query pid %d (%s@%s)", b->pid,
                     b->user, b->database);
            if (it)
                snprintf(it->remedy, sizeof(it->remedy), "c cancel");
        } else {
            continue;
        }
        if (!it)
            return;
        identify(it, h, now, "%s %d", attention_kind_name(it->kind), b->pid);
        it->since = at - b->seconds;
        it->pid = b->pid;
    }
    for (size_t i = 0; i < p->nidle_in_txn; i++) {
        const pg_backend *b = &p->idle_in_txn[i];
        if (b->seconds < idle)
            continue;
        attention_item *it =
            add(out, host, ATT_WARNING, ATT_IDLE_TXN, "idle in transaction pid %d (%s@%s)", b->pid,
                b->user, b->database);
        if (!it)
            return;
        identify(it, h, now, "idle_txn %d", b->pid);
        it->since = at - b->seconds;
        it->pid = b->pid;
        snprintf(it->remedy, sizeof(it->remedy), "K kill-idle");
    }
}

static void redis_items(const host_model *h, size_t host, double now, attention_list *out)
{
    if (!fresh(h, SRC_REDIS))
        return;
    const redis_sample *r = &h->redis;
    signal_level l = redis_memory_level(r);
    if (l == LEVEL_WARN || l == LEVEL_CRIT) {
        attention_item *it = add(out, host, l == LEVEL_CRIT ? ATT_CRITICAL : ATT_WARNING, ATT_REDIS,
                                 "redis memory %.0f%% of maxmemory",
                                 100.0 * (double)r->used_memory_bytes / (double)r->maxmemory_bytes);
        if (!it)
            return;
        identify(it, h, now, "redis memory");
        snprintf(it->subject, sizeof(it->subject), "memory");
        snprintf(it->remedy, sizeof(it->remedy), "F flush");
    }
    if (h->prev.evicting) {
        attention_item *it = add(out, host, ATT_WARNING, ATT_REDIS,
                                 "redis evicting keys (%lld evicted)", (long long)r->evicted_keys);
        if (!it)
            return;
        identify(it, h, now, "redis evicting");
        snprintf(it->subject, sizeof(it->subject), "evicting");
    }
}

/* Sources that do not answer (health has its own item; a host that is down
 * says it once, not once per source). */
static void source_items(const host_model *h, size_t host, double now, attention_list *out)
{
    for (int k = 0; k < SRC_COUNT; k++) {
        const source_status *s = &h->status[k];
        if (k == SRC_HEALTH || !s->configured || s->ok || s->last_attempt_at <= 0)
            continue;
        attention_item *it = add(out, host, ATT_WARNING, ATT_SOURCE, "%s: %s",
                                 source_kind_name((source_kind)k), s->error);
        if (!it)
            return;
        identify(it, h, now, "source %s", source_kind_name((source_kind)k));
        snprintf(it->subject, sizeof(it->subject), "%s", source_kind_name((source_kind)k));
    }
}

/* Another host of the same environment earlier in the list that reaches
 * the same Alertmanager the same way: its alerts are listed there. */
static bool alerts_listed_before(const fleet_model *m, size_t host)
{
    const host_config *c = m->hosts[host].config;
    for (size_t i = 0; i < host; i++) {
        const host_config *o = m->hosts[i].config;
        if (o->alertmanager && c->alertmanager && strcmp(o->alertmanager, c->alertmanager) == 0 &&
            strcmp(o->env, c->env) == 0 &&
            ((!o->ssh && !c->ssh) || (o->ssh && c->ssh && strcmp(o->ssh, c->ssh) == 0)))
            return true;
    }
    return false;
}

void attention_host(const fleet_model *m, size_t host, double now, attention_list *out)
{
    const host_model *h = &m->hosts[host];
    if (h->state == HOST_DOWN) {
        attention_item *it =
            add(out, host, ATT_CRITICAL, ATT_HOST, "host down: %s", h->error[0] ? h->error : "?");
        if (it) {
            identify(it, h, now, "host down");
            snprintf(it->subject, sizeof(it->subject), "%s", h->config->name);
        }
        return; /* what it showed before is stale, and the sources say the same */
    }
    if (!alerts_listed_before(m, host))
        alert_items(h, host, now, out);
    health_item(h, host, now, out);
    container_items(h, host, now, out);
    signal_items(h, host, now, out);
    postgres_items(m, h, host, now, out);
    redis_items(h, host, now, out);
    source_items(h, host, now, out);
}

int attention_compare(const attention_item *a, const attention_item *b)
{
    if (a->severity != b->severity)
        return a->severity < b->severity ? -1 : 1;
    if (a->since != b->since)
        return a->since < b->since ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->host != b->host)
        return a->host < b->host ? -1 : 1;
    return strcmp(a->key, b->key);
}

static int compare_items(const void *a, const void *b)
{
    return attention_compare(a, b);
}

void attention_sort(attention_list *l)
{
    qsort(l->items, l->count, sizeof(l->items[0]), compare_items);
}

void attention_collect(const fleet_model *m, const char *env, double now, attention_list *out)
{
    out->count = out->dropped = 0;
    for (size_t i = 0; i < m->nhosts; i++)
        if (!env || strcmp(m->hosts[i].config->env, env) == 0)
            attention_host(m, i, now, out);
    attention_sort(out);
}

void attention_track(fleet_model *m, size_t host, double now)
{
    static attention_list current; /* large: not on the stack; the loop is single-threaded */
    host_model *h = &m->hosts[host];
    current.count = current.dropped = 0;
    attention_host(m, host, now, &current);
    seen_table next = {.count = 0};
    for (size_t i = 0; i < current.count && next.count < MODEL_SEEN_MAX; i++) {
        const attention_item *it = &current.items[i];
        seen_entry *e = &next.items[next.count++];
        snprintf(e->key, sizeof(e->key), "%s", it->key);
        e->first = attention_first_seen(h, it->key, now);
    }
    h->seen = next;
}
