/* Table selection, filter and column layout. See include/opsdeck/ui/table.h. */
#include "opsdeck/ui/table.h"

#include <ctype.h>
#include <curses.h>
#include <string.h>

void table_fit(table_view *v, int count, int height)
{
    v->count = count < 0 ? 0 : count;
    v->height = height < 1 ? 1 : height;
    if (v->selected >= v->count)
        v->selected = v->count - 1;
    if (v->selected < 0)
        v->selected = 0;
    if (v->top > v->selected)
        v->top = v->selected;
    if (v->selected >= v->top + v->height)
        v->top = v->selected - v->height + 1;
    /* no empty space below the last row when rows could fill it */
    if (v->top > v->count - v->height)
        v->top = v->count - v->height;
    if (v->top < 0)
        v->top = 0;
}

void table_move(table_view *v, int delta)
{
    v->selected += delta;
    table_fit(v, v->count, v->height);
}

void table_page(table_view *v, int pages)
{
    table_move(v, pages * v->height);
}

void table_home(table_view *v)
{
    v->selected = 0;
    table_fit(v, v->count, v->height);
}

void table_end(table_view *v)
{
    v->selected = v->count - 1;
    table_fit(v, v->count, v->height);
}

bool table_nav_key(table_view *v, int key, bool is_code)
{
    if (!is_code) {
        switch (key) {
        case 'j':
            table_move(v, 1);
            return true;
        case 'k':
            table_move(v, -1);
            return true;
        case 'g':
            table_home(v);
            return true;
        case 'G':
            table_end(v);
            return true;
        default:
            return false;
        }
    }
    switch (key) {
    case KEY_DOWN:
        table_move(v, 1);
        return true;
    case KEY_UP:
        table_move(v, -1);
        return true;
    case KEY_NPAGE:
        table_page(v, 1);
        return true;
    case KEY_PPAGE:
        table_page(v, -1);
        return true;
    case KEY_HOME:
        table_home(v);
        return true;
    case KEY_END:
        table_end(v);
        return true;
    default:
        return false;
    }
}

bool filter_match(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return true;
    for (const char *h = haystack; *h; h++) {
        size_t i = 0;
        while (i < n && h[i] && tolower((unsigned char)h[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

static int shown_width(const column_spec *cols, int n, const int *widths)
{
    int total = 0, shown = 0;
    for (int i = 0; i < n; i++) {
        if (widths[i] > 0) {
            total += widths[i];
            shown++;
        }
    }
    return total + (shown > 1 ? shown - 1 : 0);
}

/* The shown column with the highest priority number (the first to go), or
 * -1 when only priority-0 columns are left. */
static int next_to_drop(const column_spec *cols, int n, const int *widths)
{
    int worst = -1;
    for (int i = 0; i < n; i++)
        if (widths[i] > 0 && cols[i].priority > 0 &&
            (worst < 0 || cols[i].priority >= cols[worst].priority))
            worst = i;
    return worst;
}

int layout_columns(const column_spec *cols, int n, int width, int *widths)
{
    for (int i = 0; i < n; i++)
        widths[i] = cols[i].min > 0 ? cols[i].min : 1;
    while (shown_width(cols, n, widths) > width) {
        int drop = next_to_drop(cols, n, widths);
        if (drop < 0)
            break;
        widths[drop] = 0;
    }
    /* priority-0 columns that still do not fit are squeezed, last first */
    for (int i = n - 1; i >= 0 && shown_width(cols, n, widths) > width; i--) {
        if (widths[i] == 0)
            continue;
        int over = shown_width(cols, n, widths) - width;
        widths[i] = widths[i] - over > 1 ? widths[i] - over : 1;
    }
    /* the spare width goes round the columns one at a time, so a wide
     * first column does not starve the others */
    int spare = width - shown_width(cols, n, widths);
    bool grew = true;
    while (spare > 0 && grew) {
        grew = false;
        for (int i = 0; i < n && spare > 0; i++) {
            if (widths[i] > 0 && widths[i] < cols[i].max) {
                widths[i]++;
                spare--;
                grew = true;
            }
        }
    }
    int shown = 0;
    for (int i = 0; i < n; i++)
        shown += widths[i] > 0;
    return shown;
}
