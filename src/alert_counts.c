/* Alert counts by severity (see alert_counts.h). */
#include "opsdeck/alert_counts.h"

#include <string.h>
#include <strings.h>

int alert_severity_rank(const char *severity)
{
    static const char *const order[] = {"critical", "warning", "info"};
    for (int i = 0; i < 3; i++)
        if (!strcasecmp(severity, order[i]))
            return i;
    return 3;
}

bool alert_suppressed(const alert_info *a)
{
    return strcmp(a->state, "suppressed") == 0;
}

void alert_counts_add(alert_counts *c, const alerts_sample *s)
{
    for (size_t i = 0; i < s->count; i++) {
        const alert_info *a = &s->items[i];
        if (alert_suppressed(a))
            continue;
        switch (alert_severity_rank(a->severity)) {
        case 0:
            c->critical++;
            break;
        case 1:
            c->warning++;
            break;
        default:
            c->other++;
        }
    }
}
