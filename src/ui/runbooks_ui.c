/* From a key, Enter on panel 7 or `:run NAME` to the runbook engine, and
 * the engine's questions to the confirm dialog: the plan (once, before the
 * first act, as the environment demands), an act's second confirmation, the
 * on_failure offer, and breaking a dead lock (always typed). A run left
 * unfinished by an opsdeck that died is re-attached when its host is up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/runbook/engine.h"
#include "opsdeck/runbook/run_memory.h"
#include "opsdeck/ui/dialog.h"
#include "opsdeck/ui/ui.h"

#define PLAN_LINES_MAX DIALOG_TEXT_LINES

typedef struct plan_lines {
    char text[PLAN_LINES_MAX][256];
    size_t n, acts, more;
    bool every_step; /* the whole plan fits: every step, not only the acts */
} plan_lines;

static struct {
    bool pending; /* a run of ours never finished: show it once its host is up */
    size_t host;
    const runbook *rb;
    char run_id[RUN_ID_MAX];
} reattach;

static void open_question(ui_t *ui);

static void on_changed(void *arg)
{
    ui_t *ui = arg;
    const rb_run *r = rb_engine_run(ui->runbooks);
    if (r->phase == RB_DONE && !ui->rb_asking)
        ui->rb_generation++;
    open_question(ui);
    ui_mark_dirty(ui);
}

void ui_runbooks_init(ui_t *ui)
{
    ui->rbset = calloc(1, sizeof(*ui->rbset));
    if (!ui->rbset)
        return;
    char dir[1024];
    const char *d = ui->app->config ? runbook_find_dir(ui->app->config, dir, sizeof(dir)) : NULL;
    runbook_problems problems = {0};
    if (d && runbook_set_load(d, ui->app->config, ui->rbset, &problems) < 0) {
        /* a set with problems runs nothing: --check says what they are */
        snprintf(ui->rb_error, sizeof(ui->rb_error), "%s:%d: %s (opsdeck --check lists all)",
                 problems.items[0].file, problems.items[0].line, problems.items[0].message);
        runbook_set_free(ui->rbset);
        memset(ui->rbset, 0, sizeof(*ui->rbset));
    }
    runbook_problems_free(&problems);
    ui->runbooks = rb_engine_new(ui->app, ui->audit.fd >= 0 ? &ui->audit : NULL, ui->rbset,
                                 ui->opts->read_only, on_changed, ui);
    /* the newest run of ours that never said how it ended */
    double newest = 0;
    for (size_t h = 0; h < ui->app->nhosts; h++)
        for (size_t i = 0; i < ui->rbset->count; i++) {
            run_memory_entry m;
            const runbook *rb = &ui->rbset->items[i];
            if (run_memory_last(app_host_config(ui->app, h)->name, rb->name, &m) &&
                !strcmp(m.state, "started") && m.at > newest) {
                newest = m.at;
                reattach.pending = true;
                reattach.host = h;
                reattach.rb = rb;
                snprintf(reattach.run_id, sizeof(reattach.run_id), "%s", m.run_id);
            }
        }
}

void ui_runbooks_free(ui_t *ui)
{
    rb_engine_free(ui->runbooks);
    ui->runbooks = NULL;
    if (ui->rbset)
        runbook_set_free(ui->rbset);
    free(ui->rbset);
    ui->rbset = NULL;
}

bool ui_runbook_busy(const ui_t *ui)
{
    return ui->runbooks && rb_engine_busy(ui->runbooks);
}

const char *ui_runbook_header(const ui_t *ui, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!ui_runbook_busy(ui))
        return buf;
    const rb_run *r = rb_engine_run(ui->runbooks);
    char name[80], host[80];
    snprintf(buf, size, " RUN %s on %s ", ui_clean(r->rb->name, name, sizeof(name)),
             ui_clean(app_host_config(ui->app, r->host)->name, host, sizeof(host)));
    return buf;
}

void ui_runbooks_poll(ui_t *ui)
{
    if (!reattach.pending || !ui->runbooks || rb_engine_busy(ui->runbooks))
        return;
    if (app_host_model(ui->app, reattach.host)->state != HOST_UP &&
        app_host_model(ui->app, reattach.host)->state != HOST_DEGRADED)
        return;
    reattach.pending = false;
    char msg[512];
    if (rb_engine_attach(ui->runbooks, reattach.rb, reattach.host, reattach.run_id, msg,
                         sizeof(msg))) {
        ui->rb_view = true;
        ui_say(ui, false, "re-attached to run %s of %s (it was not finished by its opsdeck)",
               reattach.run_id, reattach.rb->name);
    } else {
        ui_say(ui, true, "%s", msg);
    }
}

static const runbook *find_allowed(ui_t *ui, const char *name)
{
    const runbook *rb = ui->rbset ? runbook_find(ui->rbset, name) : NULL;
    if (!rb) {
        ui_say(ui, true, "no runbook named '%.60s'%s%s", name, ui->rb_error[0] ? ": " : "",
               ui->rb_error);
        return NULL;
    }
    host_model *h = ui_host(ui);
    if (!runbook_allowed_in(rb, h->config->env)) {
        ui_say(ui, true, "%s may not run in %s (its envs: list)", rb->name, h->config->env);
        return NULL;
    }
    return rb;
}

void ui_runbook_request(ui_t *ui, const char *name)
{
    host_model *h = ui_host(ui);
    if (!h || !ui->runbooks) {
        ui_say(ui, true, "run %s: no host selected", name);
        return;
    }
    const runbook *rb = find_allowed(ui, name);
    if (!rb)
        return;
    if (rb_engine_busy(ui->runbooks) && rb_engine_run(ui->runbooks)->rb == rb) {
        ui->rb_view = true; /* back to the run going */
        return;
    }
    char msg[512] = "";
    if (!rb_engine_start(ui->runbooks, rb, ui_host_index(ui), msg, sizeof(msg))) {
        ui_say(ui, true, "%s", msg);
        return;
    }
    ui->rb_view = true;
    ui_mark_dirty(ui);
}

bool ui_runbook_key(ui_t *ui, int key)
{
    const runbook *rb = ui->rbset ? runbook_find_key(ui->rbset, (char)key) : NULL;
    if (!rb || key <= 0 || key > 0x7e)
        return false;
    ui_runbook_request(ui, rb->name);
    return true;
}

void ui_runbook_show_last(ui_t *ui, const char *name)
{
    const runbook *rb = find_allowed(ui, name);
    if (!rb)
        return;
    run_memory_entry m;
    if (!run_memory_last(ui_host(ui)->config->name, rb->name, &m)) {
        ui_say(ui, true, "%s: no run of it on %s remembered here", rb->name,
               ui_host(ui)->config->name);
        return;
    }
    char msg[512];
    if (!rb_engine_attach(ui->runbooks, rb, ui_host_index(ui), m.run_id, msg, sizeof(msg))) {
        ui_say(ui, true, "%s", msg);
        return;
    }
    ui->rb_view = true;
}

/* ---- the questions ---- */

static void count_plan_line(const char *text, void *arg)
{
    (void)text;
    ++*(size_t *)arg;
}

static void add_plan_line(const char *text, void *arg)
{
    plan_lines *p = arg;
    bool act = strstr(text, " act: ") != NULL;
    p->acts += act;
    /* every step with its exact command when the dialog has room for the
     * whole plan; otherwise the acts' (what changes the host), and the run
     * view behind the dialog shows every step */
    if ((!act && !p->every_step) || p->n >= PLAN_LINES_MAX - 1) {
        p->more += act || p->every_step;
        return;
    }
    snprintf(p->text[p->n++], sizeof(p->text[0]), "%s", text);
}

static void on_answer(ui_t *ui, bool accepted, const char *how, void *arg)
{
    (void)arg;
    ui->rb_asking = false;
    if (ui->runbooks)
        rb_engine_answer(ui->runbooks, accepted, how);
}

static void on_break_answer(ui_t *ui, bool accepted, const char *how, void *arg)
{
    (void)arg;
    ui->rb_asking = false;
    if (accepted && ui->runbooks)
        rb_engine_break_lock(ui->runbooks, how);
    else
        ui_say(ui, false, "the lock was left as it is");
}

void ui_runbook_ask_break(ui_t *ui);

void ui_runbook_ask_break(ui_t *ui)
{
    const rb_run *r = rb_engine_run(ui->runbooks);
    if (r->phase != RB_DONE || !r->holder_dead || ui->rb_asking)
        return;
    const host_config *hc = app_host_config(ui->app, r->host);
    static char lines[3][256];
    char who[512];
    host_lock_describe(&r->holder, who, sizeof(who));
    snprintf(lines[0], sizeof(lines[0]), "lock of %.60s on %.60s held by", r->rb->name, hc->name);
    snprintf(lines[1], sizeof(lines[1]), "  %.240s", who);
    snprintf(lines[2], sizeof(lines[2]), "is provably dead (no act of its run is alive)");
    const char *ptrs[3] = {lines[0], lines[1], lines[2]};
    ui->rb_asking = true;
    dialog_confirm_open(ui, "break the dead lock?", ptrs, 3, hc->env, CONFIRM_TYPED,
                        on_break_answer, NULL);
}

static void open_question(ui_t *ui)
{
    const rb_run *r = rb_engine_run(ui->runbooks);
    if (ui->rb_asking || (r->phase != RB_CONFIRM_PLAN && r->phase != RB_CONFIRM_STEP &&
                          r->phase != RB_OFFER_ON_FAILURE))
        return;
    const host_config *hc = app_host_config(ui->app, r->host);
    static plan_lines p;
    memset(&p, 0, sizeof(p));
    char title[96];
    confirm_mode mode = r->confirm;
    const rb_row *row = &r->rows[r->current];
    if (r->phase == RB_CONFIRM_PLAN) {
        size_t lines = 0;
        rb_plan_lines(ui->rbset, r->rb, hc, count_plan_line, &lines);
        p.every_step = lines <= PLAN_LINES_MAX - 1;
        snprintf(p.text[p.n++], sizeof(p.text[0]), "runbook %.60s on %.60s: %s", r->rb->name,
                 hc->name,
                 p.every_step ? "every step" : "its acts (every step is in the run view)");
        rb_plan_lines(ui->rbset, r->rb, hc, add_plan_line, &p);
        if (p.more)
            snprintf(p.text[p.n++], sizeof(p.text[0]),
                     "... and %zu more %s%s (the run view "
                     "lists them)",
                     p.more, p.every_step ? "step" : "act", p.more == 1 ? "" : "s");
        snprintf(title, sizeof(title), "run the plan of %.60s?", r->rb->name);
    } else if (r->phase == RB_CONFIRM_STEP) {
        snprintf(p.text[p.n++], sizeof(p.text[0]), "act %.20s %.200s", row->index, row->title);
        snprintf(p.text[p.n++], sizeof(p.text[0]), "runs: %.240s", row->command);
        snprintf(title, sizeof(title), "this act, now?");
    } else {
        const runbook *offer = runbook_find(ui->rbset, r->offer);
        snprintf(p.text[p.n++], sizeof(p.text[0]), "%.240s", row->finding);
        snprintf(p.text[p.n++], sizeof(p.text[0]), "run %.60s (%.120s) on %.60s?", r->offer,
                 offer && offer->title ? offer->title : "", hc->name);
        mode = offer ? runbook_confirm_for(offer, config_env(ui->app->config, hc->env))
                     : CONFIRM_TYPED;
        snprintf(title, sizeof(title), "verify failed: run on_failure?");
    }
    const char *ptrs[PLAN_LINES_MAX];
    for (size_t i = 0; i < p.n; i++)
        ptrs[i] = p.text[i];
    ui->rb_asking = true;
    ui->rb_view = true;
    dialog_confirm_open(ui, title, ptrs, p.n, hc->env, mode, on_answer, NULL);
}
