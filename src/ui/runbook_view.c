/* The run view, over the panel: the runbook, the host and its environment,
 * every step with its state (pending, running, passed, failed, skipped,
 * refused), its elapsed time and what it found; the current step's command
 * and its output as it streams (sanitized); the choice menu when one is
 * due; the verdict. Esc leaves the view and the run goes on (the header
 * says so); Enter on panel 7 or its key comes back to it. */
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

/* The last lines of the current step's output, sanitized, from y to bottom. */
static void draw_output(ui_t *ui, const rb_row *row, int y, int bottom, int x, int w)
{
    if (!row || !row->output_len || y >= bottom)
        return;
    char *clean = sanitize_dup(row->output, row->output_len, SANITIZE_KEEP_NEWLINES);
    if (!clean)
        return;
    size_t len = strlen(clean);
    while (len && clean[len - 1] == '\n')
        clean[--len] = '\0';
    int rows = bottom - y;
    const char *start = clean + len;
    int lines = 0;
    while (start > clean) {
        start--;
        if (*start == '\n' && ++lines == rows) {
            start++;
            break;
        }
    }
    for (const char *p = start; *p && y < bottom; y++) {
        const char *nl = strchr(p, '\n');
        char line[512];
        snprintf(line, sizeof(line), "%.*s", (int)(nl ? nl - p : (long)strlen(p)), p);
        ui_put(y, x, w, ui->attr[THEME_NORMAL], line);
        p = nl ? nl + 1 : p + strlen(p);
    }
    free(clean);
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

    /* the steps: as many as fit in half the area, the current one in view */
    int steps_h = area.h / 2 - 2;
    if (steps_h < 3)
        steps_h = 3;
    int first = 0;
    if ((int)r->current >= steps_h)
        first = (int)r->current - steps_h + 1;
    for (int i = first; i < (int)r->nrows && i < first + steps_h; i++) {
        const rb_row *row = &r->rows[i];
        char t[16], cell[600];
        elapsed(ui, row, t, sizeof(t));
        const char *kind = row->step ? runbook_step_kind_name(row->step->kind) : "runbook";
        snprintf(cell, sizeof(cell), "%*s%-7s %-8s %-6s", row->depth * 2, "",
                 rb_step_state_name(row->state), row->index, kind);
        bool here = (size_t)i == r->current && r->phase != RB_DONE;
        int cx = 1 + ui_put(y, 1, area.w - 2,
                            ui->attr[state_role(row->state)] | (here ? A_BOLD : 0), cell);
        snprintf(cell, sizeof(cell), " %-40.40s %7s  ", row->title, t);
        cx += ui_put_remote(y, cx, area.w - cx - 1, here ? a | A_BOLD : a, cell);
        ui_put_remote(y, cx, area.w - cx - 1, ui->attr[THEME_DIM], row->finding);
        y++;
    }
    y++;
    const rb_row *cur = r->nrows ? &r->rows[r->current] : NULL;
    if (r->phase == RB_CHOOSING && r->choosing) {
        ui_put(y++, 1, area.w - 2, a | A_BOLD, "Choose (press its number):");
        for (size_t o = 0; o < r->choosing->noptions && y < area.y + area.h - 1; o++) {
            const runbook_option *opt = &r->choosing->options[o];
            snprintf(line, sizeof(line), "  %zu  %s%s%s", o + 1, opt->title,
                     opt->runbook ? "  (runbook " : "", opt->runbook ? opt->runbook : "");
            if (opt->runbook)
                strncat(line, ")", sizeof(line) - strlen(line) - 1);
            ui_put_remote(y++, 1, area.w - 2, a, line);
        }
        return;
    }
    if (cur) {
        snprintf(line, sizeof(line), "%s %.200s: %.700s", cur->index, cur->title, cur->command);
        ui_put_remote(y++, 1, area.w - 2, ui->attr[THEME_DIM], line);
    }
    int bottom = area.y + area.h - 1;
    draw_output(ui, cur, y, bottom, 1, area.w - 2);
    const char *keys = r->phase == RB_DONE && r->holder_dead
                           ? "the lock is provably dead: b breaks it (typed), Enter closes"
                       : r->phase == RB_DONE || r->phase == RB_ATTACHED
                           ? "Enter closes; Esc leaves the view"
                           : "Esc leaves the view (the run goes on); q asks whether to quit";
    ui_put(bottom, 1, area.w - 2, ui->attr[THEME_DIM], keys);
}

bool ui_runbook_view_key(ui_t *ui, int key, bool is_code)
{
    if (!ui_runbook_view_active(ui) || is_code)
        return false;
    const rb_run *r = rb_engine_run(ui->runbooks);
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
