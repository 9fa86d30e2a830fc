/* A container's log over the panel (l on panel 2, :logs [NAME]): the last
 * LOG_TAIL_LINES lines, then followed on one channel while the view is
 * open (log_follow.h), kept in a bounded ring (log_ring.h). The view
 * follows the end until it is scrolled or a search moves it; G follows
 * again. / searches (ignoring case), n and N go to the next and previous
 * match, round the ends. Lines the container wrote on stderr are marked
 * with "!". Esc or q leaves and closes the channel. The lines are
 * sanitized as they come in, and again when drawn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/logs/log_follow.h"
#include "opsdeck/logs/log_ring.h"
#include "opsdeck/ui/ui.h"

#define KEY_ESC     27
#define COMMAND_MAX 4096

typedef struct log_view {
    ui_t *ui;
    size_t host;
    char container[128];
    log_ring *ring;
    log_follow *follow;
    bool following;  /* the last lines are shown, and new ones as they come */
    uint64_t top;    /* the first line shown when not following */
    int body_h;      /* the rows of lines, as last drawn (for paging) */
    bool searching;  /* the `/` line is being typed */
    line_edit input; /* that line */
    char needle[LINE_EDIT_MAX];
    int64_t match; /* the line found, -1 none */
} log_view;

bool ui_log_view_active(const ui_t *ui)
{
    return ui->logs != NULL;
}

static void on_changed(void *arg)
{
    log_view *v = arg;
    ui_mark_dirty(v->ui);
}

void ui_logs_close(ui_t *ui)
{
    log_view *v = ui->logs;
    if (!v)
        return;
    log_follow_stop(v->follow);
    log_ring_free(v->ring);
    free(v);
    ui->logs = NULL;
}

static const container_info *find_container(const host_model *h, const char *name)
{
    for (size_t i = 0; i < h->containers.count; i++)
        if (!strcmp(h->containers.items[i].name, name))
            return &h->containers.items[i];
    return NULL;
}

void ui_logs_open(ui_t *ui, const char *name)
{
    host_model *h = ui_host(ui);
    if (!h)
        return;
    char selected[200] = "";
    const panel *containers = ui_panels[PANEL_CONTAINERS];
    if ((!name || !*name) && containers->selection) {
        containers->selection(ui, ui->panel_state[PANEL_CONTAINERS], selected, sizeof(selected));
        name = selected;
    }
    if (!name || !*name) {
        ui_say(ui, true, "logs: no container selected (panel 2), or name one: :logs NAME");
        return;
    }
    char clean[200];
    const container_info *c = find_container(h, name);
    if (!c) {
        ui_say(ui, true, "logs: no container named %s on %s in the latest list",
               ui_clean(name, clean, sizeof(clean)), h->config->name);
        return;
    }
    char command[COMMAND_MAX];
    if (log_follow_command(h->config, c, command, sizeof(command)) < 0) {
        ui_say(ui, true, "logs: the command for %s does not fit", ui_clean(name, clean, 120));
        return;
    }
    ui_logs_close(ui);
    log_view *v = calloc(1, sizeof(*v));
    size_t host = ui_host_index(ui);
    if (v)
        v->ring = log_ring_new(LOG_RING_MAX_LINES);
    if (v && v->ring)
        v->follow = log_follow_start(ui->app->loop, app_host_transport(ui->app, host), command,
                                     v->ring, on_changed, v);
    if (!v || !v->follow) {
        if (v)
            log_ring_free(v->ring);
        free(v);
        ui_say(ui, true, "logs: the host's session could not take the command");
        return;
    }
    v->ui = ui;
    v->host = host;
    snprintf(v->container, sizeof(v->container), "%s", c->name);
    v->following = true;
    v->match = -1;
    ui->logs = v;
}

void ui_log_line_draw(ui_t *ui, int y, int x, int w, const log_line *l, attr_t attr)
{
    attr_t a = ui->attr[THEME_NORMAL];
    ui_put(y, x, 2, l->is_stderr ? ui->attr[THEME_WARN] | A_BOLD : a, l->is_stderr ? "!" : " ");
    ui_put_remote(y, x + 2, w - 2, attr, l->text);
}

/* The first line shown: the last page's when following, else top held
 * within the lines kept. */
static uint64_t first_shown(const log_view *v, int rows)
{
    uint64_t first = log_ring_first(v->ring), end = log_ring_end(v->ring);
    uint64_t last_page = end - first > (uint64_t)rows ? end - (uint64_t)rows : first;
    if (v->following)
        return last_page;
    uint64_t top = v->top < first ? first : v->top;
    return top > last_page ? last_page : top;
}

void ui_log_view_draw(ui_t *ui, ui_rect area)
{
    log_view *v = ui->logs;
    const host_config *hc = app_host_config(ui->app, v->host);
    attr_t a = ui->attr[THEME_NORMAL];
    for (int y = area.y; y < area.y + area.h; y++)
        ui_fill(y, area.x, area.w, a);
    int rows = area.h - 2;
    if (rows < 1)
        return;
    v->body_h = rows;
    uint64_t first = first_shown(v, rows), end = log_ring_end(v->ring);
    uint64_t kept_first = log_ring_first(v->ring);
    char title[512], where[160];
    int x = 1 + ui_put_remote(area.y, 1, area.w - 2, ui->attr[THEME_TITLE] | A_BOLD, "logs ");
    snprintf(title, sizeof(title), "%s on %s ", v->container, hc->name);
    x += ui_put_remote(area.y, x, area.w - x - 1, a | A_BOLD, title);
    x += ui_put_remote(area.y, x, area.w - x - 1, ui_env_attr(ui, hc->env, true), hc->env);
    uint64_t shown_last = first + (uint64_t)rows < end ? first + (uint64_t)rows : end;
    if (v->following)
        snprintf(where, sizeof(where), "  following, %llu lines",
                 (unsigned long long)(end - kept_first));
    else
        snprintf(where, sizeof(where), "  lines %llu-%llu of %llu",
                 (unsigned long long)(first - kept_first + 1),
                 (unsigned long long)(shown_last - kept_first),
                 (unsigned long long)(end - kept_first));
    x += ui_put(area.y, x, area.w - x - 1, ui->attr[THEME_DIM], where);
    if (v->match >= 0 && log_ring_line(v->ring, (uint64_t)v->match)) {
        snprintf(where, sizeof(where), "  match at line %llu",
                 (unsigned long long)((uint64_t)v->match - kept_first + 1));
        x += ui_put(area.y, x, area.w - x - 1, ui->attr[THEME_WARN], where);
    }
    const char *ended = log_follow_ended(v->follow);
    if (ended[0]) {
        x += ui_put(area.y, x, area.w - x - 1, ui->attr[THEME_CRIT], "  ended: ");
        ui_put_remote(area.y, x, area.w - x - 1, ui->attr[THEME_CRIT], ended);
    }
    int y = area.y + 1;
    for (uint64_t n = first; n < end && y < area.y + 1 + rows; n++, y++) {
        const log_line *l = log_ring_line(v->ring, n);
        if (!l)
            continue;
        ui_log_line_draw(ui, y, 1, area.w - 2, l, (int64_t)n == v->match ? a | A_REVERSE : a);
    }
    int bottom = area.y + area.h - 1;
    if (v->searching) {
        ui_put(bottom, 1, 1, ui->attr[THEME_STATUS] | A_BOLD, "/");
        ui_put_remote(bottom, 2, area.w - 3, a, v->input.text);
        return;
    }
    ui_put(bottom, 1, area.w - 2, ui->attr[THEME_DIM],
           "/ search  n N next/previous match  j k PgUp PgDn g scroll  G follow  "
           "! stderr  Esc q leave");
}

static void show_line(log_view *v, uint64_t n)
{
    int rows = v->body_h > 0 ? v->body_h : 1;
    v->following = false;
    v->top = n > (uint64_t)(rows / 2) ? n - (uint64_t)(rows / 2) : 0;
}

static void search(log_view *v, bool forward)
{
    ui_t *ui = v->ui;
    char clean[LINE_EDIT_MAX];
    if (!v->needle[0]) {
        ui_say(ui, true, "logs: nothing searched for yet: / and a word");
        return;
    }
    int rows = v->body_h > 0 ? v->body_h : 1;
    uint64_t from = v->match >= 0 ? (uint64_t)v->match : first_shown(v, rows);
    /* from the top of the view the first line looked at forward is itself */
    if (v->match < 0 && forward && from > log_ring_first(v->ring))
        from--;
    int64_t n = log_ring_search(v->ring, v->needle, from, forward);
    if (n < 0) {
        v->match = -1;
        ui_say(ui, true, "logs: %s not found in the lines kept",
               ui_clean(v->needle, clean, sizeof(clean)));
        return;
    }
    v->match = n;
    show_line(v, (uint64_t)n);
}

static void scroll_by(log_view *v, int delta)
{
    int rows = v->body_h > 0 ? v->body_h : 1;
    uint64_t top = first_shown(v, rows);
    uint64_t first = log_ring_first(v->ring), end = log_ring_end(v->ring);
    uint64_t last_page = end - first > (uint64_t)rows ? end - (uint64_t)rows : first;
    if (delta < 0)
        top = top - first > (uint64_t)-delta ? top + delta : first;
    else
        top += (uint64_t)delta;
    v->following = top >= last_page; /* scrolled down to the end: follow again */
    v->top = top > last_page ? last_page : top;
}

static bool search_key(log_view *v, int key, bool is_code)
{
    int k = ui_line_key(key, is_code);
    if (k == 0)
        return true;
    line_result r = line_key(&v->input, k);
    if (r == LINE_EDITING)
        return true;
    v->searching = false;
    if (r == LINE_DONE && v->input.text[0]) {
        snprintf(v->needle, sizeof(v->needle), "%s", v->input.text);
        v->match = -1;
        search(v, true);
    }
    return true;
}

bool ui_log_view_key(ui_t *ui, int key, bool is_code)
{
    log_view *v = ui->logs;
    if (!v)
        return false;
    if (v->searching)
        return search_key(v, key, is_code);
    int page = v->body_h > 1 ? v->body_h - 1 : 1;
    if (is_code) {
        switch (key) {
        case KEY_UP:
            scroll_by(v, -1);
            return true;
        case KEY_DOWN:
            scroll_by(v, 1);
            return true;
        case KEY_PPAGE:
            scroll_by(v, -page);
            return true;
        case KEY_NPAGE:
            scroll_by(v, page);
            return true;
        case KEY_HOME:
            v->following = false;
            v->top = log_ring_first(v->ring);
            return true;
        case KEY_END:
            v->following = true;
            return true;
        default:
            return true;
        }
    }
    switch (key) {
    case KEY_ESC:
    case 'q':
        ui_logs_close(ui);
        return true;
    case '/':
        line_clear(&v->input);
        v->searching = true;
        return true;
    case 'n':
    case 'N':
        search(v, key == 'n');
        return true;
    case 'G':
        v->following = true;
        v->match = -1;
        return true;
    case 'g':
        v->following = false;
        v->top = log_ring_first(v->ring);
        return true;
    case 'j':
        scroll_by(v, 1);
        return true;
    case 'k':
        scroll_by(v, -1);
        return true;
    case ' ':
        scroll_by(v, page);
        return true;
    case ':': /* the command line (:logs OTHER, :quit) and the help stay */
    case '?':
        return false;
    default:
        return true; /* the panel's keys would act on a row not shown */
    }
}
