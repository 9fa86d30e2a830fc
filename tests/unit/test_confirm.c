/* The confirmation policy, for every environment mode and kind of answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "opsdeck/actions/confirm.h"

static confirm_verdict type(confirm_state *c, const char *s)
{
    confirm_verdict v = CONFIRM_PENDING;
    for (; *s && v == CONFIRM_PENDING; s++)
        v = confirm_key(c, (unsigned char)*s);
    return v;
}

static void yes_mode_accepts_only_y(void **state)
{
    (void)state;
    confirm_state c;
    int refused[] = {
        'Y', 'n', 'x', ' ', CONFIRM_KEY_ENTER, CONFIRM_KEY_ESCAPE, CONFIRM_KEY_BACKSPACE, 0x00e9};
    for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
        confirm_begin(&c, CONFIRM_YES, "staging");
        assert_int_equal(confirm_key(&c, refused[i]), CONFIRM_REFUSED);
    }
    confirm_begin(&c, CONFIRM_YES, "staging");
    assert_int_equal(confirm_key(&c, 'y'), CONFIRM_ACCEPTED);
    char how[32];
    assert_string_equal(confirm_how(&c, how, sizeof(how)), "y");
}

static void typed_mode_needs_the_exact_name_then_enter(void **state)
{
    (void)state;
    confirm_state c;
    confirm_begin(&c, CONFIRM_TYPED, "production");
    assert_int_equal(type(&c, "production"), CONFIRM_PENDING);
    assert_int_equal(confirm_key(&c, CONFIRM_KEY_ENTER), CONFIRM_ACCEPTED);
    char how[32];
    assert_string_equal(confirm_how(&c, how, sizeof(how)), "typed:production");
}

static void typed_mode_refuses_near_misses(void **state)
{
    (void)state;
    const char *wrong[] = {"",           "y", "prod", "Production", "production ", "productionx",
                           " production"};
    for (size_t i = 0; i < sizeof(wrong) / sizeof(*wrong); i++) {
        confirm_state c;
        confirm_begin(&c, CONFIRM_TYPED, "production");
        confirm_verdict v = type(&c, wrong[i]);
        if (v == CONFIRM_PENDING)
            v = confirm_key(&c, CONFIRM_KEY_ENTER);
        assert_int_equal(v, CONFIRM_REFUSED);
    }
}

static void typed_mode_escape_refuses_and_backspace_edits(void **state)
{
    (void)state;
    confirm_state c;
    confirm_begin(&c, CONFIRM_TYPED, "production");
    type(&c, "productiom");
    confirm_key(&c, CONFIRM_KEY_BACKSPACE);
    type(&c, "n");
    assert_int_equal(confirm_key(&c, CONFIRM_KEY_ENTER), CONFIRM_ACCEPTED);

    confirm_begin(&c, CONFIRM_TYPED, "production");
    type(&c, "produc");
    assert_int_equal(confirm_key(&c, CONFIRM_KEY_ESCAPE), CONFIRM_REFUSED);
    /* a control character or non-ASCII key cannot be part of the name */
    confirm_begin(&c, CONFIRM_TYPED, "production");
    assert_int_equal(confirm_key(&c, 0x1b5b), CONFIRM_REFUSED);
}

static void an_answer_is_final(void **state)
{
    (void)state;
    confirm_state c;
    confirm_begin(&c, CONFIRM_YES, "staging");
    assert_int_equal(confirm_key(&c, 'n'), CONFIRM_REFUSED);
    assert_int_equal(confirm_key(&c, 'y'), CONFIRM_REFUSED);
    confirm_begin(&c, CONFIRM_TYPED, "");
    assert_int_equal(confirm_key(&c, CONFIRM_KEY_ENTER), CONFIRM_REFUSED);
}

static void overlong_input_refuses(void **state)
{
    (void)state;
    confirm_state c;
    confirm_begin(&c, CONFIRM_TYPED, "production");
    confirm_verdict v = CONFIRM_PENDING;
    for (int i = 0; i < 200 && v == CONFIRM_PENDING; i++)
        v = confirm_key(&c, 'a');
    assert_int_equal(v, CONFIRM_REFUSED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yes_mode_accepts_only_y),
        cmocka_unit_test(typed_mode_needs_the_exact_name_then_enter),
        cmocka_unit_test(typed_mode_refuses_near_misses),
        cmocka_unit_test(typed_mode_escape_refuses_and_backspace_edits),
        cmocka_unit_test(an_answer_is_final),
        cmocka_unit_test(overlong_input_refuses),
    };
    return cmocka_run_group_tests_name("confirm", tests, NULL, NULL);
}
