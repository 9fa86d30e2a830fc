/* Every figure shows its age; data that is not from the last attempt is
 * marked stale with the reason, never passed off as current. */
#include <stdio.h>

#include "opsdeck/ui/text.h"
#include "opsdeck/ui/ui.h"

bool ui_source_stale(const host_model *h, source_kind kind)
{
    const source_status *s = &h->status[kind];
    return !s->ok || h->state == HOST_DOWN;
}

theme_role ui_freshness(const host_model *h, source_kind kind, double now, char *buf, size_t size)
{
    const source_status *s = &h->status[kind];
    char age[32];
    fmt_age(model_source_age(h, kind, now), age, sizeof(age));
    const char *why = s->error[0] ? s->error : h->error[0] ? h->error : "";
    if (!s->configured) {
        snprintf(buf, size, "not configured");
        return THEME_DIM;
    }
    if (s->ok && s->has_sample && h->state != HOST_DOWN) {
        snprintf(buf, size, "%s old", age);
        return THEME_OK;
    }
    if (s->has_sample) {
        snprintf(buf, size, "STALE, %s old: %s", age, why[0] ? why : "host down");
        return THEME_STALE;
    }
    if (why[0] || s->last_attempt_at > 0) {
        snprintf(buf, size, "no data: %s", why[0] ? why : "failed");
        return THEME_CRIT;
    }
    snprintf(buf, size, "waiting for the first sample");
    return THEME_DIM;
}
