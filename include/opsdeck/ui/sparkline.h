/* A sparkline: the recent history of a signal in one row of block
 * characters, newest at the right. The scaling is pure and unit-tested;
 * drawing (colour per cell by the signal's thresholds) is in sparkline.c. */
#ifndef OPSDECK_UI_SPARKLINE_H
#define OPSDECK_UI_SPARKLINE_H

#include "opsdeck/model.h"

#define SPARK_LEVELS 8

/* Fills out[0..w-1] with bar heights 1..SPARK_LEVELS for the last w values
 * of h (the newest in out[w-1]), or 0 where there is no value (too little
 * history, NaN, or negative: unknown). Bars are scaled to the largest shown
 * value, or to floor_max when that is larger, so a flat idle line stays
 * low instead of filling the row. A zero is the lowest bar, not a gap. */
void sparkline_heights(const history *h, int w, double floor_max, int *out);

#endif
