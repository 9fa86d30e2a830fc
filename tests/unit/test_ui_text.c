/* Display widths of UTF-8 text, clipping, and the short formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <locale.h>
#include <string.h>

#include <math.h>
#include <stdlib.h>

#include "opsdeck/ui/sparkline.h"
#include "opsdeck/ui/text.h"

static int setup(void **state)
{
    (void)state;
    return setlocale(LC_ALL, "C.UTF-8") ? 0 : -1;
}

static void widths(void **state)
{
    (void)state;
    assert_int_equal(text_width(""), 0);
    assert_int_equal(text_width("grupo_gad_api"), 13);
    assert_int_equal(text_width("caf\xC3\xA9"), 4);              /* é: one column */
    assert_int_equal(text_width("\xE6\x97\xA5\xE6\x9C\xAC"), 4); /* 日本: two each */
    assert_int_equal(text_width("a\xEF\xBF\xBD"
                                "b"),
                     3); /* U+FFFD */
}

static void clipping_never_cuts_a_character(void **state)
{
    (void)state;
    int cols;
    const char *jp = "\xE6\x97\xA5\xE6\x9C\xAC"
                     "x";                        /* 日本x: 5 columns */
    assert_int_equal(text_fit(jp, 3, &cols), 3); /* 日 fits, 本 would straddle */
    assert_int_equal(cols, 2);
    assert_int_equal(text_fit(jp, 4, &cols), 6);
    assert_int_equal(cols, 4);
    assert_int_equal(text_fit(jp, 99, &cols), 7);
    assert_int_equal(cols, 5);
    assert_int_equal(text_fit("caf\xC3\xA9!", 4, &cols), 5);
    assert_int_equal(cols, 4);
    assert_int_equal(text_fit("abc", 0, &cols), 0);
    assert_int_equal(cols, 0);
}

static void ages(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(fmt_age(-1, b, sizeof(b)), "-");
    assert_string_equal(fmt_age(0.4, b, sizeof(b)), "0s");
    assert_string_equal(fmt_age(59, b, sizeof(b)), "59s");
    assert_string_equal(fmt_age(187, b, sizeof(b)), "3m07s");
    assert_string_equal(fmt_age(7500, b, sizeof(b)), "2h05m");
    assert_string_equal(fmt_age(2 * 86400 + 3 * 3600 + 5, b, sizeof(b)), "2d03h");
}

static void sizes_and_percentages(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(fmt_bytes(-1, b, sizeof(b)), "-");
    assert_string_equal(fmt_bytes(512, b, sizeof(b)), "512B");
    assert_string_equal(fmt_bytes(1536, b, sizeof(b)), "1.5KiB");
    assert_string_equal(fmt_bytes(35 * 1024 * 1024 + 200000, b, sizeof(b)), "35MiB");
    assert_string_equal(fmt_bytes(1288490189LL, b, sizeof(b)), "1.2GiB");
    /* the widest below 1 PiB still fits the 7 columns the panels give sizes */
    assert_string_equal(fmt_bytes((1LL << 50) - 1, b, sizeof(b)), "1024TiB");
    assert_string_equal(fmt_percent(-1, b, sizeof(b)), "-");
    assert_string_equal(fmt_percent(12.345, b, sizeof(b)), "12.3%");
}

static void sparkline_scaling(void **state)
{
    (void)state;
    history h = {0};
    int out[6];
    /* no history: no bars */
    sparkline_heights(&h, 6, 1, out);
    for (int i = 0; i < 6; i++)
        assert_int_equal(out[i], 0);
    /* 0, 5, 10 into 6 cells: right-aligned, scaled to the largest (10) */
    history_push(&h, 0);
    history_push(&h, 5);
    history_push(&h, 10);
    sparkline_heights(&h, 6, 1, out);
    int want[6] = {0, 0, 0, 1, 5, 8}; /* 1 + round(0.5 * 7) = 5 (4.5 rounds up) */
    for (int i = 0; i < 6; i++)
        assert_int_equal(out[i], want[i]);
    /* a floor larger than the values keeps a quiet line low */
    sparkline_heights(&h, 6, 100, out);
    assert_int_equal(out[5], 2); /* 1 + round(0.1 * 7) = 2 */
    assert_int_equal(out[3], 1); /* zero is the lowest bar, not a gap */
    /* unknown values are gaps; only the last w values are shown */
    history_push(&h, NAN);
    history_push(&h, -1);
    sparkline_heights(&h, 3, 1, out);
    assert_int_equal(out[0], 8); /* the 10, now the only known value */
    assert_int_equal(out[1], 0);
    assert_int_equal(out[2], 0);
    /* a ring that wrapped: the newest value is still at the right */
    history big = {0};
    for (int i = 0; i < MODEL_HISTORY_LEN + 7; i++)
        history_push(&big, i == MODEL_HISTORY_LEN + 6 ? 1000 : 1);
    sparkline_heights(&big, 2, 0, out);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], 8);
}

static void json_for_reading(void **state)
{
    (void)state;
    char *p = json_pretty("{\"a\":1,\"b\":\"x\\u001b[31m\"}");
    assert_non_null(p);
    /* the control character stays escaped: the pager never sees a raw ESC */
    assert_string_equal(p, "{\n  \"a\": 1,\n  \"b\": \"x\\u001B[31m\"\n}");
    free(p);
    p = json_pretty("not json <at all>");
    assert_string_equal(p, "not json <at all>");
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(widths),
        cmocka_unit_test(clipping_never_cuts_a_character),
        cmocka_unit_test(ages),
        cmocka_unit_test(sizes_and_percentages),
        cmocka_unit_test(sparkline_scaling),
        cmocka_unit_test(json_for_reading),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
