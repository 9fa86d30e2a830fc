/* The console's selection: environment, host, panel; and the status line. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <langinfo.h>
#include <string.h>
#include <strings.h>

#include "opsdeck/ui/pager.h"
#include "opsdeck/ui/ui.h"

static bool has_env(const ui_t *ui, const char *name)
{
    for (size_t i = 0; i < ui->nenvs; i++)
        if (strcmp(ui->envs[i], name) == 0)
            return true;
    return false;
}

static void add_env(ui_t *ui, const char *name)
{
    if (ui->nenvs < UI_MAX_ENVS && !has_env(ui, name))
        ui->envs[ui->nenvs++] = name;
}

static bool env_has_hosts(const ui_t *ui, const char *name)
{
    const fleet_model *m = &ui->app->model;
    for (size_t i = 0; i < m->nhosts; i++)
        if (strcmp(m->hosts[i].config->env, name) == 0)
            return true;
    return false;
}

/* The environments that have hosts, production first (env_is_production:
 * it is never out of sight), each group in the config's order, then any
 * environment a host names without an [env] section. Returns the one the
 * console starts on without -e: the config's first, as before. */
static const char *collect_envs(ui_t *ui)
{
    const opsdeck_config *cfg = ui->app->config;
    const fleet_model *m = &ui->app->model;
    const char *first = NULL;
    for (int production = 1; production >= 0; production--) {
        for (size_t i = 0; cfg && i < cfg->nenvs; i++) {
            const char *name = cfg->envs[i].name;
            if (cfg->envs[i].production != production || !env_has_hosts(ui, name))
                continue;
            add_env(ui, name);
        }
        for (size_t i = 0; i < m->nhosts; i++)
            if (env_is_production(cfg, m->hosts[i].config->env) == production)
                add_env(ui, m->hosts[i].config->env);
    }
    for (size_t i = 0; cfg && i < cfg->nenvs && !first; i++)
        if (env_has_hosts(ui, cfg->envs[i].name))
            first = cfg->envs[i].name;
    return first ? first : m->nhosts ? m->hosts[0].config->env : NULL;
}

static size_t first_host_of(const ui_t *ui, size_t env)
{
    const fleet_model *m = &ui->app->model;
    for (size_t i = 0; i < m->nhosts; i++)
        if (strcmp(m->hosts[i].config->env, ui->envs[env]) == 0)
            return i;
    return 0;
}

void ui_state_init(ui_t *ui, app_t *app, const console_options *opts)
{
    memset(ui, 0, sizeof(*ui));
    ui->app = app;
    ui->opts = opts;
    ui->audit.fd = -1; /* until ui_actions_init opens it: never stdin */
    /* block characters (sparklines) only where the terminal can show them */
    ui->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    const char *start = collect_envs(ui);
    for (size_t e = 0; e < ui->nenvs; e++)
        ui->env_host[e] = first_host_of(ui, e);
    if (opts->start_env)
        ui_select_env(ui, opts->start_env);
    else if (start)
        ui_select_env(ui, start);
    for (int p = 0; p < PANEL_COUNT; p++) {
        line_clear(&ui->filter[p]);
        if (ui_panels[p] && ui_panels[p]->create)
            ui->panel_state[p] = ui_panels[p]->create();
        else if (ui_panels[p] && ui_panels[p]->state_size)
            ui->panel_state[p] = calloc(1, ui_panels[p]->state_size);
    }
    line_clear(&ui->cmdline);
    ui->panel = PANEL_OVERVIEW;
}

void ui_state_free(ui_t *ui)
{
    pager_close(ui);
    ui_logs_close(ui);
    for (int p = 0; p < PANEL_COUNT; p++)
        if (ui_panels[p] && ui_panels[p]->destroy)
            ui_panels[p]->destroy(ui->panel_state[p]);
        else
            free(ui->panel_state[p]);
}

const char *ui_env_name(const ui_t *ui)
{
    return ui->nenvs ? ui->envs[ui->env] : "";
}

bool ui_env_is_production(const ui_t *ui, const char *env)
{
    return env_is_production(ui->app->config, env);
}

bool ui_host_in_env(const ui_t *ui, size_t host)
{
    const fleet_model *m = &ui->app->model;
    return host < m->nhosts && strcmp(m->hosts[host].config->env, ui_env_name(ui)) == 0;
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

bool ui_alerts_source(const ui_t *ui, size_t env, size_t host)
{
    const fleet_model *m = &ui->app->model;
    if (env >= ui->nenvs || host >= m->nhosts)
        return false;
    const host_config *c = m->hosts[host].config;
    if (!c->alertmanager || strcmp(c->env, ui->envs[env]) != 0)
        return false;
    /* hosts that reach the same Alertmanager the same way see the same
     * alerts: only the first of them counts */
    for (size_t i = 0; i < host; i++) {
        const host_config *o = m->hosts[i].config;
        if (strcmp(o->env, c->env) == 0 && same_text(o->alertmanager, c->alertmanager) &&
            same_text(o->ssh_host, c->ssh_host) && o->ssh_port == c->ssh_port)
            return false;
    }
    return true;
}

size_t ui_host_index(const ui_t *ui)
{
    return ui->nenvs ? ui->env_host[ui->env] : 0;
}

host_model *ui_host(const ui_t *ui)
{
    const fleet_model *m = &ui->app->model;
    size_t i = ui_host_index(ui);
    return i < m->nhosts ? &m->hosts[i] : NULL;
}

int ui_select_env(ui_t *ui, const char *name)
{
    for (size_t i = 0; i < ui->nenvs; i++) {
        if (strcmp(ui->envs[i], name) == 0) {
            ui->env = i;
            return 0;
        }
    }
    return -1;
}

void ui_step_env(ui_t *ui, int delta)
{
    if (ui->nenvs == 0)
        return;
    int n = (int)ui->nenvs;
    ui->env = (size_t)((((int)ui->env + delta) % n + n) % n);
}

void ui_set_host(ui_t *ui, size_t host)
{
    if (ui->nenvs && ui_host_in_env(ui, host))
        ui->env_host[ui->env] = host;
}

int ui_select_host(ui_t *ui, const char *name)
{
    const fleet_model *m = &ui->app->model;
    for (size_t i = 0; i < m->nhosts; i++) {
        if (strcmp(m->hosts[i].config->name, name) == 0) {
            /* a host of another environment brings its environment along */
            ui_select_env(ui, m->hosts[i].config->env);
            ui_set_host(ui, i);
            return 0;
        }
    }
    return -1;
}

void ui_step_host(ui_t *ui, int delta)
{
    const fleet_model *m = &ui->app->model;
    size_t n = m->nhosts, i = ui_host_index(ui);
    for (size_t step = 0; n && step < n; step++) {
        i = (i + n + (size_t)(delta > 0 ? 1 : n - 1)) % n;
        if (ui_host_in_env(ui, i)) {
            ui_set_host(ui, i);
            return;
        }
    }
}

void ui_show_panel(ui_t *ui, int i)
{
    if (i < 0 || i >= PANEL_COUNT)
        return;
    if (!ui_panels[i]) {
        ui_say(ui, true, "%d: no panel in this build", i + 1);
        return;
    }
    ui->panel = i;
    pager_close(ui);
    ui_logs_close(ui);
}

const char *ui_filter(const ui_t *ui)
{
    return ui->filter[ui->panel].text;
}

void ui_say(ui_t *ui, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ui->status, sizeof(ui->status), fmt, ap);
    va_end(ap);
    ui->status_error = error;
}

void ui_quit(ui_t *ui)
{
    ui->quit = true;
    loop_stop(ui->app->loop);
}
