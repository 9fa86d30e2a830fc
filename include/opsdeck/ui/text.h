/* Text for cells, without curses: display width of UTF-8 text (wide
 * characters take two columns), clipping to a width, and the short forms
 * of ages and percentages (sizes: bytes.h) the panels show. Pure; depends on the
 * locale being UTF-8 (setlocale in main). */
#ifndef OPSDECK_UI_TEXT_H
#define OPSDECK_UI_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "opsdeck/bytes.h" /* fmt_bytes(), for the panels' size cells */

/* Columns the (valid UTF-8) text takes. */
int text_width(const char *s);
/* How many bytes of s fit in width columns, never cutting a character
 * (a wide character that would straddle the edge is left out). *cols, if
 * not NULL, receives the columns those bytes take. */
size_t text_fit(const char *s, int width, int *cols);

/* "5s", "3m07s", "2h05m", "4d03h"; "-" when seconds < 0 (never). */
const char *fmt_age(double seconds, char *buf, size_t size);
/* "12.5%"; "-" when pct < 0 (unknown). */
const char *fmt_percent(double pct, char *buf, size_t size);

/* JSON text indented for reading (a new heap string); a copy of text as it
 * is when it is not JSON. NULL only when out of memory. */
char *json_pretty(const char *text);

#endif
