/* The action in progress, over the panel: what runs where, its phase, the
 * tail of its output as it streams (sanitized), then the honest result,
 * until Enter, Esc or q closes it. While it runs, keys do not reach the
 * panels (their rows could be the target); q asks whether to quit and cut
 * it off. A READONLY build runs no action and draws nothing here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/sanitize.h"
#include "opsdeck/ui/dialog.h"
#include "opsdeck/ui/ui.h"
#ifndef OPSDECK_READONLY
#include "opsdeck/actions/action.h"
#endif

static void on_quit_answer(ui_t *ui, bool accepted, const char *how, void *arg)
{
    if (accepted)
        ui_quit(ui);
}

void ui_request_quit(ui_t *ui)
{
    if (!ui_action_busy(ui) && ui_runbook_busy(ui)) {
        static const char *const run_lines[] = {
            "A runbook run is going. Its act in flight goes on on the host (detached),",
            "and the next opsdeck shows it with its output; the steps after it do not run.",
        };
        dialog_confirm_open(ui, "quit while a runbook runs?", run_lines, 2, ui_env_name(ui),
                            CONFIRM_YES, on_quit_answer, NULL);
        return;
    }
    if (!ui_action_busy(ui)) {
        ui_quit(ui);
        return;
    }
    static const char *const lines[] = {
        "An action is running. Quitting now cuts it off: what it has done on the",
        "host stays done, and the audit log records that it was cut off.",
    };
    dialog_confirm_open(ui, "quit while an action runs?", lines, 2, ui_env_name(ui), CONFIRM_YES,
                        on_quit_answer, NULL);
}

#ifndef OPSDECK_READONLY
static bool shown(const ui_t *ui, action_view *v)
{
    if (!ui->engine)
        return false;
    *v = action_engine_view(ui->engine);
    return v->phase == ACTION_RUNNING || v->phase == ACTION_VERIFYING || v->phase == ACTION_DONE;
}

bool ui_action_view_active(const ui_t *ui)
{
    action_view v;
    return shown(ui, &v);
}

/* The last lines of the output that fit in rows, drawn from y. */
static void draw_output(ui_t *ui, const action_view *v, ui_rect in, int y)
{
    int rows = in.y + in.h - 1 - y;
    if (rows <= 0 || !v->output_len)
        return;
    char *clean = sanitize_dup(v->output, v->output_len, SANITIZE_KEEP_NEWLINES);
    if (!clean)
        return;
    /* find where the last `rows` lines start */
    size_t len = strlen(clean);
    while (len && clean[len - 1] == '\n')
        clean[--len] = '\0';
    const char *start = clean + len;
    int lines = 0;
    while (start > clean && lines < rows) {
        start--;
        if (*start == '\n' && ++lines == rows) {
            start++;
            break;
        }
    }
    for (const char *p = start; *p && y < in.y + in.h - 1; y++) {
        const char *nl = strchr(p, '\n');
        char line[512];
        snprintf(line, sizeof(line), "%.*s", (int)(nl ? nl - p : (long)strlen(p)), p);
        ui_put(y, in.x, in.w, ui->attr[THEME_DIALOG], line);
        p = nl ? nl + 1 : p + strlen(p);
    }
    free(clean);
}

void ui_action_view_draw(ui_t *ui, ui_rect screen)
{
    action_view v;
    if (!shown(ui, &v))
        return;
    const action_plan *plan = v.plan;
    const host_config *hc = app_host_config(ui->app, plan->host);
    int w = screen.w - 4 < 110 ? screen.w - 4 : 110;
    int h = screen.h - 2 < 20 ? screen.h - 2 : 20;
    ui_rect r = {screen.y + (screen.h - h) / 2, screen.x + (screen.w - w) / 2, h, w};
    char title[256];
    snprintf(title, sizeof(title), "%.40s %.120s on %.80s", plan->action, plan->target, hc->name);
    ui_rect in = ui_box(r, ui->attr[THEME_DIALOG], title);
    attr_t a = ui->attr[THEME_DIALOG];
    int y = in.y;
    int x = in.x + ui_put(y, in.x, in.w, a, "on ");
    x += ui_put_remote(y, x, in.x + in.w - x, ui_env_attr(ui, hc->env, true), hc->env);
    char line[ACTION_COMMAND_MAX + 16];
    snprintf(line, sizeof(line), ": %s", plan->command);
    ui_put_remote(y++, x, in.x + in.w - x, a, line);
    const char *phase = v.phase == ACTION_RUNNING     ? "running..."
                        : v.phase == ACTION_VERIFYING ? "ran; verifying..."
                                                      : v.result;
    theme_role role = v.phase != ACTION_DONE ? THEME_WARN : v.succeeded ? THEME_OK : THEME_CRIT;
    ui_put_remote(y++, in.x, in.w, ui->attr[role] | A_BOLD, phase);
    ui_put(in.y + in.h - 1, in.x, in.w, a | A_DIM,
           v.phase == ACTION_DONE
               ? "Enter, Esc or q closes"
               : "bounded by its timeout; q asks whether to quit and cut it off");
    draw_output(ui, &v, in, y + 1);
}

bool ui_action_view_key(ui_t *ui, int key, bool is_code)
{
    action_view v;
    if (!shown(ui, &v))
        return false;
    if (v.phase == ACTION_DONE) {
        if (!is_code && (key == '\n' || key == '\r' || key == 27 || key == 'q')) {
            ui_say(ui, !v.succeeded, "%s", v.result);
            action_engine_dismiss(ui->engine);
        }
        return true;
    }
    if (!is_code && key == 'q')
        ui_request_quit(ui);
    return true;
}
#else
bool ui_action_view_active(const ui_t *ui)
{
    (void)ui;
    return false;
}

void ui_action_view_draw(ui_t *ui, ui_rect screen)
{
    (void)ui;
    (void)screen;
}

bool ui_action_view_key(ui_t *ui, int key, bool is_code)
{
    (void)ui;
    (void)key;
    (void)is_code;
    return false;
}
#endif
