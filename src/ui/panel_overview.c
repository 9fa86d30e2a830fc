/* Panel 1, overview: every host of the environment on one screen, its
 * connection state, how old its data is, its containers, its golden
 * signals, health answer and alerts at a glance (coloured by threshold),
 * what is unhealthy and what failed; below, each source of the selected host and its age. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/alert_counts.h"
#include "opsdeck/signals/levels.h"
#include "opsdeck/ui/table.h"
#include "opsdeck/ui/text.h"
#include "opsdeck/ui/ui.h"

#define MAX_LISTED 256

typedef struct overview {
    table_view view;
} overview;

enum {
    COL_HOST,
    COL_STATE,
    COL_AGE,
    COL_CTRS,
    COL_RPS,
    COL_ERRORS,
    COL_P95,
    COL_CPU,
    COL_HEALTH,
    COL_ALERTS,
    COL_UNHEALTHY,
    COL_ERROR,
    NCOLS
};

static const column_spec columns[NCOLS] = {
    [COL_HOST] = {"HOST", 8, 24, 0, false},
    [COL_STATE] = {"STATE", 10, 10, 0, false},
    [COL_AGE] = {"AGE", 6, 7, 1, true},
    [COL_CTRS] = {"CTRS", 5, 7, 1, true},
    [COL_RPS] = {"REQ/S", 7, 8, 2, true},
    [COL_ERRORS] = {"ERR%", 6, 7, 2, true},
    [COL_P95] = {"P95", 7, 8, 2, true},
    [COL_CPU] = {"CPU%", 6, 6, 4, true},
    [COL_HEALTH] = {"HEALTH", 6, 6, 3, true},
    [COL_ALERTS] = {"ALERTS", 6, 9, 2, true},
    [COL_UNHEALTHY] = {"UNHEALTHY", 10, 40, 5, false},
    [COL_ERROR] = {"ERROR", 10, 400, 6, false},
};

static const char *const help[] = {
    "j k arrows g G PgUp PgDn   select a host",
    "Enter                      the selected host's containers",
    NULL,
};

static size_t env_hosts(const ui_t *ui, size_t *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < ui->app->model.nhosts && n < max; i++)
        if (ui_host_in_env(ui, i))
            out[n++] = i;
    return n;
}

/* The oldest data the host has among its configured sources. */
static double data_age(const host_model *h, double now)
{
    double oldest = -1;
    for (int k = 0; k < SRC_COUNT; k++) {
        double age = h->status[k].configured ? model_source_age(h, k, now) : -1;
        if (age > oldest)
            oldest = age;
    }
    return oldest;
}

/* Containers not running or not healthy, by name: "api(unhealthy) db(exited)". */
static void unhealthy_list(const host_model *h, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < h->containers.count; i++) {
        const container_info *c = &h->containers.items[i];
        const char *bad = strcmp(c->health, "unhealthy") == 0 ? c->health
                          : strcmp(c->state, "running") != 0  ? c->state
                                                              : NULL;
        if (!bad)
            continue;
        int n = snprintf(buf + len, size - len, "%s%s(%s)", len ? " " : "", c->name, bad);
        if (n < 0 || (size_t)n >= size - len)
            break;
        len += (size_t)n;
    }
}

/* The host's error, else the first failing source's. */
static void first_error(const host_model *h, char *buf, size_t size)
{
    buf[0] = '\0';
    if (h->error[0]) {
        snprintf(buf, size, "%s", h->error);
        return;
    }
    for (int k = 0; k < SRC_COUNT; k++) {
        const source_status *s = &h->status[k];
        if (s->configured && !s->ok && s->error[0]) {
            snprintf(buf, size, "%s: %s", source_kind_name(k), s->error);
            return;
        }
    }
}

/* One golden signal, coloured by its thresholds; "-" without a value. */
static void signal_cell(ui_t *ui, const host_model *h, signal_id id, int y, int x, int w,
                        attr_t base, bool selected)
{
    char cell[32];
    double v = golden_value(&h->golden, id);
    bool have = h->status[SRC_GOLDEN].has_sample && signal_known(v);
    if (!have)
        snprintf(cell, sizeof(cell), "-");
    else if (id == SIGNAL_RPS)
        snprintf(cell, sizeof(cell), "%.1f", v);
    else if (id == SIGNAL_ERRORS)
        snprintf(cell, sizeof(cell), "%.2f", v * 100);
    else if (id == SIGNAL_P95)
        snprintf(cell, sizeof(cell), v < 1 ? "%.0fms" : "%.2fs", v < 1 ? v * 1000 : v);
    else
        snprintf(cell, sizeof(cell), "%.0f", v);
    attr_t a = base;
    if (!selected)
        a = ui_source_stale(h, SRC_GOLDEN)
                ? ui->attr[THEME_STALE]
                : ui->attr[ui_level_role(golden_level(&h->golden, &h->config->limits, id),
                                         THEME_NORMAL)];
    ui_put_right(y, x, w, a, cell);
}

static void health_cell(ui_t *ui, const host_model *h, int y, int x, int w, attr_t base,
                        bool selected)
{
    char cell[16] = "-";
    const source_status *s = &h->status[SRC_HEALTH];
    attr_t a = base;
    if (s->has_sample)
        snprintf(cell, sizeof(cell), "%d", h->health.http_status);
    if (!s->configured)
        snprintf(cell, sizeof(cell), " ");
    else if (!selected)
        a = ui_source_stale(h, SRC_HEALTH)                                ? ui->attr[THEME_CRIT]
            : h->health.http_status >= 200 && h->health.http_status < 300 ? ui->attr[THEME_OK]
                                                                          : ui->attr[THEME_CRIT];
    ui_put_right(y, x, w, a, cell);
}

/* "2C 1W" of the host's alerts, or "-" without an Alertmanager. */
static void alerts_cell(ui_t *ui, const host_model *h, int y, int x, int w, attr_t base,
                        bool selected)
{
    char cell[32];
    alert_counts c = {0};
    alert_counts_add(&c, &h->alerts);
    attr_t a = base;
    if (!h->status[SRC_ALERTS].configured)
        snprintf(cell, sizeof(cell), " ");
    else if (!h->status[SRC_ALERTS].has_sample)
        snprintf(cell, sizeof(cell), "-");
    else if (c.critical || c.warning)
        snprintf(cell, sizeof(cell), "%dC %dW", c.critical, c.warning);
    else
        snprintf(cell, sizeof(cell), "%d", c.other);
    if (!selected && (c.critical || c.warning))
        a = ui->attr[c.critical ? THEME_CRIT : THEME_WARN];
    ui_put_right(y, x, w, a, cell);
}

static void draw_row(ui_t *ui, const host_model *h, int y, const int *w, bool selected, double now)
{
    attr_t base = selected ? ui->attr[THEME_SELECTED] : ui->attr[THEME_NORMAL];
    ui_fill(y, 0, COLS, base);
    char cell[512];
    int x = 1;
    for (int c = 0; c < NCOLS; c++) {
        if (!w[c])
            continue;
        attr_t a = base;
        switch (c) {
        case COL_HOST:
            ui_put_remote(y, x, w[c], a, h->config->name);
            break;
        case COL_STATE:
            if (!selected)
                a = ui->attr[ui_state_role(host_state_name(h->state))];
            ui_put(y, x, w[c], a, host_state_name(h->state));
            break;
        case COL_AGE:
            if (!selected && ui_source_stale(h, SRC_CONTAINERS))
                a = ui->attr[THEME_STALE];
            ui_put_right(y, x, w[c], a, fmt_age(data_age(h, now), cell, sizeof(cell)));
            break;
        case COL_CTRS: {
            size_t up = 0;
            for (size_t i = 0; i < h->containers.count; i++)
                up += strcmp(h->containers.items[i].state, "running") == 0;
            if (h->status[SRC_CONTAINERS].has_sample)
                snprintf(cell, sizeof(cell), "%zu/%zu", up, h->containers.count);
            else
                snprintf(cell, sizeof(cell), "-");
            ui_put_right(y, x, w[c], a, cell);
            break;
        }
        case COL_RPS:
            signal_cell(ui, h, SIGNAL_RPS, y, x, w[c], a, selected);
            break;
        case COL_ERRORS:
            signal_cell(ui, h, SIGNAL_ERRORS, y, x, w[c], a, selected);
            break;
        case COL_P95:
            signal_cell(ui, h, SIGNAL_P95, y, x, w[c], a, selected);
            break;
        case COL_CPU:
            signal_cell(ui, h, SIGNAL_CPU, y, x, w[c], a, selected);
            break;
        case COL_HEALTH:
            health_cell(ui, h, y, x, w[c], a, selected);
            break;
        case COL_ALERTS:
            alerts_cell(ui, h, y, x, w[c], a, selected);
            break;
        case COL_UNHEALTHY:
            unhealthy_list(h, cell, sizeof(cell));
            ui_put_remote(y, x, w[c], selected ? a : ui->attr[THEME_CRIT], cell);
            break;
        case COL_ERROR:
            first_error(h, cell, sizeof(cell));
            ui_put_remote(y, x, w[c], selected ? a : ui->attr[THEME_ERROR], cell);
            break;
        }
        x += w[c] + 1;
    }
}

/* Each configured source of the host: its age, or why it is stale. */
static void draw_sources(ui_t *ui, const host_model *h, ui_rect r, double now)
{
    if (r.h < 2)
        return;
    char title[160];
    snprintf(title, sizeof(title), "sources of %s", h->config->name);
    ui_put_remote(r.y, 1, r.w - 2, ui->attr[THEME_TITLE], title);
    int y = r.y + 1;
    for (int k = 0; k < SRC_COUNT && y < r.y + r.h; k++) {
        if (!h->status[k].configured)
            continue;
        char text[MODEL_ERROR_MAX + 64];
        theme_role role = ui_freshness(h, k, now, text, sizeof(text));
        ui_put(y, 3, 12, ui->attr[THEME_NORMAL], source_kind_name(k));
        ui_put_remote(y, 16, r.w - 17, ui->attr[role], text);
        y++;
    }
}

static void draw(ui_t *ui, void *state, ui_rect area)
{
    overview *st = state;
    size_t hosts[MAX_LISTED];
    size_t n = env_hosts(ui, hosts, MAX_LISTED);
    double now = loop_wall_time();
    int w[NCOLS];
    layout_columns(columns, NCOLS, area.w - 2, w);
    ui_draw_headings(ui, area.y, columns, NCOLS, w);
    /* the table takes what it needs, up to two thirds; the sources the rest */
    int table_h = (int)n;
    int max_h = area.h - 1 - (area.h >= 12 ? 9 : 0);
    if (table_h > max_h)
        table_h = max_h > 1 ? max_h : 1;
    size_t sel = 0;
    for (size_t i = 0; i < n; i++)
        if (hosts[i] == ui_host_index(ui))
            sel = i;
    st->view.selected = (int)sel;
    table_fit(&st->view, (int)n, table_h);
    for (int r = 0; r < table_h && st->view.top + r < (int)n; r++) {
        size_t i = hosts[st->view.top + r];
        draw_row(ui, &ui->app->model.hosts[i], area.y + 1 + r, w, i == ui_host_index(ui), now);
    }
    if (n == 0)
        ui_put(area.y + 1, 1, area.w - 2, ui->attr[THEME_DIM], "no hosts in this environment");
    host_model *h = ui_host(ui);
    if (h && ui_host_in_env(ui, ui_host_index(ui)))
        draw_sources(ui, h, (ui_rect){area.y + 2 + table_h, 0, area.h - 2 - table_h, area.w}, now);
}

static bool key(ui_t *ui, void *state, int k, bool is_code)
{
    overview *st = state;
    if (!is_code && (k == '\n' || k == '\r')) {
        ui_show_panel(ui, PANEL_CONTAINERS);
        return true;
    }
    if (!table_nav_key(&st->view, k, is_code))
        return false;
    size_t hosts[MAX_LISTED];
    size_t n = env_hosts(ui, hosts, MAX_LISTED);
    if (st->view.selected >= 0 && (size_t)st->view.selected < n)
        ui_set_host(ui, hosts[st->view.selected]);
    return true;
}

const panel panel_overview = {
    .name = "overview",
    .state_size = sizeof(overview),
    .draw = draw,
    .key = key,
    .help = help,
    .filterable = false,
};
