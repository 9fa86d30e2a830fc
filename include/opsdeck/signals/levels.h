/* Where a signal stands against its warn/critical pair. One definition for
 * the console's colours and the snapshot's exit status, so the two never
 * disagree about what is critical. */
#ifndef OPSDECK_SIGNALS_LEVELS_H
#define OPSDECK_SIGNALS_LEVELS_H

#include "opsdeck/config.h"
#include "opsdeck/model.h"

typedef enum { LEVEL_UNKNOWN, LEVEL_OK, LEVEL_WARN, LEVEL_CRIT } signal_level;

/* The golden signals that have thresholds, and traffic, which has none. */
typedef enum {
    SIGNAL_RPS,
    SIGNAL_ERRORS, /* error ratio, 0..1 */
    SIGNAL_P95,    /* seconds */
    SIGNAL_CPU,    /* percent */
    SIGNAL_MEM,    /* percent */
    SIGNAL_COUNT
} signal_id;

/* The model's figures are NaN or negative when unknown. */
bool signal_known(double value);

/* At or past crit is critical, at or past warn a warning. A value that is
 * NaN or negative (the model's "unknown") is LEVEL_UNKNOWN. */
signal_level level_of(double value, double warn, double crit);

/* The current value of one signal of a sample (NaN or < 0: unknown). */
double golden_value(const golden_sample *g, signal_id id);
/* Its thresholds; false for a signal without any (traffic). */
bool signal_thresholds(const thresholds *t, signal_id id, double *warn, double *crit);
signal_level golden_level(const golden_sample *g, const thresholds *t, signal_id id);
/* The worst level among the sample's signals. */
signal_level golden_worst(const golden_sample *g, const thresholds *t);

/* Redis memory against maxmemory (used / max): near it, keys are evicted
 * or writes refused. Fixed fractions, not per-host options (yet). */
#define REDIS_MEM_WARN 0.80
#define REDIS_MEM_CRIT 0.95
/* Its level; LEVEL_UNKNOWN without a maxmemory (0: no limit). */
signal_level redis_memory_level(const redis_sample *r);

#endif
