/* Display width, clipping and short formats. See include/opsdeck/ui/text.h. */
#include "opsdeck/ui/text.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Decodes one character; returns its byte length (1 for a byte the locale
 * cannot decode, shown as one column) and its width in columns. */
static size_t next_char(const char *s, size_t avail, int *width)
{
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    wchar_t wc;
    size_t n = mbrtowc(&wc, s, avail, &st);
    if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
        *width = 1;
        return 1;
    }
    int w = wcwidth(wc);
    *width = w < 0 ? 1 : w;
    return n;
}

int text_width(const char *s)
{
    int cols;
    text_fit(s, 1 << 30, &cols);
    return cols;
}

size_t text_fit(const char *s, int width, int *cols)
{
    size_t len = strlen(s), pos = 0;
    int used = 0;
    while (pos < len) {
        int w;
        size_t n = next_char(s + pos, len - pos, &w);
        if (used + w > width)
            break;
        used += w;
        pos += n;
    }
    if (cols)
        *cols = used;
    return pos;
}

const char *fmt_age(double seconds, char *buf, size_t size)
{
    if (seconds < 0) {
        snprintf(buf, size, "-");
        return buf;
    }
    long s = (long)seconds;
    if (s < 60)
        snprintf(buf, size, "%lds", s);
    else if (s < 3600)
        snprintf(buf, size, "%ldm%02lds", s / 60, s % 60);
    else if (s < 86400)
        snprintf(buf, size, "%ldh%02ldm", s / 3600, s % 3600 / 60);
    else
        snprintf(buf, size, "%ldd%02ldh", s / 86400, s % 86400 / 3600);
    return buf;
}

const char *fmt_percent(double pct, char *buf, size_t size)
{
    if (pct < 0)
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%.1f%%", pct);
    return buf;
}

char *json_pretty(const char *text)
{
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    char *out =
        j ? json_dumps(j, JSON_INDENT(2) | JSON_ENCODE_ANY | JSON_REAL_PRECISION(12)) : NULL;
    json_decref(j);
    return out ? out : strdup(text);
}
