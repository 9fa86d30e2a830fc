/* Where the overview's parts go in the panel's area, and which columns of
 * its hosts table are shown. Pure (no curses), unit-tested at 80x24,
 * 120x40 and 200x60.
 *
 * The parts, top to bottom: one status line per environment (the current
 * one first), the hosts table, "Needs attention", "What changed", and the
 * selected host's sources when rows are left. From 160 columns on,
 * attention and changes stand side by side.
 *
 * When rows run short, each part first gets its minimum (status lines;
 * attention's title and up to OVERVIEW_MIN_ATTENTION lines; the table's
 * heading and up to OVERVIEW_MIN_HOSTS hosts; changes' title and up to
 * OVERVIEW_MIN_CHANGES lines), then the spare rows go to attention until
 * it is whole, then to the hosts, then to changes, then to the sources.
 * When even the minimums do not fit they give way in this order: the
 * sources, the changes, the table down to one host, attention down to one
 * line, the other environments' status lines.
 *
 * Columns go by the priorities of overview_host_columns[]: first disk and
 * Redis, then memory and CPU, the sparklines, the Postgres connections,
 * alerts, the Postgres counts, request rate and age; host, state, error
 * ratio, p95, containers and health stay. */
#ifndef OPSDECK_UI_OVERVIEW_LAYOUT_H
#define OPSDECK_UI_OVERVIEW_LAYOUT_H

#include <stdbool.h>

#include "opsdeck/ui/table.h"

#define OVERVIEW_MIN_ATTENTION 5
#define OVERVIEW_MIN_HOSTS     3
#define OVERVIEW_MIN_CHANGES   3
#define OVERVIEW_SIDE_BY_SIDE  160 /* columns from which attention and changes share rows */
#define OVERVIEW_SPARK_W       6   /* cells of a sparkline in the table */

typedef struct overview_box {
    int y, x, h, w; /* h 0: not shown */
} overview_box;

typedef struct overview_layout {
    overview_box status;    /* one line per environment */
    overview_box attention; /* its title, then its lines */
    overview_box hosts;     /* heading, then one row per host */
    overview_box changes;   /* its title, then its lines */
    overview_box sources;   /* the selected host's sources: title, one line each */
    bool side_by_side;
} overview_layout;

/* What there is to show. */
typedef struct overview_needs {
    int envs;      /* status lines wanted (1 + the other environments) */
    int attention; /* items (0: one line says nothing needs attention) */
    int hosts;
    int changes;
    int sources; /* lines of the sources part (0: none) */
} overview_needs;

/* The area is the panel's: y, x of its top left corner, rows, cols. */
void overview_layout_compute(int y, int x, int rows, int cols, const overview_needs *n,
                             overview_layout *out);

enum {
    OV_COL_HOST,
    OV_COL_STATE,
    OV_COL_RPS,
    OV_COL_RPS_SPARK,
    OV_COL_ERR,
    OV_COL_ERR_SPARK,
    OV_COL_P95,
    OV_COL_P95_SPARK,
    OV_COL_CPU,
    OV_COL_MEM,
    OV_COL_DISK,
    OV_COL_CTRS,
    OV_COL_PG,
    OV_COL_PG_CONN,
    OV_COL_REDIS_MEM,
    OV_COL_REDIS_HIT,
    OV_COL_HEALTH,
    OV_COL_ALERTS,
    OV_COL_AGE,
    OV_NCOLS
};

extern const column_spec overview_host_columns[OV_NCOLS];

/* Widths of the table's columns (0: dropped) in cols columns. */
int overview_layout_columns(int cols, int *widths);

#endif
