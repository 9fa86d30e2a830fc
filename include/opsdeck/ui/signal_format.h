/* A golden signal as the console shows it: its value in its unit, its
 * history, the smallest full scale of its sparkline. Shared by the signals
 * panel and the overview's table. */
#ifndef OPSDECK_UI_SIGNAL_FORMAT_H
#define OPSDECK_UI_SIGNAL_FORMAT_H

#include <stddef.h>

#include "opsdeck/signals/levels.h"

/* "12.3/s", "1.25%", "812 ms", "1.20 s", "45.0%"; "-" unknown. */
const char *ui_fmt_signal(signal_id id, double v, char *buf, size_t size);
const history *golden_history(const golden_sample *g, signal_id id);
/* A quiet signal's sparkline stays low: its scale is at least this. */
double ui_signal_floor_max(const thresholds *t, signal_id id);

#endif
