/* Panel 7, runbooks: the runbooks that may run in this environment, with
 * their key, the last run of each on the selected host (remembered here)
 * and who holds its lock there. Enter or the runbook's key starts it on the
 * selected host (`:run NAME` too); `a` shows its last run, re-attached.
 * Locks are asked for when the panel is shown for a host and after a run
 * ends, never per refresh: watching must not start processes on a host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "opsdeck/runbook/engine.h"
#include "opsdeck/runbook/run_memory.h"
#include "opsdeck/ui/ui.h"

#define LOCK_TEXT 160

typedef struct lock_ask {
    struct runbooks_panel *panel;
    size_t host, index;
} lock_ask;

typedef struct runbooks_panel {
    table_view view;
    size_t host;         /* the host the locks below are for */
    unsigned generation; /* of ui->rb_generation when asked */
    bool asked;
    char lock[RUNBOOK_FILES_MAX][LOCK_TEXT];
    host_lock_req *req[RUNBOOK_FILES_MAX];
    lock_ask ask[RUNBOOK_FILES_MAX];
} runbooks_panel;

enum { COL_KEY, COL_NAME, COL_TITLE, COL_LAST, COL_LOCK, NCOLS };

static const column_spec columns[NCOLS] = {
    [COL_KEY] = {"KEY", 3, 3, 0, false},       [COL_NAME] = {"NAME", 8, 24, 0, false},
    [COL_TITLE] = {"TITLE", 10, 60, 1, false}, [COL_LAST] = {"LAST RUN HERE", 12, 30, 2, false},
    [COL_LOCK] = {"LOCK", 6, 80, 1, false},
};

static const char *const help[] = {
    "j k arrows g G PgUp PgDn   move the selection",
    "Enter, the runbook's key   start it on the selected host (:run NAME)",
    "a                          its last run on this host, re-attached",
    "in the run view: 1-9 choose, Esc leaves it (the run goes on), Enter closes a finished run",
    NULL,
};

static void *create(void)
{
    return calloc(1, sizeof(runbooks_panel));
}

static void destroy(void *state)
{
    runbooks_panel *st = state;
    for (size_t i = 0; i < RUNBOOK_FILES_MAX; i++)
        host_lock_cancel(st->req[i]);
    free(st);
}

static void on_lock(lock_outcome outcome, const host_lock_info *holder, const char *error,
                    void *arg)
{
    lock_ask *a = arg;
    runbooks_panel *st = a->panel;
    st->req[a->index] = NULL;
    if (a->host != st->host)
        return;
    char *out = st->lock[a->index];
    if (outcome == LOCK_FREE)
        snprintf(out, LOCK_TEXT, "free");
    else if (outcome == LOCK_HELD)
        host_lock_describe(holder, out, LOCK_TEXT);
    else
        snprintf(out, LOCK_TEXT, "? %s", error);
}

/* The runbooks allowed in the environment, in the set's (name) order. */
static int collect(ui_t *ui, const runbook **out)
{
    int n = 0;
    const host_model *h = ui_host(ui);
    for (size_t i = 0; ui->rbset && h && i < ui->rbset->count && n < RUNBOOK_FILES_MAX; i++)
        if (runbook_allowed_in(&ui->rbset->items[i], h->config->env) &&
            filter_match(ui->rbset->items[i].name, ui_filter(ui)))
            out[n++] = &ui->rbset->items[i];
    return n;
}

static void ask_locks(ui_t *ui, runbooks_panel *st, const runbook **rbs, int n)
{
    size_t host = ui_host_index(ui);
    if (st->asked && st->host == host && st->generation == ui->rb_generation)
        return;
    for (size_t i = 0; i < RUNBOOK_FILES_MAX; i++) {
        host_lock_cancel(st->req[i]);
        st->req[i] = NULL;
        snprintf(st->lock[i], LOCK_TEXT, "...");
    }
    st->host = host;
    st->generation = ui->rb_generation;
    st->asked = true;
    const host_config *hc = app_host_config(ui->app, host);
    for (int i = 0; i < n; i++) {
        st->ask[i] = (lock_ask){st, host, (size_t)i};
        st->req[i] = host_lock_query(app_host_transport(ui->app, host), hc, rbs[i]->name, on_lock,
                                     &st->ask[i]);
    }
}

static void last_run(const ui_t *ui, const runbook *rb, char *buf, size_t size)
{
    run_memory_entry m;
    if (!run_memory_last(ui_host(ui)->config->name, rb->name, &m)) {
        snprintf(buf, size, "-");
        return;
    }
    time_t at = (time_t)m.at;
    struct tm tm;
    char when[32] = "?";
    if (localtime_r(&at, &tm))
        strftime(when, sizeof(when), "%m-%d %H:%M", &tm);
    snprintf(buf, size, "%s %s", !strcmp(m.state, "started") ? "UNFINISHED" : m.state, when);
}

static void draw(ui_t *ui, void *state, ui_rect area)
{
    runbooks_panel *st = state;
    if (area.h < 3)
        return;
    const runbook *rbs[RUNBOOK_FILES_MAX];
    int n = collect(ui, rbs);
    const host_model *h = ui_host(ui);
    char line[512];
    if (ui->rb_error[0]) {
        ui_put_remote(area.y, 1, area.w - 2, ui->attr[THEME_CRIT], ui->rb_error);
    } else {
        snprintf(line, sizeof(line), "%d runbook%s for %s%s", n, n == 1 ? "" : "s",
                 h ? h->config->env : "-",
                 ui->rbset && ui->rbset->dir ? "" : " (no runbooks directory found)");
        ui_put_remote(area.y, 1, area.w - 2, ui->attr[THEME_NORMAL], line);
    }
    if (h && n)
        ask_locks(ui, st, rbs, n);
    int w[NCOLS];
    layout_columns(columns, NCOLS, area.w - 2, w);
    ui_draw_headings(ui, area.y + 1, columns, NCOLS, w);
    table_fit(&st->view, n, area.h - 2);
    for (int r = 0; r < st->view.height && st->view.top + r < n; r++) {
        int i = st->view.top + r;
        const runbook *rb = rbs[i];
        int y = area.y + 2 + r;
        attr_t base = i == st->view.selected ? ui->attr[THEME_SELECTED] : ui->attr[THEME_NORMAL];
        ui_fill(y, 0, area.w, base);
        int x = 1;
        for (int c = 0; c < NCOLS; c++) {
            if (!w[c])
                continue;
            char cell[256];
            switch (c) {
            case COL_KEY:
                snprintf(cell, sizeof(cell), "%c", rb->key ? rb->key : ' ');
                ui_put(y, x, w[c], base | A_BOLD, cell);
                break;
            case COL_NAME:
                ui_put_remote(y, x, w[c], base, rb->name);
                break;
            case COL_TITLE:
                ui_put_remote(y, x, w[c], base, rb->title ? rb->title : "");
                break;
            case COL_LAST:
                last_run(ui, rb, cell, sizeof(cell));
                ui_put_remote(y, x, w[c], base, cell);
                break;
            case COL_LOCK:
                ui_put_remote(y, x, w[c], base, st->lock[i]);
                break;
            }
            x += w[c] + 1;
        }
    }
    if (n == 0 && !ui->rb_error[0])
        ui_put(area.y + 2, 1, area.w - 2, ui->attr[THEME_DIM],
               "no runbook may run here (see opsdeck-runbook(5): runbooks =, envs:)");
}

static bool key(ui_t *ui, void *state, int k, bool is_code)
{
    runbooks_panel *st = state;
    if (table_nav_key(&st->view, k, is_code))
        return true;
    if (is_code && k != KEY_ENTER)
        return false;
    const runbook *rbs[RUNBOOK_FILES_MAX];
    int n = collect(ui, rbs);
    if (!n || st->view.selected >= n)
        return false;
    const runbook *rb = rbs[st->view.selected];
    if (k == '\n' || k == '\r' || (is_code && k == KEY_ENTER)) {
        if (ui->runbooks && rb_engine_busy(ui->runbooks)) {
            ui->rb_view = true; /* back to the run going */
            return true;
        }
        ui_runbook_request(ui, rb->name);
        return true;
    }
    if (k == 'a') {
        ui_runbook_show_last(ui, rb->name);
        return true;
    }
    return false;
}

const panel panel_runbooks = {
    .name = "runbooks",
    .create = create,
    .destroy = destroy,
    .draw = draw,
    .key = key,
    .help = help,
    .filterable = true,
};
