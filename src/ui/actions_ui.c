/* From a key or a command to the action path: which target (the selected
 * row, or the one named), the plan, the confirmation dialog as the
 * environment demands, and the engine's answer. In read-only mode every
 * action is refused here with a `denied` line; a READONLY build has no
 * action code at all, only that refusal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/action_table.h"
#include "opsdeck/gate.h"
#include "opsdeck/ui/dialog.h"
#include "opsdeck/ui/ui.h"
#ifndef OPSDECK_READONLY
#include "opsdeck/actions/action.h"
#endif

#define WRAP_COLS 100 /* a long command is shown on several dialog lines */

#ifndef OPSDECK_READONLY
static void on_engine_changed(void *arg)
{
    ui_mark_dirty(arg);
}
#endif

void ui_actions_init(ui_t *ui)
{
    const char *path = ui->app->config ? ui->app->config->audit_log : NULL;
    ui->audit.fd = -1;
    if (!path)
        snprintf(ui->audit_error, sizeof(ui->audit_error), "no audit_log");
    else if (audit_open(&ui->audit, path, ui->audit_error, sizeof(ui->audit_error)) < 0)
        ui->audit.fd = -1;
#ifndef OPSDECK_READONLY
    ui->engine = action_engine_new(ui->app, &ui->audit, ui->opts->read_only, on_engine_changed, ui);
#endif
    ui_runbooks_init(ui);
}

void ui_actions_free(ui_t *ui)
{
    ui_runbooks_free(ui);
#ifndef OPSDECK_READONLY
    action_engine_free(ui->engine); /* audits an action cut off by quitting */
    ui->engine = NULL;
#endif
    if (ui->audit.fd >= 0)
        audit_close(&ui->audit);
}

bool ui_action_busy(const ui_t *ui)
{
#ifndef OPSDECK_READONLY
    return ui->engine && action_engine_busy(ui->engine);
#else
    (void)ui;
    return false;
#endif
}

/* The target named, else the one selected on the panel the action's row
 * names, when that panel is shown: "" when none. */
static void pick_target(ui_t *ui, const builtin_action *a, const char *arg, char *out, size_t size)
{
    out[0] = '\0';
    const panel *p = ui_panels[ui->panel];
    if (arg && *arg)
        snprintf(out, size, "%s", arg);
    else if (a->target != ACTION_TARGET_HOST && a->panel && p && p->selection &&
             strcmp(p->name, a->panel) == 0)
        p->selection(ui, ui->panel_state[ui->panel], out, size);
}

/* Read-only: nothing is described further, nothing runs; a denied line. */
static void deny(ui_t *ui, const char *action, const char *target)
{
    host_model *h = ui_host(ui);
    audit_record rec = {
        .host = h->config->name,
        .env = h->config->env,
        .remote_user = h->remote_user[0] ? h->remote_user : NULL,
        .action = action,
        .target = target,
        .command = "",
    };
    char msg[512];
    int rc = gate_deny(ui->audit.fd >= 0 ? &ui->audit : NULL, &rec, msg, sizeof(msg));
    ui_say(ui, true, "%s", msg);
    (void)rc; /* the message says whether the line reached the log */
}

#ifndef OPSDECK_READONLY
static action_plan *make_plan(ui_t *ui, const builtin_action *a, const char *target, char *err,
                              size_t errsize)
{
    return a->plan(ui->app, ui_host_index(ui), target, err, errsize);
}

static void on_answer(ui_t *ui, bool accepted, const char *how, void *arg)
{
    if (!ui->engine)
        return;
    action_engine_answer(ui->engine, accepted, how);
    if (!accepted) { /* nothing ran: the status line says so, no box to close */
        ui_say(ui, false, "%s", action_engine_view(ui->engine).result);
        action_engine_dismiss(ui->engine);
    }
}

/* Adds text to lines[], cut into pieces of WRAP_COLS bytes at most. */
static size_t add_wrapped(char lines[][256], size_t n, size_t max, const char *prefix,
                          const char *text)
{
    size_t len = strlen(text), off = 0;
    do {
        if (n >= max)
            return n;
        size_t take = len - off > WRAP_COLS ? WRAP_COLS : len - off;
        snprintf(lines[n++], 256, "%s%.*s", off ? "    " : prefix, (int)take, text + off);
        off += take;
    } while (off < len);
    return n;
}

static void open_confirmation(ui_t *ui, const action_plan *plan)
{
    const host_config *hc = app_host_config(ui->app, plan->host);
    const env_config *env = config_env(ui->app->config, hc->env);
    confirm_mode mode = env ? env->confirm : CONFIRM_TYPED; /* unknown: the strictest */
    enum { MAX = DIALOG_TEXT_LINES };
    static char lines[MAX][256];
    const char *ptrs[MAX];
    size_t n = 0;
    snprintf(lines[n++], 256, "%.40s %.120s on host %.80s", plan->action, plan->target, hc->name);
    n = add_wrapped(lines, n, MAX, "runs: ", plan->command);
    const char *t = plan->touches;
    bool first = true;
    while (*t && n < MAX) {
        const char *nl = strchr(t, '\n');
        size_t l = nl ? (size_t)(nl - t) : strlen(t);
        char item[256];
        snprintf(item, sizeof(item), "%.*s", (int)(l < 255 ? l : 255), t);
        n = add_wrapped(lines, n, MAX, first ? "touches: " : "         ", item);
        first = false;
        t = nl ? nl + 1 : t + l;
    }
    if (*t && n == MAX)
        snprintf(lines[MAX - 1], 256, "... and more (the audit log keeps the whole list)");
    for (size_t i = 0; i < n; i++)
        ptrs[i] = lines[i];
    char title[96];
    snprintf(title, sizeof(title), "%s?", plan->action);
    dialog_confirm_open(ui, title, ptrs, n, hc->env, mode, on_answer, NULL);
}
#endif

void ui_action_request(ui_t *ui, const char *action, const char *arg)
{
    host_model *h = ui_host(ui);
    if (!h) {
        ui_say(ui, true, "%s: no host selected", action);
        return;
    }
    const builtin_action *a = builtin_action_find(action);
    if (!a) {
        ui_say(ui, true, "%s: not a built-in action", action);
        return;
    }
    char target[160];
    pick_target(ui, a, arg, target, sizeof(target));
    if (ui->opts->read_only) {
        deny(ui, action, target[0] ? target : h->config->name);
        return;
    }
#ifdef OPSDECK_READONLY
    deny(ui, action, target[0] ? target : h->config->name); /* never reached: always read-only */
#else
    if (a->target != ACTION_TARGET_HOST && !target[0]) {
        bool backend = a->target == ACTION_TARGET_BACKEND;
        ui_say(ui, true, "%s: select a %s first, or name one (:%s %s)", action,
               backend ? "backend on the postgres panel (4)"
                       : "container on the containers panel (2)",
               action, backend ? "PID" : "CONTAINER");
        return;
    }
    if (ui->audit.fd < 0) {
        ui_say(ui, true,
               "%s refused: the audit log cannot be written (%s), and nothing runs unaudited",
               action, ui->audit_error);
        return;
    }
    char err[512] = "";
    action_plan *plan = make_plan(ui, a, target, err, sizeof(err));
    if (!plan) {
        ui_say(ui, true, "%s", err);
        return;
    }
    char msg[512] = "";
    if (!action_engine_begin(ui->engine, plan, msg, sizeof(msg))) {
        ui_say(ui, true, "%s", msg);
        return;
    }
    open_confirmation(ui, action_engine_view(ui->engine).plan);
#endif
}
