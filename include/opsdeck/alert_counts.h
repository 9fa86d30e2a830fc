/* Alerts that count: active or unprocessed, not silenced or inhibited.
 * The model keeps every alert in display order (alerts_parse sorts them);
 * the header counts these per environment and the alerts panel shows only
 * these unless asked for the suppressed ones too. */
#ifndef OPSDECK_ALERT_COUNTS_H
#define OPSDECK_ALERT_COUNTS_H

#include <stdbool.h>

#include "opsdeck/model.h"

/* 0 critical, 1 warning, 2 info, 3 anything else (case aside): the order
 * alerts are shown in. */
int alert_severity_rank(const char *severity);

/* Silenced or inhibited in Alertmanager. */
bool alert_suppressed(const alert_info *a);

typedef struct alert_counts {
    int critical, warning, other; /* alerts not suppressed, by severity */
} alert_counts;

void alert_counts_add(alert_counts *c, const alerts_sample *s);

#endif
