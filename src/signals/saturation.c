/* Saturation from node_exporter's metrics (see signals/saturation.h). */
#include <math.h>
#include <stdio.h>

#include "opsdeck/signals/saturation.h"

typedef struct node_scan {
    node_rates *nr;
    double idle, busy_total; /* increases of node_cpu_seconds_total */
    double mem_avail, mem_total;
    double fs_avail, fs_size;
} node_scan;

static int on_node_sample(const prom_sample *s, void *arg)
{
    node_scan *ns = arg;
    if (prom_str_eq(s->name, "node_cpu_seconds_total")) {
        const prom_str *mode = prom_label_get(s, "mode");
        const char *key;
        size_t klen;
        series_key(s, &key, &klen);
        double inc = series_map_update(ns->nr->series, key, klen, s->value);
        if (isnan(inc))
            return 0;
        ns->busy_total += inc;
        if (mode && prom_str_eq(*mode, "idle"))
            ns->idle += inc;
    } else if (prom_str_eq(s->name, "node_memory_MemAvailable_bytes")) {
        ns->mem_avail = s->value;
    } else if (prom_str_eq(s->name, "node_memory_MemTotal_bytes")) {
        ns->mem_total = s->value;
    } else if (prom_str_eq(s->name, "node_filesystem_avail_bytes") ||
               prom_str_eq(s->name, "node_filesystem_size_bytes")) {
        const prom_str *mp = prom_label_get(s, "mountpoint");
        if (mp && prom_str_eq(*mp, "/")) {
            if (s->name.len == sizeof("node_filesystem_avail_bytes") - 1 &&
                prom_str_eq(s->name, "node_filesystem_avail_bytes"))
                ns->fs_avail = s->value;
            else
                ns->fs_size = s->value;
        }
    }
    return 0;
}

int node_rates_update(node_rates *nr, const char *body, size_t len, prom_format format, double now,
                      saturation *out, char *err, size_t errsize)
{
    *out = (saturation){-1, -1, -1};
    if (!nr->series && !(nr->series = series_map_new())) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    node_scan ns = {.nr = nr, .mem_avail = NAN, .mem_total = NAN, .fs_avail = NAN, .fs_size = NAN};
    prom_handlers h = {.sample = on_node_sample};
    prom_error perr;
    series_map_begin(nr->series);
    int rc = prom_parse(body, len, format, &h, &ns, &perr);
    series_map_end(nr->series);
    if (rc != 0) {
        snprintf(err, errsize, "malformed page, line %d: %s", perr.line, perr.reason);
        nr->last_at = 0;
        return -1;
    }
    bool first = nr->last_at == 0;
    nr->last_at = now;
    if (!first && ns.busy_total > 0)
        out->cpu_percent = 100.0 * (1.0 - ns.idle / ns.busy_total);
    if (ns.mem_total > 0 && !isnan(ns.mem_avail))
        out->mem_percent = 100.0 * (1.0 - ns.mem_avail / ns.mem_total);
    if (ns.fs_size > 0 && !isnan(ns.fs_avail))
        out->disk_free_percent = 100.0 * ns.fs_avail / ns.fs_size;
    return 0;
}
