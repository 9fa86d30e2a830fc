/* Panel 6, alerts: the environment's alerts from each host's Alertmanager,
 * most severe first, then the longest firing. Silenced and inhibited ones
 * are hidden until `s` shows them; Enter shows an alert's labels and
 * annotations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/alert_counts.h"
#include "opsdeck/ui/pager.h"
#include "opsdeck/ui/table.h"
#include "opsdeck/ui/text.h"
#include "opsdeck/ui/ui.h"

typedef struct alerts_panel {
    table_view view;
    bool show_suppressed;
    /* the selection follows the alert, not the row */
    char selected_name[128], selected_host[128], selected_start[40];
} alerts_panel;

typedef struct alert_ref {
    const host_model *host;
    const alert_info *alert;
} alert_ref;

enum { COL_SEVERITY, COL_NAME, COL_AGE, COL_HOST, COL_STATE, COL_SUMMARY, NCOLS };

static const column_spec columns[NCOLS] = {
    [COL_SEVERITY] = {"SEVERITY", 8, 9, 0, false},
    [COL_NAME] = {"ALERT", 10, 32, 0, false},
    [COL_AGE] = {"AGE", 6, 7, 1, true},
    [COL_HOST] = {"HOST", 6, 20, 3, false},
    [COL_STATE] = {"STATE", 10, 11, 2, false},
    [COL_SUMMARY] = {"SUMMARY", 10, 400, 1, false},
};

static const char *const help[] = {
    "j k arrows g G PgUp PgDn   move the selection",
    "s                          show or hide silenced and inhibited alerts",
    "/                          filter by name, severity, summary, host",
    "Enter                      the alert's labels and annotations",
    NULL,
};

static int by_severity_then_age(const void *pa, const void *pb)
{
    const alert_info *a = ((const alert_ref *)pa)->alert, *b = ((const alert_ref *)pb)->alert;
    int ra = alert_severity_rank(a->severity), rb = alert_severity_rank(b->severity);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    /* older first; an alert without a start time last */
    double sa = a->starts_at_epoch > 0 ? a->starts_at_epoch : 1e300;
    double sb = b->starts_at_epoch > 0 ? b->starts_at_epoch : 1e300;
    if (sa != sb)
        return sa < sb ? -1 : 1;
    return strcmp(a->name, b->name);
}

static bool matches(const alert_ref *r, const char *f)
{
    return filter_match(r->alert->name, f) || filter_match(r->alert->severity, f) ||
           filter_match(r->alert->summary, f) || filter_match(r->host->config->name, f) ||
           filter_match(r->alert->state, f);
}

/* The alerts to list, sorted; *refs is malloc'd. */
static int collect(const ui_t *ui, const alerts_panel *st, alert_ref **refs)
{
    const fleet_model *m = &ui->app->model;
    size_t total = 0;
    for (size_t i = 0; i < m->nhosts; i++)
        if (ui_alerts_source(ui, ui->env, i))
            total += m->hosts[i].alerts.count;
    *refs = malloc((total + 1) * sizeof(**refs));
    if (!*refs)
        return 0;
    int n = 0;
    for (size_t i = 0; i < m->nhosts; i++) {
        if (!ui_alerts_source(ui, ui->env, i))
            continue;
        const host_model *h = &m->hosts[i];
        for (size_t a = 0; a < h->alerts.count; a++) {
            alert_ref r = {h, &h->alerts.items[a]};
            if ((st->show_suppressed || !alert_suppressed(r.alert)) && matches(&r, ui_filter(ui)))
                (*refs)[n++] = r;
        }
    }
    qsort(*refs, (size_t)n, sizeof(**refs), by_severity_then_age);
    return n;
}

static bool is_selected(const alerts_panel *st, const alert_ref *r)
{
    return strcmp(r->alert->name, st->selected_name) == 0 &&
           strcmp(r->host->config->name, st->selected_host) == 0 &&
           strcmp(r->alert->starts_at, st->selected_start) == 0;
}

static void follow_selection(alerts_panel *st, const alert_ref *refs, int n)
{
    for (int i = 0; st->selected_name[0] && i < n; i++)
        if (is_selected(st, &refs[i])) {
            st->view.selected = i;
            return;
        }
}

static void remember_selection(alerts_panel *st, const alert_ref *refs, int n)
{
    if (st->view.selected < 0 || st->view.selected >= n)
        return;
    const alert_ref *r = &refs[st->view.selected];
    snprintf(st->selected_name, sizeof(st->selected_name), "%s", r->alert->name);
    snprintf(st->selected_host, sizeof(st->selected_host), "%s", r->host->config->name);
    snprintf(st->selected_start, sizeof(st->selected_start), "%s", r->alert->starts_at);
}

static theme_role severity_role(const char *severity)
{
    int rank = alert_severity_rank(severity);
    return rank == 0 ? THEME_CRIT : rank == 1 ? THEME_WARN : THEME_NORMAL;
}

static void draw_row(ui_t *ui, const alert_ref *r, int y, const int *w, bool selected, double now)
{
    bool stale = ui_source_stale(r->host, SRC_ALERTS);
    bool dim = alert_suppressed(r->alert);
    attr_t base = selected ? ui->attr[THEME_SELECTED]
                  : stale  ? ui->attr[THEME_STALE]
                  : dim    ? ui->attr[THEME_DIM]
                           : ui->attr[THEME_NORMAL];
    ui_fill(y, 0, COLS, base);
    int x = 1;
    for (int c = 0; c < NCOLS; c++) {
        if (!w[c])
            continue;
        char cell[64];
        switch (c) {
        case COL_SEVERITY: {
            bool plain = selected || stale || dim;
            ui_put_remote(y, x, w[c], plain ? base : ui->attr[severity_role(r->alert->severity)],
                          r->alert->severity[0] ? r->alert->severity : "-");
            break;
        }
        case COL_NAME:
            ui_put_remote(y, x, w[c], base, r->alert->name);
            break;
        case COL_AGE:
            fmt_age(r->alert->starts_at_epoch > 0 ? now - r->alert->starts_at_epoch : -1, cell,
                    sizeof(cell));
            ui_put_right(y, x, w[c], base, cell);
            break;
        case COL_HOST:
            ui_put_remote(y, x, w[c], base, r->host->config->name);
            break;
        case COL_STATE:
            ui_put_remote(y, x, w[c], base, r->alert->state);
            break;
        case COL_SUMMARY:
            ui_put_remote(y, x, w[c], base, r->alert->summary);
            break;
        }
        x += w[c] + 1;
    }
}

/* Counts by severity, what is hidden, and how fresh each source is. */
static void draw_banner(ui_t *ui, const alerts_panel *st, int y, int width, int shown)
{
    const fleet_model *m = &ui->app->model;
    alert_counts counts = {0};
    int sources = 0, suppressed = 0;
    const host_model *failing = NULL;
    for (size_t i = 0; i < m->nhosts; i++) {
        if (!ui_alerts_source(ui, ui->env, i))
            continue;
        const host_model *h = &m->hosts[i];
        sources++;
        alert_counts_add(&counts, &h->alerts);
        for (size_t a = 0; a < h->alerts.count; a++)
            suppressed += alert_suppressed(&h->alerts.items[a]);
        if (ui_source_stale(h, SRC_ALERTS) && !failing)
            failing = h;
    }
    char line[256];
    snprintf(line, sizeof(line), "%s: %d critical, %d warning, %d other; %d suppressed (%s)  ",
             ui_env_name(ui), counts.critical, counts.warning, counts.other, suppressed,
             st->show_suppressed ? "shown, s hides" : "hidden, s shows");
    int x = 1 + ui_put(y, 1, width - 2, ui->attr[THEME_NORMAL], line);
    if (ui_filter(ui)[0]) {
        char f[128];
        snprintf(line, sizeof(line), "/%s: %d shown  ", ui_clean(ui_filter(ui), f, sizeof(f)),
                 shown);
        x += ui_put(y, x, width - x, ui->attr[THEME_WARN], line);
    }
    if (!sources) {
        ui_put(y, x, width - x - 1, ui->attr[THEME_DIM], "no host here has alertmanager =");
    } else if (failing) {
        char fresh[MODEL_ERROR_MAX + 64], name[160];
        theme_role role = ui_freshness(failing, SRC_ALERTS, loop_wall_time(), fresh, sizeof(fresh));
        snprintf(line, sizeof(line), "%s: ", ui_clean(failing->config->name, name, sizeof(name)));
        x += ui_put(y, x, width - x, ui->attr[role], line);
        ui_put_remote(y, x, width - x - 1, ui->attr[role], fresh);
    }
}

static void draw(ui_t *ui, void *state, ui_rect area)
{
    alerts_panel *st = state;
    if (area.h < 3)
        return;
    alert_ref *refs;
    int n = collect(ui, st, &refs);
    draw_banner(ui, st, area.y, area.w, n);
    int w[NCOLS];
    layout_columns(columns, NCOLS, area.w - 2, w);
    ui_draw_headings(ui, area.y + 1, columns, NCOLS, w);
    follow_selection(st, refs, n);
    table_fit(&st->view, n, area.h - 2);
    remember_selection(st, refs, n);
    double now = loop_wall_time();
    for (int r = 0; r < st->view.height && st->view.top + r < n; r++) {
        int i = st->view.top + r;
        draw_row(ui, &refs[i], area.y + 2 + r, w, i == st->view.selected, now);
    }
    if (n == 0)
        ui_put(area.y + 2, 1, area.w - 2, ui->attr[THEME_DIM],
               ui_filter(ui)[0] ? "no alert matches the filter" : "no alerts");
    free(refs);
}

static void open_details(ui_t *ui, const alert_ref *r)
{
    char *labels = json_pretty(r->alert->labels_json ? r->alert->labels_json : "{}");
    char *notes = json_pretty(r->alert->annotations_json ? r->alert->annotations_json : "{}");
    size_t size = 1024 + (labels ? strlen(labels) : 0) + (notes ? strlen(notes) : 0);
    char *text = malloc(size);
    if (text && labels && notes) {
        snprintf(text, size,
                 "alert     %s\nseverity  %s\nstate     %s\nsince     %s\nhost      %s\n"
                 "summary   %s\n\nlabels:\n%s\n\nannotations:\n%s\n",
                 r->alert->name, r->alert->severity, r->alert->state, r->alert->starts_at,
                 r->host->config->name, r->alert->summary, labels, notes);
        char title[192];
        snprintf(title, sizeof(title), "alert %.120s  (q or Esc closes)", r->alert->name);
        pager_open(ui, title, text); /* sanitizes */
    } else {
        ui_say(ui, true, "out of memory");
    }
    free(text);
    free(labels);
    free(notes);
}

static bool key(ui_t *ui, void *state, int k, bool is_code)
{
    alerts_panel *st = state;
    if (!is_code && k == 's') {
        st->show_suppressed = !st->show_suppressed;
        ui_say(ui, false, "silenced and inhibited alerts %s",
               st->show_suppressed ? "shown" : "hidden");
        return true;
    }
    alert_ref *refs;
    int n = collect(ui, st, &refs);
    follow_selection(st, refs, n);
    table_fit(&st->view, n, st->view.height); /* the list may have changed since drawn */
    bool used = true;
    if (!is_code && (k == '\n' || k == '\r')) {
        if (st->view.selected < n)
            open_details(ui, &refs[st->view.selected]);
    } else if (table_nav_key(&st->view, k, is_code)) {
        remember_selection(st, refs, n);
    } else {
        used = false;
    }
    free(refs);
    return used;
}

const panel panel_alerts = {
    .name = "alerts",
    .state_size = sizeof(alerts_panel),
    .draw = draw,
    .key = key,
    .help = help,
    .filterable = true,
};

void ui_alerts_select(ui_t *ui, const char *host, const char *name, const char *starts_at,
                      bool suppressed)
{
    alerts_panel *st = ui->panel_state[PANEL_ALERTS];
    if (!st)
        return;
    snprintf(st->selected_name, sizeof(st->selected_name), "%s", name);
    snprintf(st->selected_host, sizeof(st->selected_host), "%s", host);
    snprintf(st->selected_start, sizeof(st->selected_start), "%s", starts_at);
    st->show_suppressed |= suppressed;
}
