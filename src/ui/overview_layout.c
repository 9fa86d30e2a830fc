/* The overview's layout rules (see overview_layout.h). */
#include "opsdeck/ui/overview_layout.h"

#include <string.h>

/* Priority 0 stays; higher numbers are dropped first. */
const column_spec overview_host_columns[OV_NCOLS] = {
    [OV_COL_HOST] = {"HOST", 12, 20, 0, false},
    [OV_COL_STATE] = {"STATE", 8, 10, 0, false},
    [OV_COL_RPS] = {"REQ/S", 6, 8, 1, true},
    [OV_COL_RPS_SPARK] = {"", OVERVIEW_SPARK_W, OVERVIEW_SPARK_W, 5, false},
    [OV_COL_ERR] = {"ERR%", 6, 7, 0, true},
    [OV_COL_ERR_SPARK] = {"", OVERVIEW_SPARK_W, OVERVIEW_SPARK_W, 5, false},
    [OV_COL_P95] = {"P95", 6, 7, 0, true},
    [OV_COL_P95_SPARK] = {"", OVERVIEW_SPARK_W, OVERVIEW_SPARK_W, 5, false},
    [OV_COL_CPU] = {"CPU%", 4, 5, 6, true},
    [OV_COL_MEM] = {"MEM%", 4, 5, 6, true},
    [OV_COL_DISK] = {"DISK%", 5, 6, 7, true},
    [OV_COL_CTRS] = {"CTRS", 9, 12, 0, false},
    [OV_COL_PG] = {"PG S/I/B", 8, 9, 2, false},
    [OV_COL_PG_CONN] = {"CONN", 7, 8, 4, true},
    [OV_COL_REDIS_MEM] = {"RMEM%", 5, 6, 7, true},
    [OV_COL_REDIS_HIT] = {"HIT%", 5, 6, 7, true},
    [OV_COL_HEALTH] = {"HEALTH", 6, 11, 0, true},
    [OV_COL_ALERTS] = {"ALERTS", 6, 8, 3, true},
    [OV_COL_AGE] = {"AGE", 5, 6, 1, true},
};

int overview_layout_columns(int cols, int *widths)
{
    return layout_columns(overview_host_columns, OV_NCOLS, cols - 2, widths);
}

static int min_int(int a, int b)
{
    return a < b ? a : b;
}

/* rows of each part, with its title or heading */
typedef struct heights {
    int status, attention, hosts, changes, sources;
} heights;

static int stacked_total(const heights *h, bool side)
{
    int lists =
        side ? (h->attention > h->changes ? h->attention : h->changes) : h->attention + h->changes;
    return h->status + lists + h->hosts + h->sources;
}

/* Takes rows away from the minimums, in the stated order, until they fit. */
static void give_way(heights *h, int rows, bool side)
{
    int *part[] = {&h->sources, &h->changes, &h->hosts, &h->attention, &h->status};
    const int floor[] = {0, 0, 2, 2, 1};
    for (int p = 0; p < 5 && stacked_total(h, side) > rows; p++)
        while (*part[p] > floor[p] && stacked_total(h, side) > rows)
            (*part[p])--;
    /* a title without a line is no use */
    if (h->changes == 1)
        h->changes = 0;
    if (h->sources == 1)
        h->sources = 0;
}

/* Spare rows: attention, hosts, changes, then the sources (when a title
 * and a line fit); what is left, to the changes (more history). Side by
 * side the two lists grow together. */
static void grow(heights *h, int rows, const overview_needs *n, bool side)
{
    int want_att = 1 + (n->attention > 0 ? n->attention : 1);
    int want_changes = 1 + (n->changes > 0 ? n->changes : 1);
    if (side) {
        want_att = want_att > want_changes ? want_att : want_changes;
        h->changes = h->attention = h->attention > h->changes ? h->attention : h->changes;
    }
    while (h->attention < want_att && stacked_total(h, side) < rows) {
        h->attention++;
        if (side)
            h->changes = h->attention;
    }
    while (h->hosts < 1 + n->hosts && stacked_total(h, side) < rows)
        h->hosts++;
    while (!side && h->changes < want_changes && stacked_total(h, side) < rows)
        h->changes++;
    if (n->sources > 0 && stacked_total(h, side) + 2 <= rows)
        h->sources = min_int(1 + n->sources, rows - stacked_total(h, side));
    int spare = rows - stacked_total(h, side);
    if (h->changes > 0)
        h->changes += spare;
    if (side && h->changes > 0)
        h->attention = h->changes;
}

void overview_layout_compute(int y, int x, int rows, int cols, const overview_needs *n,
                             overview_layout *out)
{
    memset(out, 0, sizeof(*out));
    bool side = cols >= OVERVIEW_SIDE_BY_SIDE;
    out->side_by_side = side;
    heights h = {
        .status = n->envs > 0 ? n->envs : 1,
        .attention = 1 + min_int(n->attention > 0 ? n->attention : 1, OVERVIEW_MIN_ATTENTION),
        .hosts = 1 + min_int(n->hosts > 0 ? n->hosts : 1, OVERVIEW_MIN_HOSTS),
        .changes = 1 + min_int(n->changes > 0 ? n->changes : 1, OVERVIEW_MIN_CHANGES),
        .sources = 0,
    };
    if (rows <= 0 || cols <= 0)
        return;
    give_way(&h, rows, side);
    if (stacked_total(&h, side) < rows)
        grow(&h, rows, n, side);
    if (stacked_total(&h, side) > rows) { /* too small for anything but the status */
        h = (heights){.status = min_int(h.status, rows)};
    }
    int row = y;
    out->status = (overview_box){row, x, h.status, cols};
    row += h.status;
    out->hosts = (overview_box){row, x, h.hosts, cols};
    row += h.hosts;
    if (side && h.attention > 0 && h.changes > 0) {
        int left = cols / 2;
        out->attention = (overview_box){row, x, h.attention, left};
        out->changes = (overview_box){row, x + left + 1, h.changes, cols - left - 1};
        row += h.attention > h.changes ? h.attention : h.changes;
    } else {
        out->attention = (overview_box){row, x, h.attention, cols};
        row += h.attention;
        out->changes = (overview_box){row, x, h.changes, cols};
        row += h.changes;
    }
    out->sources = (overview_box){row, x, h.sources, cols};
    if (h.attention == 0)
        out->attention.w = 0;
    if (h.changes == 0)
        out->changes.w = 0;
    if (h.hosts == 0)
        out->hosts.w = 0;
    if (h.sources == 0)
        out->sources.w = 0;
}
