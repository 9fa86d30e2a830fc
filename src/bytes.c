/* Sizes for a person (bytes.h). */
#include "opsdeck/bytes.h"

#include <stdio.h>

const char *fmt_bytes(int64_t bytes, char *buf, size_t size)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    if (bytes < 0) {
        snprintf(buf, size, "-");
        return buf;
    }
    if (bytes < 1024) {
        snprintf(buf, size, "%dB", (int)bytes);
        return buf;
    }
    double v = (double)bytes / 1024;
    size_t u = 0;
    while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024;
        u++;
    }
    snprintf(buf, size, v < 10 ? "%.1f%s" : "%.0f%s", v, units[u]);
    return buf;
}
