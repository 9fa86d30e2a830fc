/* The snapshot's verdict: its exit status. */
#include "opsdeck/snapshot.h"

#include <string.h>

#include "opsdeck/signals/levels.h"

static bool has_critical_alert(const alerts_sample *a)
{
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->items[i].severity, "critical") == 0 &&
            strcmp(a->items[i].state, "active") == 0)
            return true;
    return false;
}

static bool host_critical(const host_model *h)
{
    if (h->state == HOST_DOWN)
        return true;
    const source_status *st = h->status;
    if (st[SRC_ALERTS].configured && st[SRC_ALERTS].ok && has_critical_alert(&h->alerts))
        return true;
    /* a health check that fails (an error answer, or no answer) is critical */
    if (st[SRC_HEALTH].configured &&
        (!st[SRC_HEALTH].ok || h->health.http_status < 200 || h->health.http_status >= 300))
        return true;
    if (st[SRC_GOLDEN].configured && st[SRC_GOLDEN].ok &&
        golden_worst(&h->golden, &h->config->limits) == LEVEL_CRIT)
        return true;
    if (st[SRC_REDIS].configured && st[SRC_REDIS].ok && redis_memory_level(&h->redis) == LEVEL_CRIT)
        return true;
    return false;
}

int snapshot_status(const fleet_model *m, double now)
{
    (void)now;
    int status = SNAPSHOT_OK;
    for (size_t i = 0; i < m->nhosts; i++) {
        const host_model *h = &m->hosts[i];
        if (host_critical(h))
            return SNAPSHOT_CRITICAL;
        for (int k = 0; k < SRC_COUNT; k++)
            if (h->status[k].configured && !h->status[k].ok)
                status = SNAPSHOT_FAILED;
    }
    return status;
}
