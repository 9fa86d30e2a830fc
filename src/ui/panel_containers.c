/* Panel 2, containers: the selected host's containers as a table, with
 * selection, the `/` filter, and Enter for the details of one. When the
 * last attempt failed the rows are drawn stale, with their age and why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/sanitize.h"
#include "opsdeck/ui/pager.h"
#include "opsdeck/ui/table.h"
#include "opsdeck/ui/text.h"
#include "opsdeck/ui/ui.h"

typedef struct containers_panel {
    table_view view;
    char selected_name[128]; /* the selection follows the container, not the row */
} containers_panel;

enum {
    COL_NAME,
    COL_IMAGE,
    COL_STATE,
    COL_HEALTH,
    COL_STATUS,
    COL_RESTARTS,
    COL_CPU,
    COL_MEM,
    NCOLS
};

static const column_spec columns[NCOLS] = {
    [COL_NAME] = {"NAME", 12, 40, 0, false},     [COL_IMAGE] = {"IMAGE", 10, 40, 5, false},
    [COL_STATE] = {"STATE", 10, 10, 0, false},   [COL_HEALTH] = {"HEALTH", 9, 9, 2, false},
    [COL_STATUS] = {"STATUS", 12, 30, 4, false}, [COL_RESTARTS] = {"RESTARTS", 8, 8, 6, true},
    [COL_CPU] = {"CPU%", 6, 7, 1, true},         [COL_MEM] = {"MEM", 7, 8, 3, true},
};

static const char *const help[] = {
    "j k arrows       move the selection",
    "g G PgUp PgDn    first, last, page up, page down",
    "/                filter by name, image, state, health, status",
    "Esc              clear the filter",
    "Enter            details of the selected container",
    "l  :logs [NAME]  the selected (or named) container's log: its last 500 lines,",
    "                 then followed; / n N search, G follow, ! marks stderr, Esc leaves",
    "r  :restart      restart the selected container (docker restart, or docker",
    "                 compose restart SERVICE when the host has compose =)",
    NULL,
};

static bool matches(const container_info *c, const char *f)
{
    return filter_match(c->name, f) || filter_match(c->image, f) || filter_match(c->state, f) ||
           filter_match(c->health, f) || filter_match(c->status, f) ||
           filter_match(c->compose_service, f);
}

/* Indices of the containers the filter lets through; *rows is malloc'd. */
static int visible_rows(const ui_t *ui, const host_model *h, size_t **rows)
{
    *rows = malloc((h->containers.count + 1) * sizeof(**rows));
    if (!*rows)
        return 0;
    int n = 0;
    for (size_t i = 0; i < h->containers.count; i++)
        if (matches(&h->containers.items[i], ui_filter(ui)))
            (*rows)[n++] = i;
    return n;
}

/* Puts the selection back on the container it was on, if it is still shown. */
static void follow_selection(containers_panel *st, const host_model *h, const size_t *rows, int n)
{
    if (!st->selected_name[0])
        return;
    for (int r = 0; r < n; r++) {
        if (strcmp(h->containers.items[rows[r]].name, st->selected_name) == 0) {
            st->view.selected = r;
            return;
        }
    }
}

static void remember_selection(containers_panel *st, const host_model *h, const size_t *rows, int n)
{
    if (st->view.selected >= 0 && st->view.selected < n)
        snprintf(st->selected_name, sizeof(st->selected_name), "%s",
                 h->containers.items[rows[st->view.selected]].name);
}

static void cell_text(const container_info *c, int col, char *buf, size_t size)
{
    switch (col) {
    case COL_NAME:
        snprintf(buf, size, "%s", c->name);
        break;
    case COL_IMAGE:
        snprintf(buf, size, "%s", c->image);
        break;
    case COL_STATE:
        snprintf(buf, size, "%s", c->state);
        break;
    case COL_HEALTH:
        snprintf(buf, size, "%s", c->health[0] ? c->health : "-");
        break;
    case COL_STATUS:
        snprintf(buf, size, "%s", c->status);
        break;
    case COL_RESTARTS:
        snprintf(buf, size, "%d", c->restarts);
        break;
    case COL_CPU:
        fmt_percent(c->cpu_percent, buf, size);
        break;
    case COL_MEM:
        fmt_bytes(c->mem_bytes, buf, size);
        break;
    }
}

static attr_t cell_attr(const ui_t *ui, const container_info *c, int col, attr_t base, bool plain)
{
    if (plain)
        return base;
    if (col == COL_STATE)
        return ui->attr[ui_state_role(c->state)];
    if (col == COL_HEALTH && c->health[0])
        return ui->attr[ui_state_role(c->health)];
    if (col == COL_RESTARTS && c->restarts > 0)
        return ui->attr[THEME_WARN];
    return base;
}

static void draw_row(ui_t *ui, const container_info *c, int y, const int *w, bool selected,
                     bool stale)
{
    attr_t base = selected ? ui->attr[THEME_SELECTED]
                  : stale  ? ui->attr[THEME_STALE]
                           : ui->attr[THEME_NORMAL];
    ui_fill(y, 0, COLS, base);
    int x = 1;
    for (int col = 0; col < NCOLS; col++) {
        if (!w[col])
            continue;
        char cell[256];
        cell_text(c, col, cell, sizeof(cell));
        attr_t a = cell_attr(ui, c, col, base, selected || stale);
        if (columns[col].right)
            ui_put_right(y, x, w[col], a, cell);
        else
            ui_put_remote(y, x, w[col], a, cell);
        x += w[col] + 1;
    }
}

/* The line above the table: how many, how fresh, the filter. */
static void draw_banner(ui_t *ui, const host_model *h, int y, int width, int shown)
{
    char fresh[MODEL_ERROR_MAX + 64], line[MODEL_ERROR_MAX + 256];
    theme_role role = ui_freshness(h, SRC_CONTAINERS, loop_wall_time(), fresh, sizeof(fresh));
    size_t running = 0;
    for (size_t i = 0; i < h->containers.count; i++)
        running += strcmp(h->containers.items[i].state, "running") == 0;
    char name[160], f[128];
    int x = 1;
    snprintf(line, sizeof(line), "%s: %zu containers, %zu running  ",
             ui_clean(h->config->name, name, sizeof(name)), h->containers.count, running);
    x += ui_put(y, x, width - x, ui->attr[THEME_NORMAL], line);
    if (ui_filter(ui)[0]) {
        snprintf(line, sizeof(line), "/%s: %d shown  ", ui_clean(ui_filter(ui), f, sizeof(f)),
                 shown);
        x += ui_put(y, x, width - x, ui->attr[THEME_WARN], line);
    }
    ui_put_remote(y, x, width - x - 1, ui->attr[role], fresh);
}

static void draw(ui_t *ui, void *state, ui_rect area)
{
    containers_panel *st = state;
    host_model *h = ui_host(ui);
    if (!h || area.h < 3)
        return;
    size_t *rows;
    int n = visible_rows(ui, h, &rows);
    draw_banner(ui, h, area.y, area.w, n);
    int w[NCOLS];
    layout_columns(columns, NCOLS, area.w - 2, w);
    ui_draw_headings(ui, area.y + 1, columns, NCOLS, w);
    follow_selection(st, h, rows, n);
    table_fit(&st->view, n, area.h - 2);
    remember_selection(st, h, rows, n);
    bool stale = ui_source_stale(h, SRC_CONTAINERS);
    for (int r = 0; r < st->view.height && st->view.top + r < n; r++) {
        int i = st->view.top + r;
        draw_row(ui, &h->containers.items[rows[i]], area.y + 2 + r, w, i == st->view.selected,
                 stale);
    }
    if (n == 0) {
        const char *why = h->containers.count                    ? "no container matches the filter"
                          : h->status[SRC_CONTAINERS].has_sample ? "no containers on this host"
                                                                 : "no data yet";
        ui_put(area.y + 2, 1, area.w - 2, ui->attr[THEME_DIM], why);
    }
    free(rows);
}

static void add_field(char *buf, size_t size, size_t *len, const char *label, const char *value)
{
    char clean[512];
    sanitize_text(value, strlen(value), clean, sizeof(clean), SANITIZE_ONE_LINE);
    int n = snprintf(buf + *len, size - *len, "%-16s %s\n", label, clean);
    if (n > 0 && (size_t)n < size - *len)
        *len += (size_t)n;
}

static void open_details(ui_t *ui, const host_model *h, const container_info *c)
{
    char text[4096], num[64], fresh[MODEL_ERROR_MAX + 64];
    size_t len = 0;
    text[0] = '\0';
    add_field(text, sizeof(text), &len, "name", c->name);
    add_field(text, sizeof(text), &len, "id", c->id);
    add_field(text, sizeof(text), &len, "image", c->image);
    add_field(text, sizeof(text), &len, "state", c->state);
    add_field(text, sizeof(text), &len, "health", c->health[0] ? c->health : "(no check)");
    add_field(text, sizeof(text), &len, "status", c->status);
    add_field(text, sizeof(text), &len, "compose service",
              c->compose_service[0] ? c->compose_service : "-");
    snprintf(num, sizeof(num), "%d", c->restarts);
    add_field(text, sizeof(text), &len, "restarts", num);
    add_field(text, sizeof(text), &len, "cpu", fmt_percent(c->cpu_percent, num, sizeof(num)));
    add_field(text, sizeof(text), &len, "memory", fmt_bytes(c->mem_bytes, num, sizeof(num)));
    add_field(text, sizeof(text), &len, "host", h->config->name);
    ui_freshness(h, SRC_CONTAINERS, loop_wall_time(), fresh, sizeof(fresh));
    add_field(text, sizeof(text), &len, "data", fresh);
    char title[192];
    snprintf(title, sizeof(title), "container %.120s  (q or Esc closes)", c->name);
    pager_open(ui, title, text);
}

static bool key(ui_t *ui, void *state, int k, bool is_code)
{
    containers_panel *st = state;
    host_model *h = ui_host(ui);
    if (!h)
        return false;
    size_t *rows;
    int n = visible_rows(ui, h, &rows);
    follow_selection(st, h, rows, n);
    table_fit(&st->view, n, st->view.height); /* the list may have changed since drawn */
    bool used = true;
    if (!is_code && (k == '\n' || k == '\r')) {
        if (st->view.selected < n)
            open_details(ui, h, &h->containers.items[rows[st->view.selected]]);
    } else if (!is_code && k == 'l') {
        if (st->view.selected < n)
            ui_logs_open(ui, h->containers.items[rows[st->view.selected]].name);
        else
            ui_say(ui, true, "logs: no container selected");
    } else if (table_nav_key(&st->view, k, is_code)) {
        remember_selection(st, h, rows, n);
    } else {
        used = false;
    }
    free(rows);
    return used;
}

/* The selected container's name, "" none. */
static void selection(const ui_t *ui, void *state, char *out, size_t size)
{
    containers_panel *st = state;
    const host_model *h = ui_host(ui);
    out[0] = '\0';
    if (!st || !h)
        return;
    size_t *rows;
    int n = visible_rows(ui, h, &rows);
    follow_selection(st, h, rows, n);
    remember_selection(st, h, rows, n);
    if (n > 0 && st->view.selected < n)
        snprintf(out, size, "%s", st->selected_name);
    free(rows);
}

const panel panel_containers = {
    .name = "containers",
    .state_size = sizeof(containers_panel),
    .draw = draw,
    .key = key,
    .help = help,
    .filterable = true,
    .selection = selection,
};

void ui_containers_select(ui_t *ui, const char *name)
{
    containers_panel *st = ui->panel_state[PANEL_CONTAINERS];
    if (st)
        snprintf(st->selected_name, sizeof(st->selected_name), "%s", name);
}
