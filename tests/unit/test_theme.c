/* Theme files: styles, roles, errors that name FILE:LINE, mono, and the
 * shipped themes all parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opsdeck/ui/theme.h"

static int parse(theme *t, const char *text, char *err, size_t size)
{
    theme_builtin_default(t);
    return theme_parse(t, text, strlen(text), "t.theme", err, size);
}

static void style_with_colours_and_attributes(void **state)
{
    (void)state;
    theme_style s;
    char err[128];
    assert_int_equal(theme_parse_style("white on red bold", &s, err, sizeof(err)), 0);
    assert_int_equal(s.fg, 7);
    assert_int_equal(s.bg, 1);
    assert_int_equal(s.attrs, THEME_ATTR_BOLD);
    assert_int_equal(theme_parse_style("reverse", &s, err, sizeof(err)), 0);
    assert_int_equal(s.fg, THEME_COLOR_DEFAULT);
    assert_int_equal(s.bg, THEME_COLOR_DEFAULT);
    assert_int_equal(s.attrs, THEME_ATTR_REVERSE);
    assert_int_equal(theme_parse_style("on bright-blue underline dim", &s, err, sizeof(err)), 0);
    assert_int_equal(s.fg, THEME_COLOR_DEFAULT);
    assert_int_equal(s.bg, 12);
    assert_int_equal(s.attrs, THEME_ATTR_UNDERLINE | THEME_ATTR_DIM);
    assert_int_equal(theme_parse_style("208 on 16", &s, err, sizeof(err)), 0);
    assert_int_equal(s.fg, 208);
    assert_int_equal(s.bg, 16);
    assert_int_equal(theme_parse_style("GREEN", &s, err, sizeof(err)), 0);
    assert_int_equal(s.fg, 2);
}

static void bad_styles_say_why(void **state)
{
    (void)state;
    theme_style s;
    char err[128];
    assert_int_equal(theme_parse_style("white on", &s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "on"));
    assert_int_equal(theme_parse_style("purple", &s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "purple"));
    assert_int_equal(theme_parse_style("256", &s, err, sizeof(err)), -1);
    assert_int_equal(theme_parse_style("bright-7", &s, err, sizeof(err)), -1);
    assert_int_equal(theme_parse_style("", &s, err, sizeof(err)), -1);
    assert_int_equal(theme_parse_style("red blink", &s, err, sizeof(err)), -1);
}

static void file_sets_roles_and_keeps_the_rest(void **state)
{
    (void)state;
    theme t, def;
    char err[128] = "";
    theme_builtin_default(&def);
    assert_int_equal(parse(&t,
                           "# a comment\n"
                           "\n"
                           "  production = yellow on black bold  ; why not\n"
                           "selected=reverse\n"
                           "ok = 34",
                           err, sizeof(err)),
                     0);
    assert_int_equal(t.roles[THEME_PRODUCTION].fg, 3);
    assert_int_equal(t.roles[THEME_PRODUCTION].bg, 0);
    assert_int_equal(t.roles[THEME_PRODUCTION].attrs, THEME_ATTR_BOLD);
    assert_int_equal(t.roles[THEME_SELECTED].attrs, THEME_ATTR_REVERSE);
    assert_int_equal(t.roles[THEME_OK].fg, 34);
    assert_memory_equal(&t.roles[THEME_HEADER], &def.roles[THEME_HEADER], sizeof(theme_style));
}

static void errors_name_file_and_line(void **state)
{
    (void)state;
    theme t;
    char err[256];
    assert_int_equal(parse(&t, "ok = green\n\nwarp = red\n", err, sizeof(err)), -1);
    assert_string_equal(err, "t.theme:3: unknown role 'warp'");
    assert_int_equal(parse(&t, "ok = green\nno equals sign\n", err, sizeof(err)), -1);
    assert_string_equal(err, "t.theme:2: expected 'role = style'");
    assert_int_equal(parse(&t, "crit = red flashing\n", err, sizeof(err)), -1);
    assert_string_equal(err, "t.theme:1: crit: 'flashing' is neither a colour nor an attribute");
    const char nul[] = "ok = green\nwarn = y\0llow\n";
    theme_builtin_default(&t);
    assert_int_equal(theme_parse(&t, nul, sizeof(nul) - 1, "n.theme", err, sizeof(err)), -1);
    assert_string_equal(err, "n.theme:2: NUL byte in line");
}

static void every_role_has_a_name(void **state)
{
    (void)state;
    for (int r = 0; r < THEME_COUNT; r++)
        assert_int_equal(theme_role_from_name(theme_role_name(r)), r);
    assert_int_equal(theme_role_from_name("nope"), -1);
}

static void mono_keeps_production_and_selection_visible(void **state)
{
    (void)state;
    theme t;
    theme_builtin_default(&t);
    t.roles[THEME_PRODUCTION] = (theme_style){1, 7, 0}; /* colour only */
    theme_to_mono(&t);
    for (int r = 0; r < THEME_COUNT; r++) {
        assert_int_equal(t.roles[r].fg, THEME_COLOR_DEFAULT);
        assert_int_equal(t.roles[r].bg, THEME_COLOR_DEFAULT);
    }
    assert_true(t.roles[THEME_PRODUCTION].attrs & THEME_ATTR_REVERSE);
    assert_true(t.roles[THEME_PRODUCTION].attrs & THEME_ATTR_BOLD);
    assert_false(t.roles[THEME_HEADER].attrs & THEME_ATTR_REVERSE);
    assert_true(t.roles[THEME_SELECTED].attrs & THEME_ATTR_REVERSE);
    theme_builtin_mono(&t);
    assert_true(t.roles[THEME_PRODUCTION].attrs & THEME_ATTR_REVERSE);
    for (int r = 0; r < THEME_COUNT; r++)
        assert_int_equal(t.roles[r].fg, THEME_COLOR_DEFAULT);
}

/* The themes shipped in themes/ load (tests run from the top of the tree). */
static void shipped_themes_parse(void **state)
{
    (void)state;
    const char *names[] = {"default", "light", "high-contrast", "mono"};
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
        theme t;
        char err[256] = "", path[512];
        assert_int_equal(theme_find(names[i], path, sizeof(path)), 0);
        assert_non_null(strstr(path, "themes/"));
        if (theme_load(names[i], &t, err, sizeof(err)) != 0)
            fail_msg("%s: %s", names[i], err);
    }
    theme file, builtin;
    char err[256];
    assert_int_equal(theme_load("mono", &file, err, sizeof(err)), 0);
    theme_builtin_mono(&builtin);
    assert_memory_equal(&file, &builtin, sizeof(theme));
    assert_int_equal(theme_load("default", &file, err, sizeof(err)), 0);
    theme_builtin_default(&builtin);
    assert_memory_equal(&file, &builtin, sizeof(theme));
}

static void missing_and_broken_theme_files(void **state)
{
    (void)state;
    theme t;
    char err[512];
    assert_int_equal(theme_load("no-such-theme", &t, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no-such-theme"));
    char path[] = "/tmp/opsdeck-theme-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("ok = green\nwarn = yellow\ncrit = red on\n", f);
    fclose(f);
    assert_int_equal(theme_load(path, &t, err, sizeof(err)), -1);
    char want[128];
    snprintf(want, sizeof(want), "%s:3: crit: 'on' needs a colour after it", path);
    assert_string_equal(err, want);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(style_with_colours_and_attributes),
        cmocka_unit_test(bad_styles_say_why),
        cmocka_unit_test(file_sets_roles_and_keeps_the_rest),
        cmocka_unit_test(errors_name_file_and_line),
        cmocka_unit_test(every_role_has_a_name),
        cmocka_unit_test(mono_keeps_production_and_selection_visible),
        cmocka_unit_test(shipped_themes_parse),
        cmocka_unit_test(missing_and_broken_theme_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
