/* Golden signals from a direct scrape, and the value of a PromQL answer. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/numbers.h"
#include "opsdeck/signals/scrape_rates.h"
#include "opsdeck/signals/quantile.h"

#define MAX_BUCKETS 128

typedef struct scan {
    scrape_rates *sr;
    const char *requests;
    char bucket_name[256];
    const char *status_label;
    bool saw_requests;
    double total, errors; /* increases */
    bucket buckets[MAX_BUCKETS];
    size_t nbuckets;
} scan;

static void add_bucket(scan *sc, double le, double inc)
{
    for (size_t i = 0; i < sc->nbuckets; i++) {
        if (sc->buckets[i].le == le) {
            sc->buckets[i].count += inc;
            return;
        }
    }
    if (sc->nbuckets < MAX_BUCKETS)
        sc->buckets[sc->nbuckets++] = (bucket){.le = le, .count = inc};
}

static int on_sample(const prom_sample *s, void *arg)
{
    scan *sc = arg;
    bool req = prom_str_eq(s->name, sc->requests);
    bool bkt = !req && s->has_le && prom_str_eq(s->name, sc->bucket_name);
    if (!req && !bkt)
        return 0;
    const char *key;
    size_t len;
    series_key(s, &key, &len);
    double inc = series_map_update(sc->sr->series, key, len, s->value);
    if (req)
        sc->saw_requests = true;
    if (isnan(inc))
        return 0; /* new series: it counts from the next scrape */
    if (req) {
        sc->total += inc;
        const prom_str *status = prom_label_get(s, sc->status_label);
        if (status && status->len && status->p[0] == '5')
            sc->errors += inc;
    } else {
        add_bucket(sc, s->le, inc);
    }
    return 0;
}

int scrape_rates_update(scrape_rates *sr, const host_config *host, const char *body, size_t len,
                        prom_format format, double now, golden_values *out, char *err,
                        size_t errsize)
{
    *out = (golden_values){NAN, NAN, NAN, NAN, NAN};
    if (!sr->series && !(sr->series = series_map_new())) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    scan sc = {.sr = sr,
               .requests = host->requests_metric ? host->requests_metric : "http_requests_total",
               .status_label = host->status_label ? host->status_label : "status"};
    snprintf(sc.bucket_name, sizeof(sc.bucket_name), "%s_bucket",
             host->duration_metric ? host->duration_metric : "http_request_duration_seconds");
    prom_handlers h = {.sample = on_sample};
    prom_error perr;
    series_map_begin(sr->series);
    int rc = prom_parse(body, len, format, &h, &sc, &perr);
    series_map_end(sr->series);
    if (rc != 0) {
        snprintf(err, errsize, "malformed metrics page, line %d: %s", perr.line, perr.reason);
        sr->last_at = 0; /* the next good scrape primes again */
        return -1;
    }
    if (!sc.saw_requests) {
        snprintf(err, errsize, "no %s in the metrics page", sc.requests);
        return -1;
    }
    double dt = now - sr->last_at;
    bool first = sr->last_at == 0 || dt <= 0;
    sr->last_at = now;
    if (first)
        return 0;
    out->rps = sc.total / dt;
    out->error_ratio = sc.total > 0 ? sc.errors / sc.total : NAN;
    size_t n = buckets_normalise(sc.buckets, sc.nbuckets);
    out->p50_s = histogram_quantile(0.50, sc.buckets, n);
    out->p95_s = histogram_quantile(0.95, sc.buckets, n);
    out->p99_s = histogram_quantile(0.99, sc.buckets, n);
    return 0;
}

int promql_value(const char *body, double *out, char *err, size_t errsize)
{
    json_error_t jerr;
    json_t *root = json_loads(body, 0, &jerr);
    if (!root) {
        snprintf(err, errsize, "not JSON: %s", jerr.text);
        return -1;
    }
    int rc = -1;
    const char *status = json_string_value(json_object_get(root, "status"));
    json_t *data = json_object_get(root, "data");
    const char *type = json_string_value(json_object_get(data, "resultType"));
    json_t *result = json_object_get(data, "result");
    json_t *value = NULL;
    if (!status || strcmp(status, "success") != 0) {
        const char *e = json_string_value(json_object_get(root, "error"));
        snprintf(err, errsize, "query failed: %.300s", e ? e : "no status");
    } else if (type && strcmp(type, "vector") == 0 && json_is_array(result)) {
        if (json_array_size(result) == 0) {
            *out = NAN;
            rc = 0;
        } else {
            value = json_object_get(json_array_get(result, 0), "value");
        }
    } else if (type && strcmp(type, "scalar") == 0) {
        value = result;
    } else {
        snprintf(err, errsize, "unexpected answer (resultType %s)", type ? type : "missing");
    }
    if (value) {
        const char *v = json_string_value(json_array_get(value, 1));
        char *end = NULL;
        if (v)
            *out = num_strtod(v, &end);
        if (!v || end == v || *end) {
            snprintf(err, errsize, "the sample's value is not a number");
        } else {
            rc = 0;
        }
    }
    json_decref(root);
    return rc;
}
