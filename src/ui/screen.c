/* The whole screen: header, host line, the current panel, the status line,
 * and over them a pager or a dialog. Redraws are coalesced so a burst of
 * model changes costs one frame. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "opsdeck/alert_counts.h"
#include "opsdeck/ui/dialog.h"
#include "opsdeck/ui/pager.h"
#include "opsdeck/ui/text.h"
#include "opsdeck/ui/ui.h"

static void draw_clock(int y, int right, attr_t attr)
{
    char clock[16];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
    ui_put(y, right - 8, 8, attr, clock);
}

/* "2C 1W" after an environment's tab: its alerts that are not silenced or
 * inhibited, by severity (others are on the alerts panel). Letters say it
 * without colour. Returns the columns drawn. */
static int draw_alert_counts(ui_t *ui, size_t env, int x, int right)
{
    alert_counts c = {0};
    for (size_t i = 0; i < ui->app->model.nhosts; i++)
        if (ui_alerts_source(ui, env, i))
            alert_counts_add(&c, &ui->app->model.hosts[i].alerts);
    int start = x;
    char n[24];
    if (c.critical) {
        snprintf(n, sizeof(n), " %dC", c.critical);
        x += ui_put(0, x, right - x, ui->attr[THEME_CRIT] | A_BOLD, n);
    }
    if (c.warning) {
        snprintf(n, sizeof(n), " %dW", c.warning);
        x += ui_put(0, x, right - x, ui->attr[THEME_WARN] | A_BOLD, n);
    }
    return x - start;
}

void ui_draw_header(ui_t *ui)
{
    attr_t head = ui->attr[THEME_HEADER];
    ui_fill(0, 0, COLS, head);
    int right = COLS - 1;
    draw_clock(0, right, head);
    right -= 9;
    if (ui->opts->read_only) {
        right -= 11;
        ui_put(0, right, 11, ui->attr[THEME_READONLY], " READ-ONLY ");
        right -= 1;
    }
    char run[160];
    if (ui_runbook_header(ui, run, sizeof(run))[0]) { /* a run goes on, even out of view */
        int w = (int)strlen(run) + 2 < right / 2 ? (int)strlen(run) + 2 : right / 2;
        right -= w;
        ui_put(0, right, w, ui->attr[THEME_WARN] | A_BOLD | A_REVERSE, run);
        right -= 1;
    }
    int x = ui_put(0, 0, right, head | A_BOLD, " opsdeck ");
    for (size_t e = 0; e < ui->nenvs && x < right; e++) {
        bool active = e == ui->env;
        char tab[80];
        /* brackets mark the active tab without colour, too */
        snprintf(tab, sizeof(tab), active ? "[%s]" : " %s ", ui->envs[e]);
        x += ui_put(0, x, 1, head, " ");
        x += ui_put_remote(0, x, right - x, ui_env_attr(ui, ui->envs[e], active), tab);
        x += draw_alert_counts(ui, e, x, right);
    }
}

static void draw_host_line(ui_t *ui)
{
    host_model *h = ui_host(ui);
    ui_fill(1, 0, COLS, ui->attr[THEME_NORMAL]);
    char label[48];
    snprintf(label, sizeof(label), "%d %s", ui->panel + 1, ui_panels[ui->panel]->name);
    int pw = (int)strlen(label);
    int right = COLS - pw - 1;
    ui_put(1, right, pw, ui->attr[THEME_TITLE], label);
    if (!h) {
        ui_put(1, 1, right - 2, ui->attr[THEME_DIM], "no host");
        return;
    }
    int x = 1;
    x += ui_put(1, x, right - x, ui->attr[THEME_DIM], "host ");
    x += ui_put_remote(1, x, right - x, ui->attr[THEME_TITLE], h->config->name);
    x += ui_put(1, x, right - x, A_NORMAL, " ");
    const char *state = host_state_name(h->state);
    x += ui_put(1, x, right - x, ui->attr[ui_state_role(state)], state);
    if (h->config->ssh_host) {
        char where[160];
        snprintf(where, sizeof(where), " %s%s%s:%d", h->remote_user, h->remote_user[0] ? "@" : "",
                 h->config->ssh_host, h->config->ssh_port);
        x += ui_put_remote(1, x, right - x, ui->attr[THEME_DIM], where);
    } else {
        x += ui_put(1, x, right - x, ui->attr[THEME_DIM], " (this machine)");
    }
    if (h->error[0]) {
        x += ui_put(1, x, right - x, A_NORMAL, "  ");
        ui_put_remote(1, x, right - x - 1, ui->attr[THEME_ERROR], h->error);
    }
}

void ui_draw_status(ui_t *ui)
{
    int y = LINES - 1;
    ui_fill(y, 0, COLS, ui->attr[THEME_STATUS]);
    if (ui->mode != UI_NORMAL) {
        line_edit *e = ui->mode == UI_COMMAND ? &ui->cmdline : &ui->filter[ui->panel];
        int x =
            ui_put(y, 0, 1, ui->attr[THEME_STATUS] | A_BOLD, ui->mode == UI_COMMAND ? ":" : "/");
        /* the end of a long line stays visible */
        int avail = COLS - x - 1, w = text_width(e->text);
        const char *s = e->text;
        while (w > avail && *s) {
            s++;
            while ((*s & 0xC0) == 0x80)
                s++;
            w = text_width(s);
        }
        x += ui_put_remote(y, x, avail, ui->attr[THEME_STATUS], s);
        ui_put(y, x, 1, A_REVERSE, " ");
        return;
    }
    if (ui->status[0]) {
        ui_put_remote(y, 0, COLS, ui->attr[ui->status_error ? THEME_ERROR : THEME_STATUS],
                      ui->status);
        return;
    }
    char hint[256], f[128];
    ui_clean(ui_filter(ui), f, sizeof(f));
    if (f[0])
        snprintf(hint, sizeof(hint), "filter /%s (Esc clears)   ? help  : command  q quit", f);
    else
        snprintf(hint, sizeof(hint), "? help  : command  Tab env  [ ] host  1-8 panels  q quit");
    ui_put(y, 0, COLS, ui->attr[THEME_DIM], hint);
}

static void draw_too_small(void)
{
    char msg[80];
    snprintf(msg, sizeof(msg), "terminal too small (%dx%d, need %dx%d)", COLS, LINES, UI_MIN_COLS,
             UI_MIN_ROWS);
    for (int y = 0; y < LINES; y++)
        ui_fill(y, 0, COLS, A_NORMAL);
    /* wrap the message over the rows there are */
    size_t len = strlen(msg), pos = 0;
    for (int y = 0; y < LINES && pos < len && COLS > 0; y++) {
        int cols;
        size_t n = text_fit(msg + pos, COLS, &cols);
        char part[80];
        memcpy(part, msg + pos, n);
        part[n] = '\0';
        ui_put(y, 0, COLS, A_BOLD, part);
        pos += n;
    }
}

void ui_draw(ui_t *ui)
{
    erase();
    if (COLS < UI_MIN_COLS || LINES < UI_MIN_ROWS) {
        draw_too_small();
        refresh();
        return;
    }
    ui_draw_header(ui);
    draw_host_line(ui);
    ui_rect area = {2, 0, LINES - 3, COLS};
    if (ui->pager) {
        pager_draw(ui, area);
    } else if (ui_log_view_active(ui)) {
        ui_log_view_draw(ui, area);
    } else if (ui_runbook_view_active(ui)) {
        ui_runbook_view_draw(ui, area);
    } else {
        const panel *p = ui_panels[ui->panel];
        p->draw(ui, ui->panel_state[ui->panel], area);
    }
    ui_draw_status(ui);
    ui_action_view_draw(ui, (ui_rect){0, 0, LINES, COLS});
    if (dialog_active(ui))
        dialog_draw(ui, (ui_rect){0, 0, LINES, COLS});
    refresh();
    ui->last_draw_ms = loop_update_time(ui->app->loop);
}

static void on_redraw_timer(loop_t *loop, void *arg)
{
    (void)loop;
    ui_t *ui = arg;
    ui->redraw_timer = 0;
    ui_draw(ui);
}

void ui_mark_dirty(ui_t *ui)
{
    if (ui->redraw_timer || ui->quit)
        return;
    int64_t since = loop_now_ms(ui->app->loop) - ui->last_draw_ms;
    int64_t delay = since >= UI_REDRAW_MS ? 0 : UI_REDRAW_MS - since;
    ui->redraw_timer = loop_timer_add(ui->app->loop, delay, on_redraw_timer, ui);
}
