/* The overview's layout rules at the sizes people use: the classic 80x24
 * of a jump host, 120x40, and a large 200x60. The panel's area is the
 * screen less the header, host and status lines (3 rows). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>

#include "opsdeck/ui/overview_layout.h"

#define CHROME_ROWS 3 /* header, host line, status line */
#define TOP         2

static int bottom(const overview_box *b)
{
    return b->y + b->h;
}

static bool overlap(const overview_box *a, const overview_box *b)
{
    if (a->h == 0 || b->h == 0)
        return false;
    bool rows = a->y < bottom(b) && b->y < bottom(a);
    bool cols = a->x < b->x + b->w && b->x < a->x + a->w;
    return rows && cols;
}

/* every box inside the area and none on another */
static void assert_tidy(const overview_layout *l, int rows, int cols)
{
    const overview_box *boxes[] = {&l->status, &l->attention, &l->hosts, &l->changes, &l->sources};
    for (int i = 0; i < 5; i++) {
        const overview_box *b = boxes[i];
        if (b->h == 0)
            continue;
        assert_true(b->y >= TOP);
        assert_true(bottom(b) <= TOP + rows);
        assert_true(b->x >= 0);
        assert_true(b->x + b->w <= cols);
        for (int j = i + 1; j < 5; j++)
            assert_false(overlap(b, boxes[j]));
    }
}

static void columns_fit(int cols, int *w)
{
    int used = 0, shown = 0;
    overview_layout_columns(cols, w);
    for (int c = 0; c < OV_NCOLS; c++)
        if (w[c]) {
            used += w[c];
            shown++;
        }
    assert_true(used + shown - 1 <= cols - 2); /* one space between, a margin each side */
    /* what always stays */
    assert_true(w[OV_COL_HOST] && w[OV_COL_STATE] && w[OV_COL_ERR] && w[OV_COL_P95]);
    assert_true(w[OV_COL_CTRS] && w[OV_COL_HEALTH]);
}

static void classic_80x24(void **state)
{
    (void)state;
    int rows = 24 - CHROME_ROWS;
    overview_needs n = {.envs = 2, .attention = 7, .hosts = 1, .changes = 12, .sources = 7};
    overview_layout l;
    overview_layout_compute(TOP, 0, rows, 80, &n, &l);
    assert_tidy(&l, rows, 80);
    assert_false(l.side_by_side);
    assert_int_equal(l.status.h, 2);        /* production stays visible */
    assert_int_equal(l.attention.h, 1 + 7); /* every item */
    assert_int_equal(l.hosts.h, 1 + 1);     /* heading and the host */
    assert_true(l.changes.h >= 1 + 3);      /* the rest */
    assert_int_equal(l.sources.h, 0);       /* dropped first: one key away */
    assert_int_equal(bottom(&l.changes), TOP + rows);
    /* a long list keeps its minimum and the others theirs */
    n.attention = 40;
    n.hosts = 6;
    overview_layout_compute(TOP, 0, rows, 80, &n, &l);
    assert_tidy(&l, rows, 80);
    assert_true(l.attention.h >= 1 + OVERVIEW_MIN_ATTENTION);
    assert_true(l.hosts.h >= 1 + OVERVIEW_MIN_HOSTS);
    assert_int_equal(l.changes.h, 1 + OVERVIEW_MIN_CHANGES);
    assert_true(l.attention.y > l.hosts.y); /* the table, then what needs attention */

    int w[OV_NCOLS];
    columns_fit(80, w);
    assert_int_equal(w[OV_COL_RPS_SPARK], 0); /* sparklines are the first to go */
    assert_int_equal(w[OV_COL_ERR_SPARK], 0);
    assert_int_equal(w[OV_COL_REDIS_HIT], 0);
    assert_int_not_equal(w[OV_COL_PG], 0);
    assert_int_not_equal(w[OV_COL_AGE], 0);
}

static void medium_120x40(void **state)
{
    (void)state;
    int rows = 40 - CHROME_ROWS;
    overview_needs n = {.envs = 2, .attention = 9, .hosts = 3, .changes = 40, .sources = 7};
    overview_layout l;
    overview_layout_compute(TOP, 0, rows, 120, &n, &l);
    assert_tidy(&l, rows, 120);
    assert_false(l.side_by_side);
    assert_int_equal(l.attention.h, 1 + 9);
    assert_int_equal(l.hosts.h, 1 + 3);
    assert_int_equal(l.sources.h, 0); /* the changes come first */
    assert_int_equal(bottom(&l.changes), TOP + rows);

    int w[OV_NCOLS];
    columns_fit(120, w);
    assert_int_not_equal(w[OV_COL_ERR_SPARK], 0);
    assert_int_not_equal(w[OV_COL_CPU], 0);
    assert_int_not_equal(w[OV_COL_ALERTS], 0);
    assert_int_equal(w[OV_COL_REDIS_HIT], 0); /* Redis and disk go first */
}

static void large_200x60(void **state)
{
    (void)state;
    int rows = 60 - CHROME_ROWS;
    overview_needs n = {.envs = 2, .attention = 9, .hosts = 4, .changes = 20, .sources = 7};
    overview_layout l;
    overview_layout_compute(TOP, 0, rows, 200, &n, &l);
    assert_tidy(&l, rows, 200);
    assert_true(l.side_by_side);
    assert_int_equal(l.attention.y, l.changes.y); /* side by side */
    assert_int_equal(l.attention.h, l.changes.h);
    assert_true(l.attention.h >= 1 + 20);
    assert_true(l.changes.x >= l.attention.x + l.attention.w);
    assert_int_equal(l.sources.h, 1 + 7); /* the space left shows the sources */

    int w[OV_NCOLS];
    columns_fit(200, w);
    for (int c = 0; c < OV_NCOLS; c++)
        assert_int_not_equal(w[c], 0); /* every column */
}

/* The console's smallest screen still shows the status and what needs
 * attention. */
static void smallest_screen(void **state)
{
    (void)state;
    int rows = 10 - CHROME_ROWS;
    overview_needs n = {.envs = 3, .attention = 12, .hosts = 5, .changes = 9, .sources = 7};
    overview_layout l;
    overview_layout_compute(TOP, 0, rows, 40, &n, &l);
    assert_tidy(&l, rows, 40);
    assert_true(l.status.h >= 1);
    assert_true(l.attention.h >= 2);
    assert_int_equal(l.changes.h, 0); /* the changes give way before the table */
    assert_int_equal(l.hosts.h, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classic_80x24),
        cmocka_unit_test(medium_120x40),
        cmocka_unit_test(large_200x60),
        cmocka_unit_test(smallest_screen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
