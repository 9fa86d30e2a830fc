/* Table logic without curses: the selection and scroll window of a list,
 * the `/` filter, and fitting columns into a width. Pure, unit-tested. */
#ifndef OPSDECK_UI_TABLE_H
#define OPSDECK_UI_TABLE_H

#include <stdbool.h>
#include <stddef.h>

/* A list of count rows shown height at a time. */
typedef struct table_view {
    int count;    /* rows (after the filter) */
    int height;   /* rows visible */
    int selected; /* 0..count-1, or 0 when empty */
    int top;      /* first visible row */
} table_view;

/* Sets count and height and brings selected and top back in range, keeping
 * the selected row visible. */
void table_fit(table_view *v, int count, int height);
void table_move(table_view *v, int delta); /* j/k, arrows: delta rows */
void table_page(table_view *v, int pages); /* PgDn 1, PgUp -1 */
void table_home(table_view *v);            /* g */
void table_end(table_view *v);             /* G */

/* Navigation keys common to every table (j k arrows g G PgUp PgDn Home
 * End). Returns true when key was one of them. key is a curses key code
 * when is_code, else a character. */
bool table_nav_key(table_view *v, int key, bool is_code);

/* Case-insensitive (ASCII) substring match; an empty needle matches all. */
bool filter_match(const char *haystack, const char *needle);

/* A column: its heading, the narrowest and widest it is useful at, and
 * its priority (0 is always shown; higher numbers go first when space runs
 * out). */
typedef struct column_spec {
    const char *title;
    int min, max;
    int priority;
    bool right; /* right-aligned (numbers) */
} column_spec;

/* Gives each of n columns a width (0: hidden) so that the shown ones with
 * one space between them fit in width. Columns are dropped by priority,
 * then the spare width is shared out evenly up to each column's max.
 * Returns the number of columns shown. */
int layout_columns(const column_spec *cols, int n, int width, int *widths);

#endif
