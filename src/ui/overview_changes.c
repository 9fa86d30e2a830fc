/* The overview's "What changed": the last changes on the environment's
 * hosts, newest first (the first suspects in an incident), with who ran an
 * action and how it ended. The audit log's lines are read in by the panel
 * (audit_changes_read) before drawing. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "opsdeck/ui/overview.h"
#include "opsdeck/ui/text.h"

static bool in_env(const ui_t *ui, const change *c)
{
    const fleet_model *m = &ui->app->model;
    for (size_t i = 0; i < m->nhosts; i++)
        if (strcmp(m->hosts[i].config->name, c->host) == 0)
            return strcmp(m->hosts[i].config->env, ui_env_name(ui)) == 0;
    return false;
}

int overview_changes_count(const ui_t *ui)
{
    int n = 0;
    const change *c;
    for (size_t i = 0; (c = change_ring_newest(&ui->app->model.changes, i)); i++)
        n += in_env(ui, c);
    return n;
}

static theme_role change_role(const change *c)
{
    if (c->kind == CHANGE_ACTION)
        return strncmp(c->result, "exit 0", 6) == 0 ? THEME_OK : THEME_WARN;
    if (strstr(c->what, "unhealthy") || strstr(c->what, "began") || strstr(c->what, "exited"))
        return THEME_WARN;
    return THEME_NORMAL;
}

static void draw_change(ui_t *ui, const change *c, int y, int x0, int w)
{
    char clock[16], text[512], what[256], who[64], result[64];
    time_t t = (time_t)c->at;
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
    ui_fill(y, x0, w, ui->attr[THEME_NORMAL]);
    int x = x0 + 1, right = x0 + w - 1;
    x += ui_put(y, x, right - x, ui->attr[THEME_DIM], clock) + 1;
    x += ui_put_remote(y, x, right - x < 16 ? right - x : 16, ui->attr[THEME_NORMAL], c->host) + 1;
    if (c->kind == CHANGE_ACTION)
        snprintf(text, sizeof(text), "%s by %s: %s", ui_clean(c->what, what, sizeof(what)),
                 ui_clean(c->who, who, sizeof(who)), ui_clean(c->result, result, sizeof(result)));
    else
        snprintf(text, sizeof(text), "%s", ui_clean(c->what, what, sizeof(what)));
    ui_put(y, x, right - x, ui->attr[change_role(c)], text);
}

void overview_draw_changes(ui_t *ui, overview_box b, double now)
{
    (void)now;
    if (b.h < 1 || b.w < 10)
        return;
    ui_fill(b.y, b.x, b.w, ui->attr[THEME_NORMAL]);
    ui_put(b.y, b.x + 1, b.w - 2, ui->attr[THEME_TITLE] | A_BOLD, "What changed (newest first)");
    int y = b.y + 1;
    const change *c;
    for (size_t i = 0; y < b.y + b.h && (c = change_ring_newest(&ui->app->model.changes, i)); i++)
        if (in_env(ui, c))
            draw_change(ui, c, y++, b.x, b.w);
    if (y == b.y + 1 && b.h > 1)
        ui_put(y, b.x + 3, b.w - 4, ui->attr[THEME_DIM], "nothing yet since opsdeck started");
}
