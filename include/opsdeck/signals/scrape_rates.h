/* The golden signals of one host from its own /metrics (direct scrape):
 * traffic as the rate of the requests counter, errors as the share of 5xx
 * in that increase, latency p50/p95/p99 from the increase of the duration
 * histogram's buckets. Increases are per series between two scrapes
 * (series_map), so the first scrape only primes: its values are NaN. */
#ifndef OPSDECK_SIGNALS_SCRAPE_RATES_H
#define OPSDECK_SIGNALS_SCRAPE_RATES_H

#include <stddef.h>

#include "opsdeck/config.h"
#include "opsdeck/parse/prom.h"
#include "opsdeck/signals/series_map.h"

typedef struct golden_values {
    double rps, error_ratio;
    double p50_s, p95_s, p99_s;
} golden_values; /* NaN: unknown */

typedef struct scrape_rates {
    series_map *series;
    double last_at; /* wall time of the last good scrape; 0 none */
} scrape_rates;

/* Takes one scrape (body of len bytes, taken at now). 0 with out set, or -1
 * with err (a malformed page: the line and the reason; the requests metric
 * missing). The metric and label names are host's. */
int scrape_rates_update(scrape_rates *sr, const host_config *host, const char *body, size_t len,
                        prom_format format, double now, golden_values *out, char *err,
                        size_t errsize);

/* The value of a PromQL instant query's answer (Prometheus's JSON): the
 * first sample of a vector or a scalar; NaN when the vector is empty.
 * -1 with err when the answer is an error or not the API's JSON. */
int promql_value(const char *body, double *out, char *err, size_t errsize);

#endif
