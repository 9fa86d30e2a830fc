/* Panel 4, postgres: the selected host's database: connections by state
 * against max_connections, its size, and the backends worth a look (slow
 * queries, sessions idle in a transaction, queries that wait on another),
 * longest first, with who blocks whom. Query text is sanitized and folded
 * onto one line; Enter shows it whole. c, t and K act on these rows (their
 * rows in action_table.c, actions/pg_actions.c; the selection hook below
 * gives them the selected pid). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/sanitize.h"
#include "opsdeck/ui/pager.h"
#include "opsdeck/ui/table.h"
#include "opsdeck/ui/text.h"
#include "opsdeck/ui/ui.h"

typedef struct postgres_panel {
    table_view view;
    int selected_pid; /* the selection follows the backend, not the row */
} postgres_panel;

enum {
    COL_PID,
    COL_KIND,
    COL_AGE,
    COL_USER,
    COL_DB,
    COL_APP,
    COL_WAIT,
    COL_BLOCKED,
    COL_QUERY,
    NCOLS
};

static const column_spec columns[NCOLS] = {
    [COL_PID] = {"PID", 7, 8, 0, true},          [COL_KIND] = {"STATE", 8, 12, 0, false},
    [COL_AGE] = {"AGE", 6, 7, 0, true},          [COL_USER] = {"USER", 6, 12, 3, false},
    [COL_DB] = {"DB", 6, 12, 5, false},          [COL_APP] = {"APP", 6, 14, 4, false},
    [COL_WAIT] = {"WAIT", 6, 18, 2, false},      [COL_BLOCKED] = {"BLOCKED BY", 10, 16, 1, false},
    [COL_QUERY] = {"QUERY", 10, 1000, 0, false},
};

static const char *const help[] = {
    "j k arrows g G PgUp PgDn   move the selection",
    "/                          filter by pid, user, database, application, state, query",
    "Enter                      the selected backend's query, whole",
    "c  :cancel [PID]           cancel the selected (or named) backend's query",
    "t  :terminate [PID]        terminate the selected (or named) backend",
    "K  :kill-idle              terminate every session idle in a transaction past idle_txn",
    NULL,
};

static bool matches(const pg_backend *b, const char *f)
{
    char pid[16];
    snprintf(pid, sizeof(pid), "%d", b->pid);
    return filter_match(pid, f) || filter_match(b->user, f) || filter_match(b->database, f) ||
           filter_match(b->application, f) || filter_match(b->state, f) ||
           filter_match(b->query ? b->query : "", f);
}

static int by_age(const void *a, const void *b)
{
    double x = (*(const pg_backend *const *)a)->seconds,
           y = (*(const pg_backend *const *)b)->seconds;
    return x > y ? -1 : x < y;
}

/* The backends shown for host h (slow, idle in a transaction, blocked),
 * filtered and longest first; *rows is malloc'd and points into h. */
static int shown_rows(const ui_t *ui, const host_model *h, const pg_backend ***rows)
{
    const postgres_sample *p = &h->postgres;
    *rows = malloc((p->nslow + p->nidle_in_txn + 1) * sizeof(**rows));
    if (!*rows)
        return 0;
    int n = 0;
    for (size_t i = 0; i < p->nslow; i++)
        if (matches(&p->slow[i], ui_filter(ui)))
            (*rows)[n++] = &p->slow[i];
    for (size_t i = 0; i < p->nidle_in_txn; i++)
        if (matches(&p->idle_in_txn[i], ui_filter(ui)))
            (*rows)[n++] = &p->idle_in_txn[i];
    qsort(*rows, (size_t)n, sizeof(**rows), by_age);
    return n;
}

static void follow_selection(postgres_panel *st, const pg_backend **rows, int n)
{
    for (int i = 0; st->selected_pid && i < n; i++)
        if (rows[i]->pid == st->selected_pid) {
            st->view.selected = i;
            return;
        }
}

static void remember_selection(postgres_panel *st, const pg_backend **rows, int n)
{
    if (st->view.selected >= 0 && st->view.selected < n)
        st->selected_pid = rows[st->view.selected]->pid;
}

/* The pid of the selected backend of the selected host, "" none. */
static void selection(const ui_t *ui, void *state, char *out, size_t size)
{
    const postgres_panel *st = state;
    const host_model *h = ui_host(ui);
    out[0] = '\0';
    if (!st || !h)
        return;
    const pg_backend **rows;
    int n = shown_rows(ui, h, &rows);
    int pid = 0;
    for (int i = 0; i < n && st->selected_pid; i++)
        if (rows[i]->pid == st->selected_pid)
            pid = st->selected_pid;
    if (!pid && n > 0 && st->view.selected >= 0 && st->view.selected < n)
        pid = rows[st->view.selected]->pid;
    free(rows);
    if (pid)
        snprintf(out, size, "%d", pid);
}

static const char *kind_of(const pg_backend *b)
{
    if (strncmp(b->state, "idle in transaction", 19) == 0)
        return "idle in txn";
    if (b->nblocked_by)
        return "blocked";
    return "slow";
}

static void blocked_list(const pg_backend *b, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < b->nblocked_by; i++) {
        int n = snprintf(buf + len, size - len, "%s%d", i ? "," : "", b->blocked_by[i]);
        if (n < 0 || (size_t)n >= size - len)
            break;
        len += (size_t)n;
    }
}

static void draw_row(ui_t *ui, const host_model *h, const pg_backend *b, int y, const int *w,
                     bool selected, bool stale)
{
    attr_t base = selected ? ui->attr[THEME_SELECTED]
                  : stale  ? ui->attr[THEME_STALE]
                           : ui->attr[THEME_NORMAL];
    ui_fill(y, 0, COLS, base);
    int x = 1;
    char cell[128];
    for (int c = 0; c < NCOLS; c++) {
        if (!w[c])
            continue;
        attr_t a = base;
        switch (c) {
        case COL_PID:
            snprintf(cell, sizeof(cell), "%d", b->pid);
            ui_put_right(y, x, w[c], a, cell);
            break;
        case COL_KIND: {
            const char *k = kind_of(b);
            bool killable =
                strcmp(k, "idle in txn") == 0 && b->seconds >= ui->app->config->idle_txn_s;
            if (!selected && !stale)
                a = ui->attr[strcmp(k, "slow") == 0 && !killable ? THEME_WARN : THEME_CRIT];
            ui_put(y, x, w[c], a, k);
            break;
        }
        case COL_AGE:
            ui_put_right(y, x, w[c], a, fmt_age(b->seconds, cell, sizeof(cell)));
            break;
        case COL_USER:
            ui_put_remote(y, x, w[c], a, b->user);
            break;
        case COL_DB:
            ui_put_remote(y, x, w[c], a, b->database);
            break;
        case COL_APP:
            ui_put_remote(y, x, w[c], a, b->application);
            break;
        case COL_WAIT:
            ui_put_remote(y, x, w[c], a, b->wait_event);
            break;
        case COL_BLOCKED:
            blocked_list(b, cell, sizeof(cell));
            ui_put(y, x, w[c], selected || stale ? a : ui->attr[THEME_CRIT], cell);
            break;
        case COL_QUERY:
            ui_put_remote(y, x, w[c], a, b->query ? b->query : ""); /* folded, sanitized */
            break;
        }
        x += w[c] + 1;
    }
}

static void draw_banner(ui_t *ui, const host_model *h, int y, int width, int shown)
{
    const postgres_sample *p = &h->postgres;
    char fresh[MODEL_ERROR_MAX + 64], line[512], size[24], name[160], ver[64];
    theme_role role = ui_freshness(h, SRC_POSTGRES, loop_wall_time(), fresh, sizeof(fresh));
    int x = 1;
    if (h->status[SRC_POSTGRES].has_sample) {
        snprintf(line, sizeof(line),
                 "%s: postgres %s  connections %d/%d (active %d, idle %d, idle in txn %d)  "
                 "size %s  ",
                 ui_clean(h->config->name, name, sizeof(name)),
                 ui_clean(p->server_version, ver, sizeof(ver)), p->conn_total, p->conn_max,
                 p->conn_active, p->conn_idle, p->conn_idle_in_txn,
                 fmt_bytes(p->database_size_bytes, size, sizeof(size)));
        bool crowded = p->conn_max > 0 && p->conn_total * 10 >= p->conn_max * 8;
        x += ui_put(y, x, width - x, ui->attr[crowded ? THEME_WARN : THEME_NORMAL], line);
    }
    if (ui_filter(ui)[0]) {
        char f[128];
        snprintf(line, sizeof(line), "/%s: %d shown  ", ui_clean(ui_filter(ui), f, sizeof(f)),
                 shown);
        x += ui_put(y, x, width - x, ui->attr[THEME_WARN], line);
    }
    ui_put_remote(y, x, width - x - 1, ui->attr[role], fresh);
}

static void draw(ui_t *ui, void *state, ui_rect area)
{
    postgres_panel *st = state;
    host_model *h = ui_host(ui);
    if (!h || area.h < 3)
        return;
    if (!h->status[SRC_POSTGRES].configured) {
        ui_put(area.y, 1, area.w - 2, ui->attr[THEME_DIM], "no postgres = for this host");
        return;
    }
    const pg_backend **rows;
    int n = shown_rows(ui, h, &rows);
    draw_banner(ui, h, area.y, area.w, n);
    int w[NCOLS];
    layout_columns(columns, NCOLS, area.w - 2, w);
    ui_draw_headings(ui, area.y + 1, columns, NCOLS, w);
    follow_selection(st, rows, n);
    table_fit(&st->view, n, area.h - 2);
    remember_selection(st, rows, n);
    bool stale = ui_source_stale(h, SRC_POSTGRES);
    for (int r = 0; r < st->view.height && st->view.top + r < n; r++) {
        int i = st->view.top + r;
        draw_row(ui, h, rows[i], area.y + 2 + r, w, i == st->view.selected, stale);
    }
    if (n == 0) {
        char none[128];
        snprintf(none, sizeof(none),
                 ui_filter(ui)[0] ? "no backend matches the filter"
                 : h->status[SRC_POSTGRES].has_sample
                     ? "no query slower than %gs, no transaction idle, nothing blocked"
                     : "no data yet",
                 ui->app->config->slow_query_s);
        ui_put(area.y + 2, 1, area.w - 2, ui->attr[THEME_DIM], none);
    }
    free(rows);
}

static void open_details(ui_t *ui, const pg_backend *b)
{
    char head[1024], blocked[128];
    blocked_list(b, blocked, sizeof(blocked));
    snprintf(head, sizeof(head),
             "pid          %d\nuser         %s\ndatabase     %s\napplication  %s\nstate        %s\n"
             "wait         %s\nage          %.1f s\nblocked by   %s\n\nquery:\n",
             b->pid, b->user, b->database, b->application, b->state,
             b->wait_event[0] ? b->wait_event : "-", b->seconds, blocked[0] ? blocked : "-");
    size_t qlen = b->query ? strlen(b->query) : 0;
    char *text = malloc(strlen(head) + qlen + 2);
    if (!text) {
        ui_say(ui, true, "out of memory");
        return;
    }
    sprintf(text, "%s%s\n", head, b->query ? b->query : "");
    char title[96];
    snprintf(title, sizeof(title), "backend %d  (q or Esc closes)", b->pid);
    pager_open(ui, title, text); /* sanitizes, keeping the query's own lines */
    free(text);
}

static bool key(ui_t *ui, void *state, int k, bool is_code)
{
    postgres_panel *st = state;
    host_model *h = ui_host(ui);
    if (!h)
        return false;
    const pg_backend **rows;
    int n = shown_rows(ui, h, &rows);
    follow_selection(st, rows, n);
    table_fit(&st->view, n, st->view.height); /* the list may have changed since drawn */
    bool used = true;
    if (!is_code && (k == '\n' || k == '\r')) {
        if (st->view.selected < n)
            open_details(ui, rows[st->view.selected]);
    } else if (table_nav_key(&st->view, k, is_code)) {
        remember_selection(st, rows, n);
    } else {
        used = false;
    }
    free(rows);
    return used;
}

const panel panel_postgres = {
    .name = "postgres",
    .state_size = sizeof(postgres_panel),
    .draw = draw,
    .key = key,
    .help = help,
    .filterable = true,
    .selection = selection,
};

void ui_postgres_select_pid(ui_t *ui, int pid)
{
    postgres_panel *st = ui->panel_state[PANEL_POSTGRES];
    if (st)
        st->selected_pid = pid;
}
