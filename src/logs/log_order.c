/* The order of log lines by their docker timestamps (see log_order.h). */
#include "opsdeck/logs/log_order.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#define DATE_TIME_LEN 19 /* YYYY-MM-DDTHH:MM:SS */
#define FRACTION_MAX  9  /* nanoseconds */

static bool starts_with_time(const char *s, size_t len)
{
    if (len < DATE_TIME_LEN + 1 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':')
        return false;
    for (size_t i = 0; i < DATE_TIME_LEN; i++)
        if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && !isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* The fraction's digit i (0 past its end: trailing zeros were dropped) */
static int fraction_digit(const char *s, size_t len, size_t i)
{
    size_t at = DATE_TIME_LEN + 1 + i;
    if (len <= DATE_TIME_LEN || s[DATE_TIME_LEN] != '.')
        return 0;
    for (size_t k = DATE_TIME_LEN + 1; k <= at; k++)
        if (k >= len || !isdigit((unsigned char)s[k]))
            return 0;
    return s[at] - '0';
}

int log_line_time_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    if (!starts_with_time(a, alen) || !starts_with_time(b, blen))
        return 0;
    int c = memcmp(a, b, DATE_TIME_LEN);
    if (c)
        return c;
    for (size_t i = 0; i < FRACTION_MAX; i++) {
        int d = fraction_digit(a, alen, i) - fraction_digit(b, blen, i);
        if (d)
            return d;
    }
    return 0;
}
