/* The last value of every counter series between two scrapes, so that
 * increases are taken per series (a reset in one series must not hide the
 * traffic of the others, which summing first would do). Keys are the
 * series' raw bytes (name and labels as scraped). Bounded: past
 * SERIES_MAP_MAX series, new ones are not tracked (series_map_full()). */
#ifndef OPSDECK_SIGNALS_SERIES_MAP_H
#define OPSDECK_SIGNALS_SERIES_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "opsdeck/parse/prom.h"

#define SERIES_MAP_MAX 200000

typedef struct series_map series_map;

series_map *series_map_new(void);
void series_map_free(series_map *m);
/* Starts a scrape. */
void series_map_begin(series_map *m);
/* Records cur for the series; returns its increase since the last scrape
 * (counter_increase()), or NaN for a series not seen before. */
double series_map_update(series_map *m, const char *key, size_t len, double cur);
/* Ends a scrape: series it did not see are forgotten. */
void series_map_end(series_map *m);
size_t series_map_count(const series_map *m);
/* A sample's key: its bytes as scraped, from its name to the end of its
 * last label value (one contiguous span of the line). */
void series_key(const prom_sample *s, const char **key, size_t *len);
bool series_map_full(const series_map *m);

#endif
