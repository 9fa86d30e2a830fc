/* parse/json_pick.c: a few numbers out of a JSON text, as a parsed tree
 * would give them, and the texts that are not JSON refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "opsdeck/parse/json_pick.h"

static const char *const a_b[] = {"a", "b", NULL};
static const char *const a_c[] = {"a", "c", NULL};
static const char *const top_n[] = {"n", NULL};
static const char *const list[] = {"a", "list", NULL};

static int pick(const char *text, json_pick *p, size_t n)
{
    return json_pick_numbers(text, strlen(text), p, n);
}

static void numbers_and_lengths(void **state)
{
    json_pick p[] = {{.path = a_b}, {.path = a_c}, {.path = top_n}, {.path = list}};
    const char text[] =
        " {\"x\":[{\"a\":{\"b\":7}}],\"a\":{\"b\":-1.5e3,\"c\":\"5\",\"list\":[1,[2,3],{},\"x\"]},"
        "\"n\":12345678901234567,\"t\":true,\"f\":false,\"z\":null} \n";
    assert_int_equal(pick(text, p, 4), 1);
    assert_true(p[0].found); /* the one in the array is not on the path */
    assert_true(p[0].value == -1500);
    assert_false(p[1].found); /* a string is not a number */
    assert_true(p[2].found);
    assert_true(p[2].value == 12345678901234567.0);
    assert_false(p[3].found);
    assert_int_equal(p[3].array_len, 4);
}

static void the_last_duplicate_counts(void **state)
{
    json_pick p[] = {{.path = a_b}, {.path = a_c}};
    /* a later "a" replaces the earlier one whole, as in a parsed tree */
    assert_int_equal(pick("{\"a\":{\"b\":1,\"c\":2},\"a\":{\"b\":3}}", p, 2), 1);
    assert_true(p[0].found && p[0].value == 3);
    assert_false(p[1].found);
    assert_int_equal(pick("{\"a\":{\"b\":1},\"a\":7}", p, 2), 1);
    assert_false(p[0].found);
    assert_int_equal(pick("{\"a\":{\"b\":1,\"b\":\"x\"}}", p, 2), 1);
    assert_false(p[0].found);
}

static void escaped_keys_match(void **state)
{
    json_pick p[] = {{.path = a_b}};
    assert_int_equal(pick("{\"\\u0061\":{\"\\u0062\":4}}", p, 1), 1);
    assert_true(p[0].found && p[0].value == 4);
    /* escapes and surrogate pairs are read, not matched byte for byte */
    assert_int_equal(pick("{\"a\\ud83d\\ude00\":{\"b\":1},\"a\":{\"b\\n\":2}}", p, 1), 1);
    assert_false(p[0].found);
}

static void not_json(void **state)
{
    static const char *const bad[] = {
        "",
        "{",
        "{\"a\":}",
        "{\"a\" 1}",
        "{\"a\":1,}",
        "[1,]",
        "{} x",
        "01",
        "1.",
        "-",
        "1e",
        "\"a",
        "\"\\x\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\u12\"",
        "\"a\tb\"",
        "tru",
        "nul",
        "{1:2}",
        "[1 2]",
        "{\"a\":1 \"b\":2}",
    };
    json_pick p[] = {{.path = a_b}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        if (pick(bad[i], p, 1) != -1)
            fail_msg("taken as JSON: %s", bad[i]);
    /* a NUL byte is not JSON either, also right after a number, where
     * jansson 2.14 takes it (found by fuzz/engine_api_fuzz.c) */
    assert_int_equal(json_pick_numbers("{}\0", 3, p, 1), -1);
    assert_int_equal(json_pick_numbers("{\"a\":1\0}", 8, p, 1), -1);
    assert_int_equal(json_pick_numbers("{\"a\":-1.7e37\0}", 14, p, 1), -1);
}

static void other_values(void **state)
{
    json_pick p[] = {{.path = top_n}};
    assert_int_equal(pick("[{\"n\":1}]", p, 1), 0);
    assert_false(p[0].found);
    assert_int_equal(pick("-0.5E+2", p, 1), 0);
    assert_int_equal(pick("\"\\ud83d\\ude00 \\\"\\\\\\/\\b\\f\\n\\r\\t\"", p, 1), 0);
}

static void long_numbers_and_deep_nesting(void **state)
{
    json_pick p[] = {{.path = top_n}};
    char text[700] = "{\"n\":1";
    memset(text + 6, '0', 600);
    strcpy(text + 606, "e-600}");
    assert_int_equal(pick(text, p, 1), 1);
    assert_true(p[0].found && p[0].value == 1.0);
    size_t depth = 2049;
    char *deep = malloc(2 * depth + 1);
    assert_non_null(deep);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    assert_int_equal(pick(deep, p, 1), -1);                  /* past jansson's limit too */
    assert_int_equal(pick(deep + 2, p, 1) == -1 ? 1 : 0, 1); /* unbalanced */
    deep[2 * depth - 1] = '\0';
    assert_int_equal(json_pick_numbers(deep + 1, 2 * (depth - 1), p, 1), 0);
    free(deep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_and_lengths), cmocka_unit_test(the_last_duplicate_counts),
        cmocka_unit_test(escaped_keys_match),  cmocka_unit_test(not_json),
        cmocka_unit_test(other_values),        cmocka_unit_test(long_numbers_and_deep_nesting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
