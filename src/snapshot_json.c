/* The JSON snapshot, schema version 1 of DESIGN.md, built with jansson.
 *
 * Strings from hosts go out as they came (jansson escapes them as JSON
 * requires, and refuses invalid UTF-8, which we replace first): a script
 * reading the snapshot gets the data, not a terminal rendering of it. */
#include "opsdeck/snapshot.h"

#include <jansson.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "opsdeck/sanitize.h"

/* jansson rejects invalid UTF-8; a host may send some. Control bytes are
 * legal in JSON strings (escaped), so only the encoding is repaired here. */
json_t *snapshot_remote_string(const char *s)
{
    if (!s)
        return json_null();
    size_t len = strlen(s);
    json_t *j = json_stringn(s, len);
    if (j)
        return j;
    char *fixed = sanitize_dup(s, len, SANITIZE_KEEP_NEWLINES);
    j = json_string(fixed ? fixed : "");
    free(fixed);
    return j;
}

/* A number, or null when unknown (negative or NaN by the model's rules). */
static json_t *maybe_number(double v)
{
    return (isnan(v) || v < 0) ? json_null() : json_real(v);
}

/* A source that is not ok knows no figure: what the model holds is either
 * nothing yet (zeros) or an older sample, and a script must never read
 * "0 requests per second" from a dead source. Its figures, counts and lists
 * are null; ok, error and age_s say what happened. */
static json_t *figure(bool known, double v)
{
    return known ? maybe_number(v) : json_null();
}

static json_t *count(bool known, long long v)
{
    return known ? json_integer(v) : json_null();
}

static json_t *list(bool known, json_t *array)
{
    if (known)
        return array;
    json_decref(array);
    return json_null();
}

static json_t *source_object(const host_model *h, source_kind kind, double now)
{
    const source_status *s = &h->status[kind];
    json_t *o = json_object();
    json_object_set_new(o, "ok", json_boolean(s->ok));
    json_object_set_new(o, "error", s->ok ? json_null() : snapshot_remote_string(s->error));
    double age = model_source_age(h, kind, now);
    json_object_set_new(o, "age_s", age < 0 ? json_null() : json_real(age));
    return o;
}

static void add_containers(json_t *o, const containers_sample *c, bool known)
{
    json_t *items = json_array();
    for (size_t i = 0; i < c->count; i++) {
        const container_info *ci = &c->items[i];
        json_t *it = json_object();
        json_object_set_new(it, "name", snapshot_remote_string(ci->name));
        json_object_set_new(it, "image", snapshot_remote_string(ci->image));
        json_object_set_new(it, "state", snapshot_remote_string(ci->state));
        json_object_set_new(it, "health",
                            ci->health[0] ? snapshot_remote_string(ci->health) : json_null());
        json_object_set_new(it, "status", snapshot_remote_string(ci->status));
        json_object_set_new(it, "restarts", json_integer(ci->restarts));
        json_object_set_new(it, "cpu_percent", maybe_number(ci->cpu_percent));
        json_object_set_new(it, "mem_bytes",
                            ci->mem_bytes < 0 ? json_null() : json_integer(ci->mem_bytes));
        json_array_append_new(items, it);
    }
    json_object_set_new(o, "items", list(known, items));
}

static void add_golden(json_t *o, const golden_sample *g, bool known)
{
    json_object_set_new(o, "source", g->source[0] ? json_string(g->source) : json_null());
    json_object_set_new(o, "rps", figure(known, g->rps));
    json_object_set_new(o, "error_ratio", figure(known, g->error_ratio));
    json_object_set_new(o, "latency_p50_s", figure(known, g->latency_p50_s));
    json_object_set_new(o, "latency_p95_s", figure(known, g->latency_p95_s));
    json_object_set_new(o, "latency_p99_s", figure(known, g->latency_p99_s));
    /* "where known": absent rather than null */
    if (known && g->cpu_percent >= 0)
        json_object_set_new(o, "cpu_percent", json_real(g->cpu_percent));
    if (known && g->mem_percent >= 0)
        json_object_set_new(o, "mem_percent", json_real(g->mem_percent));
    if (known && g->disk_free_percent >= 0)
        json_object_set_new(o, "disk_free_percent", json_real(g->disk_free_percent));
}

static void add_health(json_t *o, const health_sample *h, bool known)
{
    /* a 503 is an answer (ok, with its status); no answer knows nothing */
    json_object_set_new(o, "http_status",
                        known && h->http_status ? json_integer(h->http_status) : json_null());
    json_object_set_new(o, "latency_s", figure(known, h->latency_s));
    json_t *body = NULL;
    if (known && h->body) {
        json_error_t err;
        body = json_loads(h->body, JSON_DECODE_ANY, &err);
        if (!body)
            body = snapshot_remote_string(h->body);
    }
    json_object_set_new(o, "body", body ? body : json_null());
}

static void add_ws(json_t *o, const ws_sample *w, bool known)
{
    json_object_set_new(o, "active_connections", figure(known, w->active_connections));
    json_object_set_new(o, "total_messages_sent", figure(known, w->total_messages_sent));
    json_object_set_new(o, "total_broadcasts", figure(known, w->total_broadcasts));
    json_object_set_new(o, "last_broadcast_at",
                        known && w->last_broadcast_at[0]
                            ? snapshot_remote_string(w->last_broadcast_at)
                            : json_null());
    json_object_set_new(o, "messages_per_s", figure(known, w->messages_per_s));
}

/* labels_json was produced by us from the alert; fall back to text. */
static json_t *embedded_json(const char *text)
{
    if (!text)
        return json_object();
    json_error_t err;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &err);
    return j ? j : snapshot_remote_string(text);
}

static void add_alerts(json_t *o, const alerts_sample *a, bool known)
{
    json_t *items = json_array();
    for (size_t i = 0; i < a->count; i++) {
        const alert_info *ai = &a->items[i];
        json_t *it = json_object();
        json_object_set_new(it, "name", snapshot_remote_string(ai->name));
        json_object_set_new(it, "severity", snapshot_remote_string(ai->severity));
        json_object_set_new(it, "state", snapshot_remote_string(ai->state));
        json_object_set_new(it, "starts_at", snapshot_remote_string(ai->starts_at));
        json_object_set_new(it, "summary", snapshot_remote_string(ai->summary));
        json_object_set_new(it, "labels", embedded_json(ai->labels_json));
        json_array_append_new(items, it);
    }
    json_object_set_new(o, "items", list(known, items));
}

static json_t *backends_array(const pg_backend *b, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_object();
        json_object_set_new(it, "pid", json_integer(b[i].pid));
        json_object_set_new(it, "user", snapshot_remote_string(b[i].user));
        json_object_set_new(it, "database", snapshot_remote_string(b[i].database));
        json_object_set_new(it, "application", snapshot_remote_string(b[i].application));
        json_object_set_new(it, "state", snapshot_remote_string(b[i].state));
        json_object_set_new(it, "wait_event",
                            b[i].wait_event[0] ? snapshot_remote_string(b[i].wait_event)
                                               : json_null());
        json_object_set_new(it, "seconds", json_real(b[i].seconds));
        json_object_set_new(it, "query", snapshot_remote_string(b[i].query));
        json_t *blockers = json_array();
        for (size_t k = 0; k < b[i].nblocked_by; k++)
            json_array_append_new(blockers, json_integer(b[i].blocked_by[k]));
        json_object_set_new(it, "blocked_by", blockers);
        json_array_append_new(arr, it);
    }
    return arr;
}

static void add_postgres(json_t *o, const postgres_sample *p, bool known)
{
    json_object_set_new(o, "server_version",
                        known && p->server_version[0] ? snapshot_remote_string(p->server_version)
                                                      : json_null());
    json_t *c = json_object();
    json_object_set_new(c, "total", count(known, p->conn_total));
    json_object_set_new(c, "max", count(known, p->conn_max));
    json_object_set_new(c, "active", count(known, p->conn_active));
    json_object_set_new(c, "idle", count(known, p->conn_idle));
    json_object_set_new(c, "idle_in_transaction", count(known, p->conn_idle_in_txn));
    json_object_set_new(o, "connections", c);
    json_object_set_new(o, "slow_queries", list(known, backends_array(p->slow, p->nslow)));
    json_object_set_new(o, "idle_in_transaction",
                        list(known, backends_array(p->idle_in_txn, p->nidle_in_txn)));
    json_object_set_new(o, "database_size_bytes", count(known, p->database_size_bytes));
}

static void add_redis(json_t *o, const redis_sample *r, bool known)
{
    json_object_set_new(o, "version",
                        known && r->version[0] ? snapshot_remote_string(r->version) : json_null());
    json_object_set_new(o, "used_memory_bytes", count(known, r->used_memory_bytes));
    json_object_set_new(o, "maxmemory_bytes", count(known, r->maxmemory_bytes));
    json_object_set_new(o, "connected_clients", count(known, r->connected_clients));
    json_object_set_new(o, "ops_per_sec", figure(known, r->ops_per_sec));
    json_object_set_new(o, "hit_ratio", figure(known, r->hit_ratio));
    json_object_set_new(o, "evicted_keys", count(known, r->evicted_keys));
    json_object_set_new(o, "keys", count(known, r->keys));
}

static void add_source_data(json_t *o, const host_model *h, source_kind kind)
{
    bool known = h->status[kind].ok;
    switch (kind) {
    case SRC_CONTAINERS:
        add_containers(o, &h->containers, known);
        break;
    case SRC_GOLDEN:
        add_golden(o, &h->golden, known);
        break;
    case SRC_HEALTH:
        add_health(o, &h->health, known);
        break;
    case SRC_WS:
        add_ws(o, &h->ws, known);
        break;
    case SRC_ALERTS:
        add_alerts(o, &h->alerts, known);
        break;
    case SRC_POSTGRES:
        add_postgres(o, &h->postgres, known);
        break;
    case SRC_REDIS:
        add_redis(o, &h->redis, known);
        break;
    case SRC_COUNT:
        break;
    }
}

static json_t *host_object(const host_model *h, double now)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(h->config->name));
    json_object_set_new(o, "env", json_string(h->config->env));
    json_object_set_new(o, "state", json_string(host_state_name(h->state)));
    json_object_set_new(o, "error", h->error[0] ? snapshot_remote_string(h->error) : json_null());
    for (int k = 0; k < SRC_COUNT; k++) {
        if (!h->status[k].configured)
            continue;
        json_t *src = source_object(h, (source_kind)k, now);
        add_source_data(src, h, (source_kind)k);
        json_object_set_new(o, source_kind_name((source_kind)k), src);
    }
    return o;
}

static void rfc3339(double t, char *buf, size_t size)
{
    time_t secs = (time_t)t;
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int snapshot_write_json(const fleet_model *m, int interval_s, double taken_at, FILE *out)
{
    char when[32];
    rfc3339(taken_at, when, sizeof(when));
    json_t *root = json_object();
    json_object_set_new(root, "opsdeck", json_string(OPSDECK_VERSION));
    json_object_set_new(root, "taken_at", json_string(when));
    json_object_set_new(root, "interval_s", json_integer(interval_s));
    json_t *hosts = json_array();
    for (size_t i = 0; i < m->nhosts; i++)
        json_array_append_new(hosts, host_object(&m->hosts[i], taken_at));
    json_object_set_new(root, "hosts", hosts);
    json_object_set_new(root, "attention", snapshot_attention_json(m, taken_at));
    json_object_set_new(root, "changes", snapshot_changes_json(m));
    int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    fputc('\n', out);
    json_decref(root);
    return rc == 0 && !ferror(out) ? 0 : -1;
}
