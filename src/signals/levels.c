/* Thresholds applied to the golden signals (see levels.h). */
#include "opsdeck/signals/levels.h"

#include <math.h>

bool signal_known(double value)
{
    return !isnan(value) && value >= 0;
}

signal_level level_of(double value, double warn, double crit)
{
    if (!signal_known(value))
        return LEVEL_UNKNOWN;
    if (value >= crit)
        return LEVEL_CRIT;
    if (value >= warn)
        return LEVEL_WARN;
    return LEVEL_OK;
}

double golden_value(const golden_sample *g, signal_id id)
{
    switch (id) {
    case SIGNAL_RPS:
        return g->rps;
    case SIGNAL_ERRORS:
        return g->error_ratio;
    case SIGNAL_P95:
        return g->latency_p95_s;
    case SIGNAL_CPU:
        return g->cpu_percent;
    case SIGNAL_MEM:
        return g->mem_percent;
    default:
        return NAN;
    }
}

bool signal_thresholds(const thresholds *t, signal_id id, double *warn, double *crit)
{
    switch (id) {
    case SIGNAL_ERRORS:
        *warn = t->error_warn, *crit = t->error_crit;
        return true;
    case SIGNAL_P95:
        *warn = t->p95_warn_s, *crit = t->p95_crit_s;
        return true;
    case SIGNAL_CPU:
        *warn = t->cpu_warn, *crit = t->cpu_crit;
        return true;
    case SIGNAL_MEM:
        *warn = t->mem_warn, *crit = t->mem_crit;
        return true;
    default:
        return false;
    }
}

signal_level golden_level(const golden_sample *g, const thresholds *t, signal_id id)
{
    double warn, crit, v = golden_value(g, id);
    if (!signal_thresholds(t, id, &warn, &crit))
        return signal_known(v) ? LEVEL_OK : LEVEL_UNKNOWN;
    return level_of(v, warn, crit);
}

signal_level golden_worst(const golden_sample *g, const thresholds *t)
{
    signal_level worst = LEVEL_UNKNOWN;
    for (int id = 0; id < SIGNAL_COUNT; id++) {
        signal_level l = golden_level(g, t, (signal_id)id);
        if (l > worst)
            worst = l;
    }
    return worst;
}

signal_level redis_memory_level(const redis_sample *r)
{
    if (r->maxmemory_bytes <= 0 || r->used_memory_bytes < 0)
        return LEVEL_UNKNOWN;
    return level_of((double)r->used_memory_bytes / (double)r->maxmemory_bytes, REDIS_MEM_WARN,
                    REDIS_MEM_CRIT);
}
