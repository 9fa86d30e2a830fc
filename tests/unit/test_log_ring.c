/* The log view's ring: 10 000 lines at most, the oldest dropped; memory
 * bounded whatever the lines' length; every line sanitized and cut on a
 * UTF-8 boundary; search forward and backward across the wrap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/logs/log_ring.h"

static void push_str(log_ring *r, const char *s, bool is_stderr)
{
    log_ring_push(r, s, strlen(s), is_stderr);
}

static void lines_keep_their_order_and_stream(void **state)
{
    (void)state;
    log_ring *r = log_ring_new(0);
    assert_non_null(r);
    assert_int_equal(log_ring_first(r), 0);
    assert_int_equal(log_ring_end(r), 0);
    assert_null(log_ring_line(r, 0));
    push_str(r, "one", false);
    push_str(r, "two", true);
    assert_int_equal(log_ring_end(r), 2);
    assert_string_equal(log_ring_line(r, 0)->text, "one");
    assert_false(log_ring_line(r, 0)->is_stderr);
    assert_string_equal(log_ring_line(r, 1)->text, "two");
    assert_true(log_ring_line(r, 1)->is_stderr);
    assert_null(log_ring_line(r, 2));
    log_ring_free(r);
}

static void wraps_at_ten_thousand_lines(void **state)
{
    (void)state;
    log_ring *r = log_ring_new(1000000); /* asked for more: held to the most */
    char line[64];
    for (int i = 0; i < LOG_RING_MAX_LINES + 2500; i++) {
        snprintf(line, sizeof(line), "line %d", i);
        push_str(r, line, false);
    }
    assert_int_equal(log_ring_end(r), LOG_RING_MAX_LINES + 2500);
    assert_int_equal(log_ring_first(r), 2500);
    assert_null(log_ring_line(r, 2499)); /* dropped */
    assert_string_equal(log_ring_line(r, 2500)->text, "line 2500");
    assert_string_equal(log_ring_line(r, LOG_RING_MAX_LINES + 2499)->text, "line 12499");
    log_ring_free(r);
}

static void memory_is_bounded_by_the_line_cap(void **state)
{
    (void)state;
    log_ring *r = log_ring_new(0);
    size_t big = 64 * 1024;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, 'x', big);
    for (int i = 0; i < LOG_RING_MAX_LINES * 2; i++)
        log_ring_push(r, huge, big, i % 2);
    assert_true(log_ring_bytes(r) <= (size_t)LOG_RING_MAX_LINES * (LOG_LINE_MAX + 1));
    assert_true(log_ring_bytes(r) >= (size_t)LOG_RING_MAX_LINES * (LOG_LINE_MAX - 4));
    assert_true(strlen(log_ring_line(r, log_ring_end(r) - 1)->text) <= LOG_LINE_MAX);
    /* short lines after long ones: the count of bytes follows */
    for (int i = 0; i < LOG_RING_MAX_LINES; i++)
        push_str(r, "s", false);
    assert_int_equal(log_ring_bytes(r), (size_t)LOG_RING_MAX_LINES * 2);
    free(huge);
    log_ring_free(r);
}

static void lines_are_sanitized_and_cut_on_a_utf8_boundary(void **state)
{
    (void)state;
    log_ring *r = log_ring_new(10);
    push_str(r, "a\x1b[31mred\x1b]0;title\x07 \xff end", false);
    const char *t = log_ring_line(r, 0)->text;
    assert_null(strchr(t, 0x1b));
    assert_null(strchr(t, 0x07));
    assert_null(strstr(t, "\xff"));
    assert_non_null(strstr(t, "red"));
    /* a line of 3-byte characters longer than the cap */
    char line[LOG_LINE_MAX * 2];
    size_t len = 0;
    while (len + 3 < sizeof(line)) {
        memcpy(line + len, "\xe2\x9c\x93", 3);
        len += 3;
    }
    log_ring_push(r, line, len, false);
    t = log_ring_line(r, 1)->text;
    size_t n = strlen(t);
    assert_true(n <= LOG_LINE_MAX && n > LOG_LINE_MAX - 3);
    assert_int_equal(n % 3, 0); /* whole characters only */
    assert_memory_equal(t + n - 3, "\xe2\x9c\x93", 3);
    log_ring_free(r);
}

static void search_goes_both_ways_across_the_wrap(void **state)
{
    (void)state;
    log_ring *r = log_ring_new(10);
    char line[64];
    /* 25 lines in a ring of 10: 15..24 kept, slots wrapped twice */
    for (int i = 0; i < 25; i++) {
        snprintf(line, sizeof(line), "%s %d", i == 3 || i == 17 || i == 22 ? "MATCH" : "plain", i);
        push_str(r, line, false);
    }
    assert_int_equal(log_ring_first(r), 15);
    /* line 3 held the needle but was dropped: never found */
    assert_int_equal(log_ring_search(r, "match", 15, true), 17);
    assert_int_equal(log_ring_search(r, "match", 17, true), 22);
    assert_int_equal(log_ring_search(r, "match", 22, true), 17); /* round past the end */
    assert_int_equal(log_ring_search(r, "match", 22, false), 17);
    assert_int_equal(log_ring_search(r, "match", 17, false), 22); /* round past the start */
    assert_int_equal(log_ring_search(r, "match", 20, false), 17);
    /* from outside what is kept: the nearest end first */
    assert_int_equal(log_ring_search(r, "match", 0, true), 17);
    assert_int_equal(log_ring_search(r, "match", 1000, false), 22);
    assert_int_equal(log_ring_search(r, "nowhere", 20, true), -1);
    assert_int_equal(log_ring_search(r, "", 20, true), -1);
    /* a single match is found again from itself */
    push_str(r, "ONLY once", false);
    assert_int_equal(log_ring_search(r, "only", 25, true), 25);
    assert_int_equal(log_ring_search(r, "only", 25, false), 25);
    log_ring_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lines_keep_their_order_and_stream),
        cmocka_unit_test(wraps_at_ten_thousand_lines),
        cmocka_unit_test(memory_is_bounded_by_the_line_cap),
        cmocka_unit_test(lines_are_sanitized_and_cut_on_a_utf8_boundary),
        cmocka_unit_test(search_goes_both_ways_across_the_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
