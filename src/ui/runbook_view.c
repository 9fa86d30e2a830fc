/* The run view, over the panel: the runbook, the host and its environment,
 * every step with its state (pending, running, passed, failed, skipped,
 * refused), its elapsed time and what it found; the current step's command
 * and its output as it streams (sanitized; a logs check's lines marked as
 * the log view marks them); the choice menu when one is due; the verdict.
 * j and k show another step's output instead (G the current one again),
 * PgUp and PgDn scroll it. Esc leaves the view and the run goes on (the
 * header says so); Enter on panel 7 or its key comes back to it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/runbook/engine.h"
#include "opsdeck/sanitize.h"
#include "opsdeck/ui/ui.h"

#define KEY_ESC 27

void ui_runbook_ask_break(ui_t *ui);

bool ui_runbook_view_active(const ui_t *ui)
{
    return ui->rb_view && ui->runbooks && rb_engine_run(ui->runbooks)->phase != RB_IDLE;
}

static theme_role state_role(rb_step_state s)
{
    switch (s) {
    case RBS_PASSED:
        return THEME_OK;
    case RBS_FAILED:
    case RBS_REFUSED:
        return THEME_CRIT;
    case RBS_RUNNING:
    case RBS_ASKING:
        return THEME_WARN;
    default:
        return THEME_DIM;
    }
}

static void elapsed(const ui_t *ui, const rb_row *row, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!row->started_ms)
        return;
    int64_t end = row->ended_ms ? row->ended_ms : loop_now_ms(ui->app->loop);
    double s = (double)(end - row->started_ms) / 1000.0;
    snprintf(buf, size, s < 60 ? "%.1fs" : "%.0fs", s);
}

static void phase_line(ui_t *ui, const rb_run *r, char *buf, size_t size, theme_role *role)
{
    *role = THEME_WARN;
    switch (r->phase) {
    case RB_LOCKING:
        snprintf(buf, size, "taking the lock on the host...");
        break;
    case RB_RUNNING:
        snprintf(buf, size, "running step %s...", r->nrows ? r->rows[r->current].index : "");
        break;
    case RB_CONFIRM_PLAN:
    case RB_CONFIRM_STEP:
    case RB_OFFER_ON_FAILURE:
        snprintf(buf, size, "waiting for your answer");
        break;
    case RB_CHOOSING:
        snprintf(buf, size, "choose: press the option's number (Esc leaves the view)");
        break;
    case RB_DONE:
    case RB_ATTACHED:
        snprintf(buf, size, "%s", r->verdict);
        *role = r->phase == RB_ATTACHED && !r->verdict[0] ? THEME_WARN
                : r->succeeded                            ? THEME_OK
                                                          : THEME_CRIT;
        break;
    default:
        buf[0] = '\0';
    }
}

/* The first of count lines shown in rows, *back lines before the end
 * (clamped to the lines there are). */
static size_t shown_top(size_t count, int rows, int *back)
{
    size_t max_back = count > (size_t)rows ? count - (size_t)rows : 0;
    if (*back < 0)
        *back = 0;
    if ((size_t)*back > max_back)
        *back = (int)max_back;
    return max_back - (size_t)*back;
}

/* The shown step's output from y to bottom, sanitized: the lines that fit,
 * *back lines before its end. */
static void draw_output(ui_t *ui, const rb_row *row, int y, int bottom, int x, int w, int *back)
{
    int rows = bottom - y;
    ui->rb_shown.page = rows;
    if (!row || rows <= 0)
        return;
    if (row->log) { /* a logs check: its lines as the log view draws them */
        uint64_t first = log_ring_first(row->log), end = log_ring_end(row->log);
        size_t top = shown_top((size_t)(end - first), rows, back);
        for (uint64_t n = first + top; n < end && y < bottom; n++, y++)
            ui_log_line_draw(ui, y, x, w, log_ring_line(row->log, n), ui->attr[THEME_NORMAL]);
        return;
    }
    if (!row->output_len)
        return;
    char *clean = sanitize_dup(row->output, row->output_len, SANITIZE_KEEP_NEWLINES);
    if (!clean)
        return;
    size_t len = strlen(clean), count = 1;
    while (len && clean[len - 1] == '\n')
        clean[--len] = '\0';
    for (size_t i = 0; i < len; i++)
        count += clean[i] == '\n';
    const char *p = clean;
    for (size_t skip = shown_top(count, rows, back); skip && p; skip--)
        p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
    for (; p && *p && y < bottom; y++) {
        const char *nl = strchr(p, '\n');
        char line[512];
        snprintf(line, sizeof(line), "%.*s", (int)(nl ? nl - p : (long)strlen(p)), p);
        ui_put(y, x, w, ui->attr[THEME_NORMAL], line);
        p = nl ? nl + 1 : p + strlen(p);
    }
    free(clean);
}

/* The row whose output is shown: the one picked with j k, else the current. */
static int shown_index(ui_t *ui, const rb_run *r)
{
    if (strcmp(ui->rb_shown.run_id, r->run_id) || ui->rb_shown.row >= (int)r->nrows) {
        snprintf(ui->rb_shown.run_id, sizeof(ui->rb_shown.run_id), "%s", r->run_id);
        ui->rb_shown.row = -1;
        ui->rb_shown.back = 0;
    }
    int i = ui->rb_shown.row >= 0 ? ui->rb_shown.row : (int)r->current;
    if (i != ui->rb_shown.drawn) /* another step: from the end of its output */
        ui->rb_shown.back = 0;
    ui->rb_shown.drawn = i;
    return r->nrows ? i : -1;
}

void ui_runbook_view_draw(ui_t *ui, ui_rect area)
{
    const rb_run *r = rb_engine_run(ui->runbooks);
    const host_config *hc = app_host_config(ui->app, r->host);
    attr_t a = ui->attr[THEME_NORMAL];
    for (int y = area.y; y < area.y + area.h; y++)
        ui_fill(y, area.x, area.w, a);
    int y = area.y;
    char line[1024], name[200];
    snprintf(line, sizeof(line), "runbook %s: %s  on %s ", ui_clean(r->rb->name, name, 80),
             r->rb->title ? r->rb->title : "", hc->name);
    int x = 1 + ui_put_remote(y, 1, area.w - 2, a | A_BOLD, line);
    x += ui_put_remote(y, x, area.w - x - 1, ui_env_attr(ui, hc->env, true), hc->env);
    snprintf(line, sizeof(line), "  run %s", r->run_id);
    ui_put(y++, x, area.w - x - 1, ui->attr[THEME_DIM], line);
    theme_role role;
    phase_line(ui, r, line, sizeof(line), &role);
    ui_put_remote(y++, 1, area.w - 2, ui->attr[role] | A_BOLD, line);

    /* the steps: as many as fit in half the area, the current one (or the
     * one whose output is shown) in view */
    int shown = shown_index(ui, r);
    int anchor = ui->rb_shown.row >= 0 ? shown : (int)r->current;
    int steps_h = area.h / 2 - 2;
    if (steps_h < 3)
        steps_h = 3;
    int first = 0;
    if (anchor >= steps_h)
        first = anchor - steps_h + 1;
    for (int i = first; i < (int)r->nrows && i < first + steps_h; i++) {
        const rb_row *row = &r->rows[i];
        char t[16], cell[600];
        elapsed(ui, row, t, sizeof(t));
        const char *kind = row->step ? runbook_step_kind_name(row->step->kind) : "runbook";
        snprintf(cell, sizeof(cell), "%*s%-7s %-8s %-6s", row->depth * 2, "",
                 rb_step_state_name(row->state), row->index, kind);
        if (i == ui->rb_shown.row)
            ui_put(y, 0, 1, a | A_BOLD, ">");
        bool here = (size_t)i == r->current && r->phase != RB_DONE;
        int cx = 1 + ui_put(y, 1, area.w - 2,
                            ui->attr[state_role(row->state)] | (here ? A_BOLD : 0), cell);
        /* title, elapsed and finding each in their own columns: drawn as
         * one cell, the sanitizer's folding of blanks ran them together */
        int tx = cx + 1, ex = tx + 41, fx = ex + 9;
        if (tx < area.w - 1)
            ui_put_remote(y, tx, (area.w - tx - 1) < 40 ? area.w - tx - 1 : 40,
                          here ? a | A_BOLD : a, row->title);
        if (ex < area.w - 1)
            ui_put_right(y, ex, (area.w - ex - 1) < 7 ? area.w - ex - 1 : 7, a, t);
        if (fx < area.w - 1)
            ui_put_remote(y, fx, area.w - fx - 1, ui->attr[THEME_DIM], row->finding);
        y++;
    }
    y++;
    int bottom = area.y + area.h - 1;
    const rb_row *out = shown >= 0 ? &r->rows[shown] : NULL;
    if (r->phase == RB_CHOOSING && r->choosing) {
        ui_put(y++, 1, area.w - 2, a | A_BOLD, "Choose (press its number):");
        for (size_t o = 0; o < r->choosing->noptions && y < bottom; o++) {
            const runbook_option *opt = &r->choosing->options[o];
            snprintf(line, sizeof(line), "  %zu  %s%s%s", o + 1, opt->title,
                     opt->runbook ? "  (runbook " : "", opt->runbook ? opt->runbook : "");
            if (opt->runbook)
                strncat(line, ")", sizeof(line) - strlen(line) - 1);
            ui_put_remote(y++, 1, area.w - 2, a, line);
        }
        y++;
        if (ui->rb_shown.row < 0) /* the choice itself has no output */
            out = NULL;
    }
    if (out && y < bottom) {
        snprintf(line, sizeof(line), "%s %.200s: %.700s", out->index, out->title, out->command);
        ui_put_remote(y++, 1, area.w - 2, ui->attr[THEME_DIM], line);
    }
    if (out)
        draw_output(ui, out, y, bottom, 1, area.w - 2, &ui->rb_shown.back);
    const char *keys = r->phase == RB_DONE && r->holder_dead
                           ? "the lock is provably dead: b breaks it (typed), Enter closes"
                       : r->phase == RB_DONE || r->phase == RB_ATTACHED
                           ? "Enter closes; Esc leaves the view; j k G step shown, PgUp PgDn scroll"
                           : "Esc leaves the view (the run goes on); q asks whether to quit; "
                             "j k G step shown, PgUp PgDn scroll";
    ui_put(bottom, 1, area.w - 2, ui->attr[THEME_DIM], keys);
}

/* j k (and the arrows) pick the step whose output is shown, G the current
 * one again; PgUp PgDn scroll that output. */
static bool shown_key(ui_t *ui, const rb_run *r, int key, bool is_code)
{
    int n = (int)r->nrows, at = ui->rb_shown.row >= 0 ? ui->rb_shown.row : (int)r->current;
    int page = ui->rb_shown.page > 1 ? ui->rb_shown.page - 1 : 1;
    if (is_code ? key == KEY_DOWN : key == 'j')
        ui->rb_shown.row = at + 1 < n ? at + 1 : at;
    else if (is_code ? key == KEY_UP : key == 'k')
        ui->rb_shown.row = at > 0 ? at - 1 : 0;
    else if (is_code ? key == KEY_END : key == 'G')
        ui->rb_shown.row = -1;
    else if (is_code && key == KEY_PPAGE)
        ui->rb_shown.back += page;
    else if (is_code && key == KEY_NPAGE)
        ui->rb_shown.back = ui->rb_shown.back > page ? ui->rb_shown.back - page : 0;
    else
        return false;
    return true;
}

bool ui_runbook_view_key(ui_t *ui, int key, bool is_code)
{
    if (!ui_runbook_view_active(ui))
        return false;
    const rb_run *r = rb_engine_run(ui->runbooks);
    if (is_code) /* the others (a resize) are not the view's */
        return shown_key(ui, r, key, true);
    if (shown_key(ui, r, key, false))
        return true;
    if (key == KEY_ESC) {
        ui->rb_view = false;
        if (rb_engine_busy(ui->runbooks))
            ui_say(ui, false, "the run goes on (the header shows it); panel 7 comes back to it");
        return true;
    }
    if (r->phase == RB_CHOOSING && key >= '1' && key <= '9') {
        rb_engine_choose(ui->runbooks, key - '1');
        return true;
    }
    if ((r->phase == RB_DONE || r->phase == RB_ATTACHED) && (key == '\n' || key == '\r')) {
        ui_say(ui, !r->succeeded, "%s", r->verdict);
        rb_engine_dismiss(ui->runbooks);
        ui->rb_view = false;
        return true;
    }
    if (r->phase == RB_DONE && r->holder_dead && key == 'b') {
        ui_runbook_ask_break(ui);
        return true;
    }
    if (key == 'q') {
        ui_request_quit(ui);
        return true;
    }
    return true; /* the panel's keys could start something else: not while in view */
}
