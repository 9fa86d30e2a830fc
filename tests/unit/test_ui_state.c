/* The console's keys and commands, on its state, without a terminal:
 * environments as tabs, hosts per environment, panels (and the ones not
 * built), the : command line and the / filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <curses.h>
#include <string.h>

#include "opsdeck/ui/ui.h"

typedef struct fixture {
    env_config envs[3];
    host_config hosts[4];
    opsdeck_config cfg;
    loop_t *loop;
    app_t app;
    console_options opts;
    ui_t ui;
} fixture;

static fixture fx;
static bool staging_first; /* the config lists staging before production */

static void build(const char *start_env)
{
    memset(&fx, 0, sizeof(fx));
    /* config order: production first, staging second; "qa" has no host */
    fx.envs[0] =
        (env_config){.name = "production", .confirm = CONFIRM_TYPED, .line = 1, .production = true};
    fx.envs[1] = (env_config){.name = "staging", .confirm = CONFIRM_YES, .line = 2};
    fx.envs[2] = (env_config){.name = "qa", .confirm = CONFIRM_YES, .line = 3};
    if (staging_first) {
        env_config t = fx.envs[0];
        fx.envs[0] = fx.envs[1];
        fx.envs[1] = t;
    }
    const char *names[] = {"stg-1", "prod-a", "prod-b", "lab-1"};
    const char *envs[] = {"staging", "production", "production", "lab"};
    for (int i = 0; i < 4; i++) {
        fx.hosts[i].name = (char *)names[i];
        fx.hosts[i].env = (char *)envs[i];
    }
    fx.cfg.envs = fx.envs;
    fx.cfg.nenvs = 3;
    fx.cfg.hosts = fx.hosts;
    fx.cfg.nhosts = 4;
    const host_config *sel[] = {&fx.hosts[0], &fx.hosts[1], &fx.hosts[2], &fx.hosts[3]};
    fx.loop = loop_new();
    fx.app.loop = fx.loop;
    fx.app.config = &fx.cfg;
    assert_int_equal(model_init(&fx.app.model, &fx.cfg, sel, 4), 0);
    fx.app.nhosts = 4;
    fx.opts.start_env = start_env;
    ui_state_init(&fx.ui, &fx.app, &fx.opts);
}

static int teardown(void **state)
{
    (void)state;
    ui_state_free(&fx.ui);
    model_free(&fx.app.model);
    loop_free(fx.loop);
    return 0;
}

static void type(const char *s)
{
    for (; *s; s++)
        ui_key(&fx.ui, *s == '\n' ? '\r' : (unsigned char)*s, false);
}

static const char *host_name(void)
{
    return ui_host(&fx.ui)->config->name;
}

static void environments_in_config_order_then_the_rest(void **state)
{
    (void)state;
    build(NULL);
    assert_int_equal(fx.ui.nenvs, 3); /* qa has no host: no tab */
    assert_string_equal(fx.ui.envs[0], "production");
    assert_string_equal(fx.ui.envs[1], "staging");
    assert_string_equal(fx.ui.envs[2], "lab");
    assert_string_equal(ui_env_name(&fx.ui), "production");
    assert_string_equal(host_name(), "prod-a");
    assert_int_equal(fx.ui.panel, PANEL_OVERVIEW);
}

/* Production is the first tab whatever the config's order, but the console
 * still starts on the config's first environment. */
static void production_tab_first(void **state)
{
    (void)state;
    staging_first = true;
    build(NULL);
    staging_first = false;
    assert_string_equal(fx.ui.envs[0], "production");
    assert_string_equal(fx.ui.envs[1], "staging");
    assert_string_equal(ui_env_name(&fx.ui), "staging");
    assert_true(ui_env_is_production(&fx.ui, "production"));
    assert_false(ui_env_is_production(&fx.ui, "staging"));
    assert_false(ui_env_is_production(&fx.ui, "lab"));
}

static void start_env_and_production_style(void **state)
{
    (void)state;
    build("staging");
    assert_string_equal(ui_env_name(&fx.ui), "staging");
    assert_string_equal(host_name(), "stg-1");
    assert_true(ui_env_is_production(&fx.ui, "production"));
    assert_true(ui_env_is_production(&fx.ui, "prod-eu"));
    assert_false(ui_env_is_production(&fx.ui, "staging"));
    /* one fact: a typed confirmation alone does not make it production */
    fx.envs[1].confirm = CONFIRM_TYPED;
    assert_false(ui_env_is_production(&fx.ui, "staging"));
    fx.envs[1].production = true;
    assert_true(ui_env_is_production(&fx.ui, "staging"));
}

static void tab_and_shift_tab_wrap(void **state)
{
    (void)state;
    build(NULL);
    ui_key(&fx.ui, '\t', false);
    assert_string_equal(ui_env_name(&fx.ui), "staging");
    ui_key(&fx.ui, '\t', false);
    ui_key(&fx.ui, '\t', false);
    assert_string_equal(ui_env_name(&fx.ui), "production");
    ui_key(&fx.ui, KEY_BTAB, true);
    assert_string_equal(ui_env_name(&fx.ui), "lab");
}

static void brackets_stay_in_the_environment_and_are_remembered(void **state)
{
    (void)state;
    build(NULL);
    ui_key(&fx.ui, ']', false);
    assert_string_equal(host_name(), "prod-b");
    ui_key(&fx.ui, ']', false);
    assert_string_equal(host_name(), "prod-a"); /* wraps, never leaves production */
    ui_key(&fx.ui, '[', false);
    assert_string_equal(host_name(), "prod-b");
    ui_key(&fx.ui, '\t', false);
    assert_string_equal(host_name(), "stg-1");
    ui_key(&fx.ui, ']', false);
    assert_string_equal(host_name(), "stg-1"); /* the only one */
    ui_key(&fx.ui, KEY_BTAB, true);
    assert_string_equal(host_name(), "prod-b"); /* production kept its host */
}

static void commands_select(void **state)
{
    (void)state;
    build(NULL);
    type(":env staging\n");
    assert_int_equal(fx.ui.mode, UI_NORMAL);
    assert_string_equal(ui_env_name(&fx.ui), "staging");
    type(":host prod-b\n"); /* brings its environment along */
    assert_string_equal(ui_env_name(&fx.ui), "production");
    assert_string_equal(host_name(), "prod-b");
    type(":panel containers\n");
    assert_int_equal(fx.ui.panel, PANEL_CONTAINERS);
    assert_string_equal(fx.ui.status, "");
}

static void bad_commands_leave_a_message(void **state)
{
    (void)state;
    build(NULL);
    type(":env nowhere\n");
    assert_string_equal(fx.ui.status, "no environment named 'nowhere'");
    assert_true(fx.ui.status_error);
    type(":host nobody\n");
    assert_string_equal(fx.ui.status, "no host named 'nobody'");
    type(":panel nosuch\n");
    assert_non_null(strstr(fx.ui.status, "no panel named 'nosuch'"));
    type(":bogus\n");
    assert_non_null(strstr(fx.ui.status, "unknown command ':bogus'"));
    type("j"); /* the next key clears it */
    assert_string_equal(fx.ui.status, "");
}

static void command_line_edits_and_escape_cancels(void **state)
{
    (void)state;
    build(NULL);
    type(":env stagingX");
    assert_int_equal(fx.ui.mode, UI_COMMAND);
    ui_key(&fx.ui, KEY_BACKSPACE, true);
    assert_string_equal(fx.ui.cmdline.text, "env staging");
    ui_key(&fx.ui, 27, false);
    assert_int_equal(fx.ui.mode, UI_NORMAL);
    assert_string_equal(ui_env_name(&fx.ui), "production"); /* nothing ran */
    type(":env staging");
    ui_key(&fx.ui, 0x7f, false); /* DEL as Backspace too */
    type("g\n");
    assert_string_equal(ui_env_name(&fx.ui), "staging");
}

static void panels_not_built_say_so(void **state)
{
    (void)state;
    build(NULL);
    for (int p = 0; p < PANEL_COUNT; p++) {
        fx.ui.panel = PANEL_OVERVIEW;
        fx.ui.status[0] = '\0';
        ui_key(&fx.ui, '1' + p, false);
        if (ui_panels[p]) {
            assert_int_equal(fx.ui.panel, p);
            assert_int_equal(ui_panel_from_name(ui_panels[p]->name), p);
        } else {
            char want[64];
            snprintf(want, sizeof(want), "%d: no panel in this build", p + 1);
            assert_string_equal(fx.ui.status, want);
            assert_int_equal(fx.ui.panel, PANEL_OVERVIEW); /* no fake panel */
        }
    }
    assert_non_null(ui_panels[PANEL_OVERVIEW]);
    assert_non_null(ui_panels[PANEL_CONTAINERS]);
    type(":panel signals\n");
    assert_int_equal(fx.ui.panel, PANEL_SIGNALS);
}

static void filter_is_per_panel_and_escape_clears(void **state)
{
    (void)state;
    build(NULL);
    type("/");
    assert_int_equal(fx.ui.mode, UI_NORMAL); /* overview has nothing to filter */
    assert_non_null(strstr(fx.ui.status, "nothing to filter"));
    type("2/api");
    assert_int_equal(fx.ui.mode, UI_FILTER);
    assert_string_equal(ui_filter(&fx.ui), "api");
    type("\n");
    assert_int_equal(fx.ui.mode, UI_NORMAL);
    assert_string_equal(ui_filter(&fx.ui), "api"); /* Enter keeps it */
    type("1");
    assert_string_equal(ui_filter(&fx.ui), "");
    type("2");
    assert_string_equal(ui_filter(&fx.ui), "api");
    ui_key(&fx.ui, 27, false);
    assert_string_equal(ui_filter(&fx.ui), "");
    type("/db");
    ui_key(&fx.ui, 27, false); /* Esc while typing clears too */
    assert_int_equal(fx.ui.mode, UI_NORMAL);
    assert_string_equal(ui_filter(&fx.ui), "");
}

static void quit_by_key_and_command(void **state)
{
    (void)state;
    build(NULL);
    type("q");
    assert_true(fx.ui.quit);
    assert_true(loop_stopped(fx.loop));
    teardown(NULL);
    build(NULL);
    type(":quit\n");
    assert_true(fx.ui.quit);
}

static void help_opens_a_pager_that_q_closes(void **state)
{
    (void)state;
    build(NULL);
    type("?");
    assert_non_null(fx.ui.pager);
    type("q");
    assert_null(fx.ui.pager);
    assert_false(fx.ui.quit); /* q closed the help, it did not quit */
    type(":help\n");
    assert_non_null(fx.ui.pager);
    ui_key(&fx.ui, 27, false);
    assert_null(fx.ui.pager);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(environments_in_config_order_then_the_rest),
        T(production_tab_first),
        T(start_env_and_production_style),
        T(tab_and_shift_tab_wrap),
        T(brackets_stay_in_the_environment_and_are_remembered),
        T(commands_select),
        T(bad_commands_leave_a_message),
        T(command_line_edits_and_escape_cancels),
        T(panels_not_built_say_so),
        T(filter_is_per_panel_and_escape_clears),
        T(quit_by_key_and_command),
        T(help_opens_a_pager_that_q_closes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
