/* The action engine: the order every change to a host goes through (see
 * action.h). The plan is frozen when the dialog opens, so a refresh cannot
 * move the target while the engineer is answering. */
#include "opsdeck/actions/action.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "opsdeck/gate.h"

struct action_run {
    action_engine *engine;
    action_plan *plan;
    int64_t started_ms;
    char run_id[64]; /* PID-MS-SEQ: ties the action's audit lines together */
    bool ran;
    int exit_status;
    char error[256];
    char audit_error[256];   /* the `started` line could not be written */
    EVP_MD_CTX *output_hash; /* of the whole output, not only the kept tail */
    char *output;            /* the last ACTION_OUTPUT_MAX bytes */
    size_t output_len;
};

struct action_engine {
    app_t *app;
    audit_log *audit;
    bool read_only;
    void (*changed)(void *arg);
    void *arg;
    action_phase phase;
    char confirm_how[96];
    action_run *run; /* the open action, from confirmation to dismissal */
    bool succeeded;
    char result[512];
    /* set by a runbook for its act (action_engine_set_runbook) */
    bool in_runbook;
    char rb_run_id[64], rb_name[64], rb_step_index[32], rb_step_title[256];
};

static void notify(action_engine *e)
{
    if (e->changed)
        e->changed(e->arg);
}

static const host_config *plan_host(const action_engine *e, const action_plan *plan)
{
    return app_host_config(e->app, plan->host);
}

static audit_record record_for(const action_engine *e, const action_plan *plan, const char *phase)
{
    const host_config *hc = plan_host(e, plan);
    const char *ruser = transport_remote_user(app_host_transport(e->app, plan->host));
    audit_record rec = {
        .host = hc->name,
        .env = hc->env,
        .remote_user = ruser && *ruser ? ruser : NULL,
        .action = plan->action,
        .target = plan->target,
        .command = plan->command,
        .confirm = e->confirm_how[0] ? e->confirm_how : "none",
        .phase = phase,
        .run_id = e->run && e->run->plan == plan ? e->run->run_id : NULL,
    };
    if (e->in_runbook) {
        rec.run_id = e->rb_run_id;
        rec.runbook = e->rb_name;
        rec.step_index = e->rb_step_index;
        rec.step_title = e->rb_step_title;
    }
    return rec;
}

static void free_plan(action_plan *plan)
{
    if (!plan)
        return;
    if (plan->ops && plan->ops->free_data && plan->data)
        plan->ops->free_data(plan->data);
    free(plan);
}

static void free_run(action_run *run)
{
    if (!run)
        return;
    EVP_MD_CTX_free(run->output_hash);
    free(run->output);
    free_plan(run->plan);
    free(run);
}

action_engine *action_engine_new(app_t *app, audit_log *audit, bool read_only,
                                 void (*changed)(void *arg), void *arg)
{
    action_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->app = app;
    e->audit = audit;
    e->read_only = gate_is_read_only(read_only);
    e->changed = changed;
    e->arg = arg;
    return e;
}

/* The end of an action, good or bad: the result line goes to the log, then
 * on screen. */
static void finish(action_engine *e, bool ok, const char *verify, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void finish(action_engine *e, bool ok, const char *verify, const char *fmt, ...)
{
    action_run *run = e->run;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    char hex[AUDIT_HASH_HEX] = "";
    if (EVP_DigestFinal_ex(run->output_hash, digest, &dlen) == 1) {
        for (unsigned i = 0; i < dlen && 2 * i + 2 < sizeof(hex); i++)
            snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    }
    audit_record rec = record_for(e, run->plan, "finished");
    rec.has_exit_status = run->ran;
    rec.exit_status = run->exit_status;
    rec.has_duration = true;
    rec.duration_s = (double)(loop_update_time(e->app->loop) - run->started_ms) / 1000.0;
    rec.verify = verify;
    rec.output_sha256 = hex;
    char err[256] = "";
    bool logged = audit_append(e->audit, &rec, err, sizeof(err)) == 0;

    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->result, sizeof(e->result), fmt, ap);
    va_end(ap);
    if (!logged || run->audit_error[0]) {
        size_t n = strlen(e->result);
        snprintf(e->result + n, sizeof(e->result) - n, " (AUDIT LOG FAILED: %s)",
                 logged ? run->audit_error : err);
    }
    e->succeeded = ok && logged;
    e->phase = ACTION_DONE;
    notify(e);
}

bool action_engine_begin(action_engine *e, action_plan *plan, char *msg, size_t msgsize)
{
    if (e->phase != ACTION_NONE) {
        snprintf(msg, msgsize, "another action is open: finish or dismiss it first");
        free_plan(plan);
        return false;
    }
    e->confirm_how[0] = '\0';
    if (e->read_only) {
        audit_record rec = record_for(e, plan, "denied");
        gate_deny(e->audit, &rec, msg, msgsize);
        free_plan(plan);
        return false;
    }
    char why[512];
    if (audit_ready(e->audit, why, sizeof(why)) < 0) {
        /* refused before the dialog: nothing may run unaudited */
        snprintf(msg, msgsize, "%s refused: %s; nothing runs unaudited", plan->action, why);
        free_plan(plan);
        return false;
    }
    action_run *run = calloc(1, sizeof(*run));
    if (run)
        run->output = malloc(ACTION_OUTPUT_MAX);
    if (run)
        run->output_hash = EVP_MD_CTX_new();
    if (!run || !run->output || !run->output_hash ||
        EVP_DigestInit_ex(run->output_hash, EVP_sha256(), NULL) != 1) {
        snprintf(msg, msgsize, "%s: out of memory", plan->action);
        free_run(run);
        free_plan(plan);
        return false;
    }
    run->engine = e;
    run->plan = plan;
    static unsigned seq;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(run->run_id, sizeof(run->run_id), "%ld-%lld-%u", (long)getpid(),
             (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000, ++seq);
    e->run = run;
    e->phase = ACTION_CONFIRMING;
    e->result[0] = '\0';
    notify(e);
    return true;
}

static void start_run(action_engine *e)
{
    action_run *run = e->run;
    char err[256] = "";
    audit_record intent = record_for(e, run->plan, "intent");
    if (audit_append(e->audit, &intent, err, sizeof(err)) < 0) {
        /* Nothing was sent: without the intent on disk, nothing may be. */
        snprintf(e->result, sizeof(e->result), "%s not run: %s", run->plan->action, err);
        e->succeeded = false;
        e->phase = ACTION_DONE;
        notify(e);
        return;
    }
    run->started_ms = loop_update_time(e->app->loop);
    e->phase = ACTION_RUNNING;
    notify(e);
    run->plan->ops->run(run);
    /* Handed to the host and still going: `started`. One that ended at once
     * (refused before anything was sent) has its `finished` line already. */
    if (e->run == run && e->phase == ACTION_RUNNING) {
        audit_record started = record_for(e, run->plan, "started");
        if (audit_append(e->audit, &started, err, sizeof(err)) < 0)
            snprintf(run->audit_error, sizeof(run->audit_error), "%s", err);
    }
}

void action_engine_answer(action_engine *e, bool accepted, const char *how)
{
    if (e->phase != ACTION_CONFIRMING)
        return;
    if (!accepted) {
        audit_record rec = record_for(e, e->run->plan, "cancelled");
        char err[256] = "";
        bool logged = audit_append(e->audit, &rec, err, sizeof(err)) == 0;
        snprintf(e->result, sizeof(e->result), "%s cancelled: nothing was changed%s%s",
                 e->run->plan->action, logged ? "" : " (audit log failed: ", logged ? "" : err);
        if (!logged)
            strncat(e->result, ")", sizeof(e->result) - strlen(e->result) - 1);
        e->succeeded = false;
        e->phase = ACTION_DONE;
        notify(e);
        return;
    }
    snprintf(e->confirm_how, sizeof(e->confirm_how), "%s", how ? how : "");
    start_run(e);
}

void action_engine_set_runbook(action_engine *e, const char *run_id, const char *runbook,
                               const char *step_index, const char *step_title)
{
    e->in_runbook = run_id != NULL;
    snprintf(e->rb_run_id, sizeof(e->rb_run_id), "%s", run_id ? run_id : "");
    snprintf(e->rb_name, sizeof(e->rb_name), "%s", runbook ? runbook : "");
    snprintf(e->rb_step_index, sizeof(e->rb_step_index), "%s", step_index ? step_index : "");
    snprintf(e->rb_step_title, sizeof(e->rb_step_title), "%s", step_title ? step_title : "");
}

void action_engine_dismiss(action_engine *e)
{
    if (e->phase != ACTION_DONE)
        return;
    free_run(e->run);
    e->run = NULL;
    e->phase = ACTION_NONE;
    notify(e);
}

bool action_engine_busy(const action_engine *e)
{
    return e->phase == ACTION_RUNNING || e->phase == ACTION_VERIFYING;
}

action_view action_engine_view(const action_engine *e)
{
    action_view v = {.phase = e->phase};
    if (e->run) {
        v.plan = e->run->plan;
        v.env = plan_host(e, e->run->plan)->env;
        v.output = e->run->output;
        v.output_len = e->run->output_len;
    }
    v.succeeded = e->succeeded;
    v.result = e->result;
    return v;
}

void action_engine_free(action_engine *e)
{
    if (!e)
        return;
    if (action_engine_busy(e)) {
        if (e->run->plan->ops->cancel)
            e->run->plan->ops->cancel(e->run);
        snprintf(e->run->error, sizeof(e->run->error), "opsdeck quit");
        finish(e, false, NULL, "%s cut off: opsdeck quit while it was in flight",
               e->run->plan->action);
    }
    free_run(e->run);
    free(e);
}

const action_plan *action_run_plan(const action_run *run)
{
    return run->plan;
}

app_t *action_run_app(const action_run *run)
{
    return run->engine->app;
}

transport_t *action_run_transport(const action_run *run)
{
    return app_host_transport(run->engine->app, run->plan->host);
}

void action_output(action_run *run, const char *buf, size_t len)
{
    EVP_DigestUpdate(run->output_hash, buf, len);
    if (len >= ACTION_OUTPUT_MAX) { /* keep the tail */
        buf += len - ACTION_OUTPUT_MAX;
        len = ACTION_OUTPUT_MAX;
    }
    if (run->output_len + len > ACTION_OUTPUT_MAX) {
        size_t drop = run->output_len + len - ACTION_OUTPUT_MAX;
        memmove(run->output, run->output + drop, run->output_len - drop);
        run->output_len -= drop;
    }
    memcpy(run->output + run->output_len, buf, len);
    run->output_len += len;
    notify(run->engine);
}

void action_ran(action_run *run, bool ran, int exit_status, const char *error)
{
    action_engine *e = run->engine;
    run->ran = ran;
    run->exit_status = exit_status;
    snprintf(run->error, sizeof(run->error), "%s", error ? error : "");
    const char *name = run->plan->action;
    if (!ran) {
        finish(e, false, NULL, "%s FAILED: %s", name, run->error);
        return;
    }
    if (exit_status != 0) {
        finish(e, false, NULL, "%s FAILED: exit status %d", name, exit_status);
        return;
    }
    if (!run->plan->ops->verify) {
        finish(e, true, NULL, "%s done (exit 0)", name);
        return;
    }
    e->phase = ACTION_VERIFYING;
    notify(e);
    run->plan->ops->verify(run);
}

void action_verified(action_run *run, bool ok, const char *verdict)
{
    const char *name = run->plan->action;
    if (ok)
        finish(run->engine, true, verdict, "%s done and verified: %s", name, verdict);
    else
        finish(run->engine, false, verdict, "%s ran but NOT verified: %s", name, verdict);
}
