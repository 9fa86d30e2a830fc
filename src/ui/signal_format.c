/* Golden signals as the console shows them (see signal_format.h). */
#include "opsdeck/ui/signal_format.h"

#include <stdio.h>

const char *ui_fmt_signal(signal_id id, double v, char *buf, size_t size)
{
    if (!signal_known(v))
        snprintf(buf, size, "-");
    else if (id == SIGNAL_RPS)
        snprintf(buf, size, "%.1f/s", v);
    else if (id == SIGNAL_ERRORS)
        snprintf(buf, size, "%.2f%%", v * 100);
    else if (id == SIGNAL_P95)
        snprintf(buf, size, v < 1 ? "%.0f ms" : "%.2f s", v < 1 ? v * 1000 : v);
    else
        snprintf(buf, size, "%.1f%%", v);
    return buf;
}

const history *golden_history(const golden_sample *g, signal_id id)
{
    switch (id) {
    case SIGNAL_RPS:
        return &g->rps_hist;
    case SIGNAL_ERRORS:
        return &g->error_hist;
    case SIGNAL_P95:
        return &g->p95_hist;
    case SIGNAL_CPU:
        return &g->cpu_hist;
    default:
        return &g->mem_hist;
    }
}

double ui_signal_floor_max(const thresholds *t, signal_id id)
{
    switch (id) {
    case SIGNAL_RPS:
        return 1;
    case SIGNAL_ERRORS:
        return t->error_crit;
    case SIGNAL_P95:
        return t->p95_crit_s;
    default:
        return 100;
    }
}
