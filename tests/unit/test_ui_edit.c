/* The line editor and the `:` command parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "opsdeck/ui/command.h"
#include "opsdeck/ui/lineedit.h"

static line_result type(line_edit *e, const char *ascii)
{
    line_result r = LINE_EDITING;
    for (; *ascii; ascii++)
        r = line_key(e, (unsigned char)*ascii);
    return r;
}

static void typing_and_backspace(void **state)
{
    (void)state;
    line_edit e;
    line_clear(&e);
    assert_int_equal(type(&e, "env prod"), LINE_EDITING);
    assert_string_equal(e.text, "env prod");
    line_key(&e, LINE_KEY_BACKSPACE);
    assert_string_equal(e.text, "env pro");
    line_key(&e, 0x17); /* Ctrl-W */
    assert_string_equal(e.text, "env ");
    line_key(&e, 0x15); /* Ctrl-U */
    assert_string_equal(e.text, "");
    line_key(&e, LINE_KEY_BACKSPACE); /* on empty: nothing */
    assert_int_equal(e.len, 0);
    assert_int_equal(line_key(&e, LINE_KEY_ENTER), LINE_DONE);
    assert_int_equal(line_key(&e, LINE_KEY_ESCAPE), LINE_CANCELLED);
}

static void wide_characters_are_one_backspace_each(void **state)
{
    (void)state;
    line_edit e;
    line_clear(&e);
    line_key(&e, 'a');
    line_key(&e, 0x00e9);  /* é: 2 bytes */
    line_key(&e, 0x65e5);  /* 日: 3 bytes */
    line_key(&e, 0x1F600); /* an emoji: 4 bytes */
    assert_string_equal(e.text, "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80");
    line_key(&e, LINE_KEY_BACKSPACE);
    assert_string_equal(e.text, "a\xC3\xA9\xE6\x97\xA5");
    line_key(&e, LINE_KEY_BACKSPACE);
    line_key(&e, LINE_KEY_BACKSPACE);
    assert_string_equal(e.text, "a");
}

static void controls_are_ignored_and_length_is_bounded(void **state)
{
    (void)state;
    line_edit e;
    line_clear(&e);
    line_key(&e, 0x1b);
    line_key(&e, 0x07);
    line_key(&e, 0x9b); /* C1 CSI */
    line_key(&e, 0x7f);
    line_key(&e, 0xD800); /* a surrogate */
    line_key(&e, 0x110000);
    assert_int_equal(e.len, 0);
    for (int i = 0; i < 1000; i++)
        line_key(&e, 0x65e5);
    assert_true(e.len < LINE_EDIT_MAX);
    assert_int_equal(e.len % 3, 0); /* never half a character */
    line_wipe(&e);
    assert_int_equal(e.len, 0);
    for (size_t i = 0; i < sizeof(e.text); i++)
        assert_int_equal(e.text[i], 0);
}

static void commands(void **state)
{
    (void)state;
    command c;
    command_parse("env production", &c);
    assert_int_equal(c.kind, CMD_ENV);
    assert_string_equal(c.arg, "production");
    command_parse("  host   prod-api  ", &c);
    assert_int_equal(c.kind, CMD_HOST);
    assert_string_equal(c.arg, "prod-api");
    command_parse("panel containers", &c);
    assert_int_equal(c.kind, CMD_PANEL);
    assert_string_equal(c.arg, "containers");
    command_parse("quit", &c);
    assert_int_equal(c.kind, CMD_QUIT);
    command_parse("q", &c);
    assert_int_equal(c.kind, CMD_QUIT);
    command_parse("help", &c);
    assert_int_equal(c.kind, CMD_HELP);
    command_parse("   ", &c);
    assert_int_equal(c.kind, CMD_NONE);
    command_parse("logs", &c); /* the selected container */
    assert_int_equal(c.kind, CMD_LOGS);
    assert_string_equal(c.arg, "");
    command_parse("logs grupo_gad_api", &c);
    assert_int_equal(c.kind, CMD_LOGS);
    assert_string_equal(c.arg, "grupo_gad_api");
    command_parse("logs a b", &c);
    assert_int_equal(c.kind, CMD_INVALID);
    assert_string_equal(c.message, ":logs takes at most one name");
}

static void bad_commands_say_why(void **state)
{
    (void)state;
    command c;
    command_parse("frobnicate now", &c);
    assert_int_equal(c.kind, CMD_INVALID);
    assert_non_null(strstr(c.message, "unknown command ':frobnicate'"));
    command_parse("env", &c);
    assert_int_equal(c.kind, CMD_INVALID);
    assert_string_equal(c.message, ":env needs a name");
    command_parse("host a b", &c);
    assert_int_equal(c.kind, CMD_INVALID);
    assert_string_equal(c.message, ":host takes one name");
    command_parse("quit now", &c);
    assert_int_equal(c.kind, CMD_INVALID);
    assert_string_equal(c.message, ":quit takes no argument");
    char longname[300];
    memset(longname, 'x', sizeof(longname));
    memcpy(longname, "env ", 4);
    longname[sizeof(longname) - 1] = '\0';
    command_parse(longname, &c);
    assert_int_equal(c.kind, CMD_INVALID);
    assert_string_equal(c.message, ":env: name too long");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(typing_and_backspace),
        cmocka_unit_test(wide_characters_are_one_backspace_each),
        cmocka_unit_test(controls_are_ignored_and_length_is_bounded),
        cmocka_unit_test(commands),
        cmocka_unit_test(bad_commands_say_why),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
