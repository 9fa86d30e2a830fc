/* Log lines ordered by docker's timestamps, the fraction's dropped
 * trailing zeros included; lines without one keep their order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "opsdeck/logs/log_order.h"

static int cmp(const char *a, const char *b)
{
    int c = log_line_time_cmp(a, strlen(a), b, strlen(b));
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}

static void orders_by_time(void **state)
{
    (void)state;
    assert_int_equal(cmp("2026-12-02T22:54:44.1Z a", "2026-12-02T22:54:45.0Z b"), -1);
    assert_int_equal(cmp("2026-12-02T22:54:45Z b", "2026-12-02T22:54:44.9Z a"), 1);
    assert_int_equal(cmp("2026-12-01T23:59:59.9Z a", "2026-12-02T00:00:00Z b"), -1);
    assert_int_equal(cmp("2026-12-02T22:54:44.5Z x", "2026-12-02T22:54:44.5Z y"), 0);
}

static void dropped_trailing_zeros_compare_as_zeros(void **state)
{
    (void)state;
    /* .98074216 is .980742160: before .980742165, though longer text sorts after */
    assert_int_equal(cmp("2026-12-02T22:54:44.98074216Z a", "2026-12-02T22:54:44.980742165Z b"),
                     -1);
    assert_int_equal(cmp("2026-12-02T22:54:44.5Z a", "2026-12-02T22:54:44.500000000Z b"), 0);
    assert_int_equal(cmp("2026-12-02T22:54:44Z a", "2026-12-02T22:54:44.000000001Z b"), -1);
}

static void lines_without_a_time_are_equal(void **state)
{
    (void)state;
    assert_int_equal(cmp("api-1  | hello", "2026-12-02T22:54:44Z b"), 0);
    assert_int_equal(cmp("2026-12-02T22:54:44Z b", ""), 0);
    assert_int_equal(cmp("2026-12-02 22:54:44 not rfc3339", "2026-12-02T22:54:44Z b"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(orders_by_time),
        cmocka_unit_test(dropped_trailing_zeros_compare_as_zeros),
        cmocka_unit_test(lines_without_a_time_are_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
