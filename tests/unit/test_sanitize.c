/* The sanitizer: nothing a host sends may reach the terminal as a control. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "opsdeck/sanitize.h"

static const char *clean(const char *in, sanitize_mode mode)
{
    static char out[256];
    sanitize_text(in, strlen(in), out, sizeof(out), mode);
    return out;
}

static void plain_text_passes_unchanged(void **state)
{
    (void)state;
    assert_string_equal(clean("SELECT 1 FROM t", SANITIZE_ONE_LINE), "SELECT 1 FROM t");
    assert_string_equal(clean("caf\xc3\xa9 \xe2\x9c\x93", SANITIZE_ONE_LINE),
                        "caf\xc3\xa9 \xe2\x9c\x93");
}

static void escape_sequences_are_defused(void **state)
{
    (void)state;
    assert_string_equal(clean("\x1b[31mred\x1b[0m", SANITIZE_ONE_LINE), "^[[31mred^[[0m");
    /* OSC title sequence ended by BEL */
    assert_string_equal(clean("\x1b]0;pwned\x07x", SANITIZE_ONE_LINE), "^[]0;pwned^Gx");
    assert_string_equal(clean("a\x7f"
                              "b",
                              SANITIZE_ONE_LINE),
                        "a^?b");
    assert_null(strchr(clean("\x1b\x1b\x1b", SANITIZE_KEEP_NEWLINES), 0x1b));
}

static void c1_controls_and_bidi_are_replaced(void **state)
{
    (void)state;
    /* U+009B is CSI as a single code point */
    assert_string_equal(clean("a\xc2\x9b"
                              "31m",
                              SANITIZE_ONE_LINE),
                        "a\xef\xbf\xbd"
                        "31m");
    /* U+202E right-to-left override */
    assert_string_equal(clean("x\xe2\x80\xaey", SANITIZE_ONE_LINE), "x\xef\xbf\xbdy");
}

static void invalid_utf8_becomes_replacement(void **state)
{
    (void)state;
    assert_string_equal(clean("a\xff"
                              "b",
                              SANITIZE_ONE_LINE),
                        "a\xef\xbf\xbd"
                        "b");
    /* overlong encoding of '/' */
    assert_string_equal(clean("\xc0\xaf", SANITIZE_ONE_LINE), "\xef\xbf\xbd\xef\xbf\xbd");
    /* UTF-16 surrogate encoded in UTF-8 */
    assert_string_equal(clean("\xed\xa0\x80", SANITIZE_ONE_LINE),
                        "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    /* truncated sequence at the end */
    assert_string_equal(clean("ok\xe2\x9c", SANITIZE_ONE_LINE), "ok\xef\xbf\xbd\xef\xbf\xbd");
}

static void newlines_fold_or_stay(void **state)
{
    (void)state;
    assert_string_equal(clean("SELECT *\n  FROM\tt\r\n", SANITIZE_ONE_LINE), "SELECT * FROM t ");
    assert_string_equal(clean("a\r\nb", SANITIZE_KEEP_NEWLINES), "a\nb");
    assert_string_equal(clean("a\tb", SANITIZE_KEEP_NEWLINES), "a       b");
}

static void output_is_bounded_and_never_splits_utf8(void **state)
{
    (void)state;
    char out[5];
    /* "é" is 2 bytes: "aé" fits (3), a second é (5 with NUL) does not */
    size_t n = sanitize_text("a\xc3\xa9\xc3\xa9", 5, out, sizeof(out), SANITIZE_ONE_LINE);
    assert_int_equal(n, 3);
    assert_string_equal(out, "a\xc3\xa9");
    char tiny[1];
    assert_int_equal(sanitize_text("abc", 3, tiny, 1, SANITIZE_ONE_LINE), 0);
    assert_string_equal(tiny, "");
}

static void embedded_nul_is_shown_not_truncating(void **state)
{
    (void)state;
    char out[16];
    sanitize_text("a\0b", 3, out, sizeof(out), SANITIZE_ONE_LINE);
    assert_string_equal(out, "a^@b");
}

static void dup_allocates_enough_for_worst_case(void **state)
{
    (void)state;
    char in[64];
    memset(in, 0xff, sizeof(in));
    char *out = sanitize_dup(in, sizeof(in), SANITIZE_ONE_LINE);
    assert_non_null(out);
    assert_int_equal(strlen(out), 64 * 3);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_text_passes_unchanged),
        cmocka_unit_test(escape_sequences_are_defused),
        cmocka_unit_test(c1_controls_and_bidi_are_replaced),
        cmocka_unit_test(invalid_utf8_becomes_replacement),
        cmocka_unit_test(newlines_fold_or_stay),
        cmocka_unit_test(output_is_bounded_and_never_splits_utf8),
        cmocka_unit_test(embedded_nul_is_shown_not_truncating),
        cmocka_unit_test(dup_allocates_enough_for_worst_case),
    };
    return cmocka_run_group_tests_name("sanitize", tests, NULL, NULL);
}
