/* Table selection and scrolling, the filter, and column layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <curses.h>
#include <string.h>

#include "opsdeck/ui/table.h"

static void selection_stays_in_range_and_visible(void **state)
{
    (void)state;
    table_view v = {0};
    table_fit(&v, 100, 10);
    assert_int_equal(v.selected, 0);
    table_move(&v, 1);
    assert_int_equal(v.selected, 1);
    table_move(&v, -5);
    assert_int_equal(v.selected, 0);
    table_move(&v, 12);
    assert_int_equal(v.selected, 12);
    assert_int_equal(v.top, 3); /* row 12 is the last visible one */
    table_end(&v);
    assert_int_equal(v.selected, 99);
    assert_int_equal(v.top, 90);
    table_move(&v, 1);
    assert_int_equal(v.selected, 99);
    table_home(&v);
    assert_int_equal(v.selected, 0);
    assert_int_equal(v.top, 0);
}

static void pages(void **state)
{
    (void)state;
    table_view v = {0};
    table_fit(&v, 25, 10);
    table_page(&v, 1);
    assert_int_equal(v.selected, 10);
    table_page(&v, 1);
    table_page(&v, 1);
    assert_int_equal(v.selected, 24);
    assert_int_equal(v.top, 15);
    table_page(&v, -1);
    assert_int_equal(v.selected, 14);
    assert_true(v.selected >= v.top && v.selected < v.top + v.height);
}

static void shrinking_list_and_window(void **state)
{
    (void)state;
    table_view v = {0};
    table_fit(&v, 50, 10);
    table_end(&v);
    table_fit(&v, 5, 10); /* the list shrank under the selection */
    assert_int_equal(v.selected, 4);
    assert_int_equal(v.top, 0);
    table_fit(&v, 5, 2); /* the window shrank */
    assert_int_equal(v.selected, 4);
    assert_int_equal(v.top, 3);
    table_fit(&v, 0, 2);
    assert_int_equal(v.selected, 0);
    assert_int_equal(v.top, 0);
    table_move(&v, 1);
    assert_int_equal(v.selected, 0);
    table_fit(&v, 3, 0); /* a window of no rows still has one */
    assert_int_equal(v.height, 1);
}

static void navigation_keys(void **state)
{
    (void)state;
    table_view v = {0};
    table_fit(&v, 30, 10);
    assert_true(table_nav_key(&v, 'j', false));
    assert_true(table_nav_key(&v, KEY_DOWN, true));
    assert_int_equal(v.selected, 2);
    assert_true(table_nav_key(&v, 'k', false));
    assert_int_equal(v.selected, 1);
    assert_true(table_nav_key(&v, 'G', false));
    assert_int_equal(v.selected, 29);
    assert_true(table_nav_key(&v, KEY_PPAGE, true));
    assert_int_equal(v.selected, 19);
    assert_true(table_nav_key(&v, 'g', false));
    assert_int_equal(v.selected, 0);
    assert_true(table_nav_key(&v, KEY_NPAGE, true));
    assert_int_equal(v.selected, 10);
    assert_false(table_nav_key(&v, 'x', false));
    assert_false(table_nav_key(&v, KEY_F(1), true));
    /* 'j' as a key code is not the character j */
    assert_false(table_nav_key(&v, 'j', true));
}

static void filter_is_case_insensitive_substring(void **state)
{
    (void)state;
    assert_true(filter_match("grupo_gad_api", ""));
    assert_true(filter_match("grupo_gad_api", "api"));
    assert_true(filter_match("grupo_gad_API", "gad_a"));
    assert_true(filter_match("Redis", "REDIS"));
    assert_false(filter_match("grupo_gad_api", "db"));
    assert_false(filter_match("ap", "api"));
    assert_false(filter_match("", "x"));
}

static const column_spec cols[] = {
    {"NAME", 10, 30, 0, false}, {"IMAGE", 8, 20, 3, false}, {"STATE", 7, 9, 0, false},
    {"CPU%", 6, 6, 1, true},    {"MEM", 6, 6, 2, true},
};
#define NCOLS ((int)(sizeof(cols) / sizeof(*cols)))

static int total(const int *w)
{
    int t = 0, shown = 0;
    for (int i = 0; i < NCOLS; i++)
        if (w[i]) {
            t += w[i];
            shown++;
        }
    return t + shown - 1;
}

static void columns_grow_to_their_max_when_wide(void **state)
{
    (void)state;
    int w[NCOLS];
    assert_int_equal(layout_columns(cols, NCOLS, 200, w), NCOLS);
    assert_int_equal(w[0], 30);
    assert_int_equal(w[1], 20);
    assert_int_equal(w[2], 9);
    assert_int_equal(w[3], 6);
    assert_int_equal(w[4], 6);
}

static void columns_drop_by_priority_when_narrow(void **state)
{
    (void)state;
    int w[NCOLS];
    /* minimums: 10+8+7+6+6 + 4 spaces = 41 */
    assert_int_equal(layout_columns(cols, NCOLS, 41, w), NCOLS);
    assert_int_equal(total(w), 41);
    assert_int_equal(layout_columns(cols, NCOLS, 40, w), 4);
    assert_int_equal(w[1], 0); /* IMAGE (priority 3) goes first */
    assert_true(total(w) <= 40);
    assert_int_equal(layout_columns(cols, NCOLS, 30, w), 3);
    assert_int_equal(w[4], 0);
    assert_true(total(w) <= 30);
    assert_int_equal(layout_columns(cols, NCOLS, 20, w), 2);
    assert_int_equal(w[3], 0);
    assert_true(w[0] > 0 && w[2] > 0);
    assert_true(total(w) <= 20);
    /* narrower than the must-have columns: squeezed, never wider */
    assert_int_equal(layout_columns(cols, NCOLS, 12, w), 2);
    assert_true(total(w) <= 12);
    assert_true(w[0] >= 1 && w[2] >= 1);
}

static void spare_width_is_shared_evenly(void **state)
{
    (void)state;
    int w[NCOLS];
    /* minimums take 41; 10 spare go round NAME, IMAGE and STATE (CPU and MEM
     * are at their max already), so the first column cannot take it all */
    assert_int_equal(layout_columns(cols, NCOLS, 51, w), NCOLS);
    assert_int_equal(total(w), 51);
    assert_int_equal(w[0], 14);
    assert_int_equal(w[1], 12);
    assert_int_equal(w[2], 9); /* its max */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(selection_stays_in_range_and_visible),
        cmocka_unit_test(pages),
        cmocka_unit_test(shrinking_list_and_window),
        cmocka_unit_test(navigation_keys),
        cmocka_unit_test(filter_is_case_insensitive_substring),
        cmocka_unit_test(columns_grow_to_their_max_when_wide),
        cmocka_unit_test(columns_drop_by_priority_when_narrow),
        cmocka_unit_test(spare_width_is_shared_evenly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
