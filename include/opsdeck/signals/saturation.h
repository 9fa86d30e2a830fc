/* Saturation from a node_exporter page: CPU busy (the share of non-idle
 * time in the increase of node_cpu_seconds_total, so two scrapes are
 * needed), memory used (1 - MemAvailable/MemTotal) and the free share of
 * the root filesystem. */
#ifndef OPSDECK_SIGNALS_SATURATION_H
#define OPSDECK_SIGNALS_SATURATION_H

#include <stddef.h>

#include "opsdeck/parse/prom.h"
#include "opsdeck/signals/series_map.h"

typedef struct saturation {
    double cpu_percent, mem_percent, disk_free_percent; /* < 0: unknown */
} saturation;

typedef struct node_rates {
    series_map *series;
    double last_at;
} node_rates;

/* 0 with out set (what the page does not hold stays < 0), -1 with err. */
int node_rates_update(node_rates *nr, const char *body, size_t len, prom_format format, double now,
                      saturation *out, char *err, size_t errsize);

#endif
