/* The overview's status lines: per environment, its hosts up / degraded /
 * down, its alerts by severity, and its worst golden signal with its
 * level. The current environment first, then the others, production
 * first. */
#include <stdio.h>
#include <string.h>

#include "opsdeck/alert_counts.h"
#include "opsdeck/ui/overview.h"
#include "opsdeck/ui/signal_format.h"

#define MAX_OTHER_ENVS 2 /* lines for the other environments */

/* The environments in the order their lines are drawn; returns how many. */
static size_t env_order(const ui_t *ui, size_t *order, size_t max)
{
    size_t n = 0;
    order[n++] = ui->env;
    for (int pass = 0; pass < 2; pass++)
        for (size_t e = 0; e < ui->nenvs && n < max; e++) {
            bool prod = ui_env_is_production(ui, ui->envs[e]);
            if (e != ui->env && prod == (pass == 0))
                order[n++] = e;
        }
    return n;
}

int overview_status_lines(const ui_t *ui)
{
    size_t order[1 + MAX_OTHER_ENVS];
    return ui->nenvs ? (int)env_order(ui, order, 1 + MAX_OTHER_ENVS) : 1;
}

typedef struct env_summary {
    int up, degraded, down, connecting;
    alert_counts alerts;
    signal_level worst;
    signal_id worst_id;
    double worst_value;
    bool any_signal;
} env_summary;

static void summarize(const ui_t *ui, size_t env, env_summary *s)
{
    const fleet_model *m = &ui->app->model;
    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < m->nhosts; i++) {
        const host_model *h = &m->hosts[i];
        if (strcmp(h->config->env, ui->envs[env]) != 0)
            continue;
        s->up += h->state == HOST_UP;
        s->degraded += h->state == HOST_DEGRADED;
        s->down += h->state == HOST_DOWN;
        s->connecting += h->state == HOST_CONNECTING;
        if (ui_alerts_source(ui, env, i))
            alert_counts_add(&s->alerts, &h->alerts);
        if (ui_source_stale(h, SRC_GOLDEN) || !h->status[SRC_GOLDEN].has_sample)
            continue;
        for (int id = SIGNAL_ERRORS; id < SIGNAL_COUNT; id++) {
            signal_level l = golden_level(&h->golden, &h->config->limits, (signal_id)id);
            if (l == LEVEL_UNKNOWN)
                continue;
            s->any_signal = true;
            if (l > s->worst) {
                s->worst = l;
                s->worst_id = (signal_id)id;
                s->worst_value = golden_value(&h->golden, (signal_id)id);
            }
        }
    }
}

static const char *const signal_names[SIGNAL_COUNT] = {
    [SIGNAL_RPS] = "traffic", [SIGNAL_ERRORS] = "errors", [SIGNAL_P95] = "p95",
    [SIGNAL_CPU] = "cpu",     [SIGNAL_MEM] = "memory",
};

static int put_count(ui_t *ui, int y, int x, int right, int n, const char *what,
                     theme_role when_any)
{
    char text[48];
    snprintf(text, sizeof(text), "%d %s", n, what);
    return ui_put(y, x, right - x, ui->attr[n ? when_any : THEME_DIM], text);
}

static void draw_env_line(ui_t *ui, int y, int x0, int w, size_t env)
{
    env_summary s;
    summarize(ui, env, &s);
    int right = x0 + w, x = x0 + 1;
    ui_fill(y, x0, w, ui->attr[THEME_NORMAL]);
    char name[80];
    snprintf(name, sizeof(name), "%s%s", env == ui->env ? "> " : "  ", ui->envs[env]);
    x += ui_put(y, x, right - x, ui_env_attr(ui, ui->envs[env], env == ui->env) | A_BOLD, name);
    x += ui_put(y, x, right - x, ui->attr[THEME_DIM], "  hosts ");
    x += put_count(ui, y, x, right, s.up, "up", THEME_OK);
    x += ui_put(y, x, right - x, ui->attr[THEME_DIM], " ");
    x += put_count(ui, y, x, right, s.degraded, "degraded", THEME_WARN);
    x += ui_put(y, x, right - x, ui->attr[THEME_DIM], " ");
    x += put_count(ui, y, x, right, s.down, "down", THEME_CRIT);
    if (s.connecting) {
        x += ui_put(y, x, right - x, ui->attr[THEME_DIM], " ");
        x += put_count(ui, y, x, right, s.connecting, "connecting", THEME_DIM);
    }
    x += ui_put(y, x, right - x, ui->attr[THEME_DIM], "  alerts ");
    char text[96];
    snprintf(text, sizeof(text), "%dC", s.alerts.critical);
    x += ui_put(y, x, right - x, ui->attr[s.alerts.critical ? THEME_CRIT : THEME_DIM], text);
    snprintf(text, sizeof(text), " %dW", s.alerts.warning);
    x += ui_put(y, x, right - x, ui->attr[s.alerts.warning ? THEME_WARN : THEME_DIM], text);
    x += ui_put(y, x, right - x, ui->attr[THEME_DIM], "  signals ");
    if (!s.any_signal) {
        ui_put(y, x, right - x, ui->attr[THEME_DIM], "unknown");
    } else if (s.worst <= LEVEL_OK) {
        ui_put(y, x, right - x, ui->attr[THEME_OK], "ok");
    } else {
        char v[32];
        snprintf(text, sizeof(text), "%s %s %s", signal_names[s.worst_id],
                 ui_fmt_signal(s.worst_id, s.worst_value, v, sizeof(v)),
                 s.worst == LEVEL_CRIT ? "CRIT" : "WARN");
        ui_put(y, x, right - x, ui->attr[ui_level_role(s.worst, THEME_OK)] | A_BOLD, text);
    }
}

void overview_draw_status(ui_t *ui, overview_box b, double now)
{
    (void)now;
    if (!ui->nenvs) {
        ui_put(b.y, b.x + 1, b.w - 2, ui->attr[THEME_DIM], "no hosts");
        return;
    }
    size_t order[1 + MAX_OTHER_ENVS];
    size_t n = env_order(ui, order, 1 + MAX_OTHER_ENVS);
    for (size_t i = 0; i < n && (int)i < b.h; i++)
        draw_env_line(ui, b.y + (int)i, b.x, b.w, order[i]);
}
