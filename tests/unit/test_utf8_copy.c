/* utf8_copy: a host string cut to a fixed field never ends in half a
 * character; what fits is copied as it is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "opsdeck/utf8_copy.h"

static void fitting_text_is_copied_whole(void **state)
{
    (void)state;
    char out[16];
    utf8_copy(out, sizeof(out), "caf\xc3\xa9");
    assert_string_equal(out, "caf\xc3\xa9");
    utf8_copy(out, sizeof(out), "");
    assert_string_equal(out, "");
    utf8_copy(out, 6, "abcde"); /* exactly size - 1 bytes */
    assert_string_equal(out, "abcde");
}

static void ascii_is_cut_at_the_size(void **state)
{
    (void)state;
    char out[4];
    utf8_copy(out, sizeof(out), "abcdef");
    assert_string_equal(out, "abc");
    utf8_copy(out, 1, "abc");
    assert_string_equal(out, "");
}

static void a_multibyte_character_at_the_cut_is_left_out(void **state)
{
    (void)state;
    char out[5];
    /* "ab" + U+2713 (3 bytes): 4 bytes fit, the cut falls after the check
     * mark's first byte, and the whole character goes */
    utf8_copy(out, sizeof(out), "ab\xe2\x9c\x93z");
    assert_string_equal(out, "ab");
    /* U+00E9 (2 bytes) ending exactly at the cut stays whole */
    utf8_copy(out, sizeof(out), "ab\xc3\xa9z");
    assert_string_equal(out, "ab\xc3\xa9");
    /* a 4-byte character cut after any of its bytes goes whole */
    for (size_t size = 2; size <= 5; size++) {
        char small[5];
        utf8_copy(small, size, "a\xf0\x9f\x98\x80");
        assert_string_equal(small, "a");
    }
    /* nothing but continuation bytes before the cut: nothing is kept */
    utf8_copy(out, 3, "\xe2\x9c\x93");
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fitting_text_is_copied_whole),
        cmocka_unit_test(ascii_is_cut_at_the_size),
        cmocka_unit_test(a_multibyte_character_at_the_cut_is_left_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
