/* Panel 8, audit: the audit log this console writes, newest first: when,
 * where, what, how it was confirmed, the phase and the result; above it,
 * whether the hash chain is intact (as `opsdeck --verify-audit` says).
 * Enter shows a line whole. The file is read again only when it changes. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "opsdeck/audit_changes.h"
#include "opsdeck/audit_runs.h"
#include "opsdeck/ui/pager.h"
#include "opsdeck/ui/table.h"
#include "opsdeck/ui/text.h"
#include "opsdeck/ui/ui.h"

#define AUDIT_SHOWN_MAX 1000 /* the newest lines kept for the table */
#define LINE_MAX_BYTES  65536

typedef struct audit_panel {
    table_view view;
    char **lines;     /* newest first */
    bool *unfinished; /* per line: an intent/started whose run never closed */
    int nlines;
    off_t size;
    struct timespec mtime;
    char verdict[512];
    bool intact;
} audit_panel;

enum { COL_TIME, COL_HOST, COL_ACTION, COL_TARGET, COL_CONFIRM, COL_PHASE, COL_RESULT, NCOLS };

static const column_spec columns[NCOLS] = {
    [COL_TIME] = {"TIME (UTC)", 19, 19, 0, false}, [COL_HOST] = {"HOST", 8, 20, 2, false},
    [COL_ACTION] = {"ACTION", 9, 10, 0, false},    [COL_TARGET] = {"TARGET", 10, 40, 3, false},
    [COL_CONFIRM] = {"CONFIRM", 7, 18, 4, false},  [COL_PHASE] = {"PHASE", 11, 11, 0, false},
    [COL_RESULT] = {"RESULT", 10, 400, 1, false},
};

static const char *const help[] = {
    "j k arrows g G PgUp PgDn   move the selection",
    "/                          filter the lines",
    "Enter                      the selected line, whole",
    NULL,
};

static void *create(void)
{
    return calloc(1, sizeof(audit_panel));
}

static void forget(audit_panel *st)
{
    for (int i = 0; i < st->nlines; i++)
        free(st->lines[i]);
    free(st->lines);
    free(st->unfinished);
    st->lines = NULL;
    st->unfinished = NULL;
    st->nlines = 0;
}

/* Marks the lines of actions that never finished (lines newest first). */
static void find_unfinished(audit_panel *st)
{
    int n = st->nlines;
    const char **oldest_first = calloc((size_t)n + 1, sizeof(char *));
    bool *marks = calloc((size_t)n + 1, sizeof(bool));
    st->unfinished = calloc((size_t)n + 1, sizeof(bool));
    if (oldest_first && marks && st->unfinished) {
        for (int i = 0; i < n; i++)
            oldest_first[i] = st->lines[n - 1 - i];
        audit_mark_unfinished(oldest_first, n, marks);
        for (int i = 0; i < n; i++)
            st->unfinished[i] = marks[n - 1 - i];
    }
    free(oldest_first);
    free(marks);
}

static void destroy(void *state)
{
    audit_panel *st = state;
    forget(st);
    free(st);
}

/* Reads the newest lines and the chain's verdict, when the file changed. */
static void reload(ui_t *ui, audit_panel *st)
{
    const char *path = ui->audit.path;
    struct stat sb;
    if (!path || stat(path, &sb) < 0) {
        forget(st);
        snprintf(st->verdict, sizeof(st->verdict), "no audit log: %s",
                 ui->audit_error[0] ? ui->audit_error : "nothing written yet");
        st->intact = false;
        st->size = -1;
        return;
    }
    if (sb.st_size == st->size && sb.st_mtim.tv_sec == st->mtime.tv_sec &&
        sb.st_mtim.tv_nsec == st->mtime.tv_nsec)
        return;
    st->size = sb.st_size;
    st->mtime = sb.st_mtim;
    forget(st);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    st->intact = mem && audit_verify(path, mem) == 0;
    if (mem)
        fclose(mem);
    snprintf(st->verdict, sizeof(st->verdict), "%s", buf ? buf : "cannot verify");
    st->verdict[strcspn(st->verdict, "\n")] = '\0';
    free(buf);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    st->lines = calloc(AUDIT_SHOWN_MAX, sizeof(char *));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int kept = 0, next = 0; /* a ring of the newest AUDIT_SHOWN_MAX */
    while (st->lines && (n = getline(&line, &cap, f)) > 0) {
        if (n > LINE_MAX_BYTES)
            continue;
        line[strcspn(line, "\n")] = '\0';
        free(st->lines[next]);
        st->lines[next] = strdup(line);
        next = (next + 1) % AUDIT_SHOWN_MAX;
        if (kept < AUDIT_SHOWN_MAX)
            kept++;
    }
    free(line);
    fclose(f);
    if (!st->lines)
        return;
    /* newest first */
    char **ordered = calloc((size_t)kept + 1, sizeof(char *));
    for (int i = 0; ordered && i < kept; i++)
        ordered[i] = st->lines[(next - 1 - i + AUDIT_SHOWN_MAX) % AUDIT_SHOWN_MAX];
    if (!ordered) {
        for (int i = 0; i < AUDIT_SHOWN_MAX; i++)
            free(st->lines[i]);
        free(st->lines);
        st->lines = NULL;
        return;
    }
    free(st->lines);
    st->lines = ordered;
    st->nlines = kept;
    find_unfinished(st);
}

static const char *field(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static theme_role phase_role(const char *phase, json_t *o)
{
    if (!strcmp(phase, "denied") || !strcmp(phase, "cancelled"))
        return THEME_WARN;
    if (!strcmp(phase, "finished")) {
        json_t *e = json_object_get(o, "exit_status");
        return json_is_integer(e) && json_integer_value(e) == 0 ? THEME_OK : THEME_CRIT;
    }
    return THEME_NORMAL;
}

static int visible(const ui_t *ui, const audit_panel *st, int *rows)
{
    int n = 0;
    for (int i = 0; i < st->nlines; i++)
        if (filter_match(st->lines[i], ui_filter(ui)))
            rows[n++] = i;
    return n;
}

/* An action that never finished: still in flight in a live console, or
 * interrupted (its console was killed) and the host must be checked. */
static bool interrupted(json_t *o, bool unfinished)
{
    const char *id = json_string_value(json_object_get(o, "run_id"));
    return unfinished && id && !audit_run_alive(id);
}

static void draw_row(ui_t *ui, const char *text, int y, const int *w, bool selected,
                     bool unfinished)
{
    attr_t base = selected ? ui->attr[THEME_SELECTED] : ui->attr[THEME_NORMAL];
    ui_fill(y, 0, COLS, base);
    json_t *o = json_loads(text, 0, NULL);
    if (!o) {
        ui_put_remote(y, 1, COLS - 2, selected ? base : ui->attr[THEME_CRIT], text);
        return;
    }
    int x = 1;
    char cell[512];
    for (int c = 0; c < NCOLS; c++) {
        if (!w[c])
            continue;
        attr_t a = base;
        switch (c) {
        case COL_TIME: /* 2026-12-02T02:33:24.484Z -> 2026-12-02 02:33:24 */
            snprintf(cell, sizeof(cell), "%.10s %.8s", field(o, "ts"),
                     strlen(field(o, "ts")) > 11 ? field(o, "ts") + 11 : "");
            break;
        case COL_HOST:
            snprintf(cell, sizeof(cell), "%s", field(o, "host"));
            break;
        case COL_ACTION:
            snprintf(cell, sizeof(cell), "%s", field(o, "action"));
            break;
        case COL_TARGET:
            snprintf(cell, sizeof(cell), "%s", field(o, "target"));
            break;
        case COL_CONFIRM:
            snprintf(cell, sizeof(cell), "%s", field(o, "confirm"));
            break;
        case COL_PHASE:
            snprintf(cell, sizeof(cell), "%s",
                     interrupted(o, unfinished) ? "INTERRUPTED"
                     : unfinished               ? "in flight"
                                                : field(o, "phase"));
            if (!selected)
                a = ui->attr[interrupted(o, unfinished) ? THEME_CRIT : phase_role(cell, o)];
            break;
        case COL_RESULT:
            if (interrupted(o, unfinished))
                snprintf(cell, sizeof(cell),
                         "no finished line: opsdeck stopped during %s; check "
                         "the host",
                         field(o, "phase"));
            else
                audit_result_text(o, cell, sizeof(cell));
            break;
        }
        ui_put_remote(y, x, w[c], a, cell);
        x += w[c] + 1;
    }
    json_decref(o);
}

static void draw(ui_t *ui, void *state, ui_rect area)
{
    audit_panel *st = state;
    if (area.h < 3)
        return;
    reload(ui, st);
    char line[700];
    snprintf(line, sizeof(line), "%s  ", st->verdict);
    int x = 1 + ui_put_remote(area.y, 1, area.w - 2, ui->attr[st->intact ? THEME_OK : THEME_CRIT],
                              line);
    if (ui_filter(ui)[0]) {
        char f[128];
        snprintf(line, sizeof(line), "/%s", ui_clean(ui_filter(ui), f, sizeof(f)));
        ui_put(area.y, x, area.w - x - 1, ui->attr[THEME_WARN], line);
    }
    int *rows = malloc(((size_t)st->nlines + 1) * sizeof(int));
    if (!rows)
        return;
    int n = visible(ui, st, rows);
    int w[NCOLS];
    layout_columns(columns, NCOLS, area.w - 2, w);
    ui_draw_headings(ui, area.y + 1, columns, NCOLS, w);
    table_fit(&st->view, n, area.h - 2);
    for (int r = 0; r < st->view.height && st->view.top + r < n; r++) {
        int i = st->view.top + r;
        draw_row(ui, st->lines[rows[i]], area.y + 2 + r, w, i == st->view.selected,
                 st->unfinished && st->unfinished[rows[i]]);
    }
    if (n == 0)
        ui_put(area.y + 2, 1, area.w - 2, ui->attr[THEME_DIM],
               st->nlines ? "no line matches the filter" : "no action yet");
    free(rows);
}

static bool key(ui_t *ui, void *state, int k, bool is_code)
{
    audit_panel *st = state;
    int *rows = malloc(((size_t)st->nlines + 1) * sizeof(int));
    if (!rows)
        return false;
    int n = visible(ui, st, rows);
    table_fit(&st->view, n, st->view.height);
    bool used = true;
    if (!is_code && (k == '\n' || k == '\r')) {
        if (st->view.selected < n) {
            char *text = json_pretty(st->lines[rows[st->view.selected]]);
            if (text)
                pager_open(ui, "audit line  (q or Esc closes)", text);
            free(text);
        }
    } else if (!table_nav_key(&st->view, k, is_code)) {
        used = false;
    }
    free(rows);
    return used;
}

const panel panel_audit = {
    .name = "audit",
    .create = create,
    .destroy = destroy,
    .draw = draw,
    .key = key,
    .help = help,
    .filterable = true,
};
