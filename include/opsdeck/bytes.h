/* The one way a size in bytes is written for a person, on screen and in the
 * text snapshot: IEC units, one decimal below 10 ("512B", "1.5KiB",
 * "35MiB", "1.2GiB"). At most 7 columns for anything below 1 PiB, which
 * the panels' size columns are made to hold. */
#ifndef OPSDECK_BYTES_H
#define OPSDECK_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* Writes bytes into buf (size bytes) and returns buf; "-" when bytes < 0
 * (the model's "unknown"). */
const char *fmt_bytes(int64_t bytes, char *buf, size_t size);

#endif
