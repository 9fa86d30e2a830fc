/* The JSON snapshot, schema version 1 (its contract: opsdeck(1), JSON
 * SNAPSHOT), built with jansson:
 * the header, and per host its state and one object per configured source,
 * whose data the source writes itself (source_ops.write_json, with the
 * pieces of snapshot_fields.h). Strings from hosts go out as they came: a
 * script reading the snapshot gets the data, not a terminal rendering. */
#include "opsdeck/snapshot.h"

#include <jansson.h>
#include <time.h>

#include "opsdeck/sources/source.h"

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

static json_t *host_object(const host_model *h, double now)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(h->config->name));
    json_object_set_new(o, "env", json_string(h->config->env));
    json_object_set_new(o, "state", json_string(host_state_name(h->state)));
    json_object_set_new(o, "error", h->error[0] ? snapshot_remote_string(h->error) : json_null());
    for (int k = 0; k < SRC_COUNT; k++) {
        if (!h->status[k].configured || !source_registry[k])
            continue;
        json_t *src = source_object(h, (source_kind)k, now);
        source_registry[k]->write_json(src, h, h->status[k].ok);
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
