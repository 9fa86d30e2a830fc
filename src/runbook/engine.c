/* The runbook engine (see include/opsdeck/runbook/engine.h).
 *
 * A run is a stack of frames, each a list of steps (the runbook's, a chosen
 * option's, a nested runbook's) and the position in it. Every step ends in
 * step_done(), which moves on from the loop (a zero timer), never from
 * inside the callback that finished it: a step's end may come from deep in
 * a transport or the action engine. */
#include "opsdeck/runbook/engine.h"

/* Findings, verdicts and row texts are one screen line each: cutting a long
 * host error or command to its buffer is what is meant, everywhere here. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include <math.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/action_table.h"
#include "opsdeck/gate.h"
#include "opsdeck/logs/log_follow.h"
#include "opsdeck/runbook/logs_check.h"
#include "opsdeck/runbook/run_memory.h"
#include "opsdeck/sources/http_source.h"
#ifndef OPSDECK_READONLY
#include "opsdeck/actions/action.h"
#endif

#define HEALTH_BODY_MAX (64 * 1024)

typedef struct frame {
    const runbook *rb;
    const runbook_step *steps;
    size_t nsteps, pos;
    size_t *rows; /* the row of each step */
    int depth;
    char prefix[24];
} frame;

struct rb_engine {
    app_t *app;
    audit_log *audit;
    const runbook_set *set;
    bool read_only;
    void (*changed)(void *arg);
    void *arg;
    rb_run run;
    size_t caprows;
    frame frames[RB_FRAMES_MAX];
    int nframes;
    int calls; /* nested runbooks entered */
    int acts;  /* acts started (their directories on the host: s0, s1, ...) */
    bool plan_confirmed, step_confirmed, on_failure_taken;
    char confirm_how[96];
    char failed_verify[300]; /* a verify failed and on_failure took over: which */
    /* the step in flight */
    exec_req *req;
    http_request *http;
    detached *det;
    log_follow *logs; /* a logs check reading its lines */
    host_lock_req *lock_req;
    uint64_t timer, run_timer, advance_timer;
    int64_t deadline_ms;
    EVP_MD_CTX *hash;
    bool lock_held;
    size_t attach_row; /* RB_ATTACHED: the act row followed now */
#ifndef OPSDECK_READONLY
    action_engine *actions;
    bool action_done;
#endif
};

static void next_step(rb_engine *e);
static void poll_verify(loop_t *loop, void *arg);

const char *rb_step_state_name(rb_step_state s)
{
    static const char *const names[] = {"pending", "running", "passed", "failed",
                                        "skipped", "refused", "asking"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static void notify(rb_engine *e)
{
    if (e->changed)
        e->changed(e->arg);
}

static const host_config *run_host(const rb_engine *e)
{
    return app_host_config(e->app, e->run.host);
}

static transport_t *run_transport(const rb_engine *e)
{
    return app_host_transport(e->app, e->run.host);
}

static rb_row *cur(rb_engine *e)
{
    return e->run.nrows ? &e->run.rows[e->run.current] : NULL;
}

/* ---- rows ---- */

static void row_output(rb_row *row, const char *buf, size_t len)
{
    if (!row->output && !(row->output = malloc(RB_OUTPUT_MAX)))
        return;
    if (len >= RB_OUTPUT_MAX) {
        buf += len - RB_OUTPUT_MAX;
        len = RB_OUTPUT_MAX;
    }
    if (row->output_len + len > RB_OUTPUT_MAX) {
        size_t drop = row->output_len + len - RB_OUTPUT_MAX;
        memmove(row->output, row->output + drop, row->output_len - drop);
        row->output_len -= drop;
    }
    memcpy(row->output + row->output_len, buf, len);
    row->output_len += len;
}

/* Makes room for n rows at index at (later rows move down; the frames'
 * row numbers follow them). */
static bool insert_rows(rb_engine *e, size_t at, size_t n)
{
    if (e->run.nrows + n > e->caprows) {
        size_t cap = (e->run.nrows + n) * 2 + 8;
        rb_row *rows = realloc(e->run.rows, cap * sizeof(*rows));
        if (!rows)
            return false;
        e->run.rows = rows;
        e->caprows = cap;
    }
    memmove(&e->run.rows[at + n], &e->run.rows[at], (e->run.nrows - at) * sizeof(rb_row));
    memset(&e->run.rows[at], 0, n * sizeof(rb_row));
    e->run.nrows += n;
    for (int f = 0; f < e->nframes; f++)
        for (size_t i = 0; i < e->frames[f].nsteps; i++)
            if (e->frames[f].rows[i] >= at)
                e->frames[f].rows[i] += n;
    if (e->run.current >= at && e->run.nrows > n)
        e->run.current += n;
    return true;
}

/* The exact command of a step on this host, or the probe it makes. */
static void describe_step(const runbook_step *s, const host_config *hc, char *out, size_t size)
{
    char err[256];
    out[0] = '\0';
    if (s->run) {
        if (runbook_substitute(s->run, hc, out, size, err, sizeof(err)) < 0)
            snprintf(out, size, "(cannot substitute: %s)", err);
    } else if (s->action) {
        char arg[512] = "";
        if (s->action_arg &&
            runbook_substitute(s->action_arg, hc, arg, sizeof(arg), err, sizeof(err)) < 0)
            snprintf(arg, sizeof(arg), "(%s)", err);
        const builtin_action *b = builtin_action_find(s->action);
        snprintf(out, size, "action %s%s%s: %s", s->action, arg[0] ? " " : "", arg,
                 b ? b->plan_text : "unknown action");
    } else if (s->health) {
        snprintf(out, size, "GET %s expecting %d", hc->health ? hc->health : "(no health =)",
                 s->health);
    } else if (s->signal.name) {
        snprintf(out, size, "signal %s %s %g", s->signal.name, runbook_op_name(s->signal.op),
                 s->signal.value);
    } else if (s->logs) {
        if (runbook_logs_command(s, hc, out, size, err, sizeof(err)) < 0)
            snprintf(out, size, "(cannot substitute: %s)", err);
    } else if (s->kind == RB_STEP_WAIT) {
        snprintf(out, size, "wait %d s", s->wait_s);
    }
}

static bool push_frame(rb_engine *e, const runbook *rb, const runbook_step *steps, size_t nsteps,
                       size_t at_row, const char *prefix, int depth, const char *call_title)
{
    if (e->nframes >= RB_FRAMES_MAX)
        return false;
    size_t extra = call_title ? 1 : 0;
    if (!insert_rows(e, at_row, nsteps + extra))
        return false;
    frame *f = &e->frames[e->nframes];
    memset(f, 0, sizeof(*f));
    f->rows = calloc(nsteps ? nsteps : 1, sizeof(size_t));
    if (!f->rows)
        return false;
    f->rb = rb;
    f->steps = steps;
    f->nsteps = nsteps;
    f->depth = depth;
    snprintf(f->prefix, sizeof(f->prefix), "%s", prefix);
    if (call_title) {
        rb_row *t = &e->run.rows[at_row];
        t->rb = rb;
        t->depth = depth - 1 < 0 ? 0 : depth - 1;
        snprintf(t->index, sizeof(t->index), "%s", prefix);
        snprintf(t->title, sizeof(t->title), "runbook %s: %s", rb->name,
                 rb->title ? rb->title : rb->name);
        snprintf(t->command, sizeof(t->command), "%s", call_title);
        t->state = RBS_RUNNING;
    }
    for (size_t i = 0; i < nsteps; i++) {
        size_t r = at_row + extra + i;
        rb_row *row = &e->run.rows[r];
        row->rb = rb;
        row->step = &steps[i];
        row->depth = depth;
        snprintf(row->index, sizeof(row->index), "%s%zu", prefix, i);
        snprintf(row->title, sizeof(row->title), "%s", steps[i].title ? steps[i].title : "");
        describe_step(&steps[i], run_host(e), row->command, sizeof(row->command));
        row->state = RBS_PENDING;
        f->rows[i] = r;
    }
    e->nframes++;
    return true;
}

/* ---- audit ---- */

static audit_record record_for(const rb_engine *e, const rb_row *row, const char *phase)
{
    const host_config *hc = run_host(e);
    const char *ruser = transport_remote_user(run_transport(e));
    static char action[96];
    snprintf(action, sizeof(action), "run:%s", row && row->rb ? row->rb->name : e->run.rb->name);
    audit_record rec = {
        .host = hc->name,
        .env = hc->env,
        .remote_user = ruser && *ruser ? ruser : NULL,
        .action = action,
        .target = row ? row->title : e->run.rb->title,
        .command = row ? row->command : "",
        .confirm = e->confirm_how[0] ? e->confirm_how : "none",
        .phase = phase,
        .run_id = e->run.run_id,
        .runbook = row && row->rb ? row->rb->name : e->run.rb->name,
        .step_index = row ? row->index : NULL,
        .step_title = row ? row->title : NULL,
    };
    return rec;
}

static void output_hash_hex(rb_engine *e, char hex[AUDIT_HASH_HEX])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    hex[0] = '\0';
    if (e->hash && EVP_DigestFinal_ex(e->hash, digest, &n) == 1)
        for (unsigned i = 0; i < n && 2 * i + 2 < AUDIT_HASH_HEX; i++)
            snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    EVP_MD_CTX_free(e->hash);
    e->hash = NULL;
}

static void hash_begin(rb_engine *e)
{
    EVP_MD_CTX_free(e->hash);
    e->hash = EVP_MD_CTX_new();
    if (e->hash && EVP_DigestInit_ex(e->hash, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(e->hash);
        e->hash = NULL;
    }
}

static void step_output(rb_engine *e, const char *buf, size_t len)
{
    if (e->hash)
        EVP_DigestUpdate(e->hash, buf, len);
    row_output(cur(e), buf, len);
    notify(e);
}

/* The one `finished` line of a step: exit status when there is one. */
static bool audit_finished(rb_engine *e, rb_row *row, bool has_exit, int exit_status)
{
    char hex[AUDIT_HASH_HEX];
    output_hash_hex(e, hex);
    audit_record rec = record_for(e, row, "finished");
    rec.has_exit_status = has_exit;
    rec.exit_status = exit_status;
    rec.has_duration = true;
    rec.duration_s = (double)(loop_update_time(e->app->loop) - row->started_ms) / 1000.0;
    rec.verify = row->finding;
    rec.output_sha256 = hex[0] ? hex : NULL;
    char err[256];
    return audit_append(e->audit, &rec, err, sizeof(err)) == 0;
}

/* ---- in flight ---- */

static void stop_in_flight(rb_engine *e)
{
    if (e->req)
        transport_exec_cancel(e->req);
    if (e->http)
        http_cancel(e->http);
    detached_stop(e->det);
    log_follow_stop(e->logs);
    if (e->timer)
        loop_timer_cancel(e->app->loop, e->timer);
    e->req = NULL;
    e->http = NULL;
    e->det = NULL;
    e->logs = NULL;
    e->timer = 0;
#ifndef OPSDECK_READONLY
    if (e->actions && action_engine_busy(e->actions)) {
        action_engine_free(e->actions); /* audits the action as cut off */
        e->actions = NULL;
    }
#endif
}

static void clear_frames(rb_engine *e)
{
    for (int i = 0; i < e->nframes; i++)
        free(e->frames[i].rows);
    e->nframes = 0;
}

#ifndef OPSDECK_READONLY
static void on_lock_released(lock_outcome o, const host_lock_info *h, const char *err, void *arg)
{
    (void)o, (void)h, (void)err, (void)arg;
}
#endif

/* The run's "finished" line with its verdict (and how long it took, when
 * known); false when the log refused it, and the verdict then says so. */
static bool write_verdict_line(rb_engine *e, const double *took_s)
{
    audit_record rec = record_for(e, NULL, "finished");
    rec.verify = e->run.verdict;
    rec.has_duration = took_s != NULL;
    rec.duration_s = took_s ? *took_s : 0;
    char err[256];
    if (audit_append(e->audit, &rec, err, sizeof(err)) == 0)
        return true;
    size_t n = strlen(e->run.verdict);
    snprintf(e->run.verdict + n, sizeof(e->run.verdict) - n, " (AUDIT LOG FAILED: %s)", err);
    return false;
}

/* The verdict: written to the log, remembered locally, on screen. */
static void finish(rb_engine *e, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void finish(rb_engine *e, bool ok, const char *fmt, ...)
{
    stop_in_flight(e);
    if (e->run_timer)
        loop_timer_cancel(e->app->loop, e->run_timer);
    e->run_timer = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->run.verdict, sizeof(e->run.verdict), fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < e->run.nrows; i++) {
        rb_row *r = &e->run.rows[i];
        if (r->state == RBS_PENDING || r->state == RBS_ASKING)
            r->state = RBS_SKIPPED;
        else if (r->state == RBS_RUNNING)
            r->state = r->step ? RBS_FAILED : (ok ? RBS_PASSED : RBS_FAILED);
    }
    clear_frames(e);
    if (e->run.run_id[0] && e->audit) {
        double took = (double)(loop_update_time(e->app->loop) - e->run.started_ms) / 1000.0;
        if (!write_verdict_line(e, &took))
            ok = false;
        run_memory_note(run_host(e)->name, e->run.rb->name, e->run.run_id, ok ? "passed" : "failed",
                        e->acts - 1);
    }
#ifndef OPSDECK_READONLY
    if (e->lock_held)
        e->lock_req = host_lock_release(run_transport(e), run_host(e), e->run.rb->name,
                                        e->run.run_id, on_lock_released, NULL);
    e->lock_req = NULL; /* fire and forget: it holds its own state */
#endif
    e->lock_held = false;
    e->run.succeeded = ok;
    e->run.phase = RB_DONE;
    notify(e);
}

static void advance_now(loop_t *loop, void *arg)
{
    (void)loop;
    rb_engine *e = arg;
    e->advance_timer = 0;
    next_step(e);
}

static void advance(rb_engine *e)
{
    if (!e->advance_timer)
        e->advance_timer = loop_timer_add(e->app->loop, 0, advance_now, e);
}

static void step_done(rb_engine *e, rb_step_state state, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void step_done(rb_engine *e, rb_step_state state, const char *fmt, ...)
{
    rb_row *row = cur(e);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(row->finding, sizeof(row->finding), fmt, ap);
    va_end(ap);
    row->state = state;
    row->ended_ms = loop_update_time(e->app->loop);
    if (e->nframes)
        e->frames[e->nframes - 1].pos++;
    e->run.phase = RB_RUNNING;
    notify(e);
    advance(e);
}

/* ---- probes: run+expect, health, signal ---- */

typedef void (*probe_fn)(rb_engine *e, bool ok, bool has_exit, int exit_status);

static probe_fn probe_done;

static void trim(const char *in, size_t len, char *out, size_t size)
{
    while (len && strchr(" \t\r\n", *in))
        in++, len--;
    while (len && strchr(" \t\r\n", in[len - 1]))
        len--;
    snprintf(out, size, "%.*s", (int)len, in);
}

static void on_probe_exec(const exec_result *res, void *arg)
{
    rb_engine *e = arg;
    e->req = NULL;
    rb_row *row = cur(e);
    const runbook_step *s = row->step;
    if (!res->ran) {
        snprintf(row->finding, sizeof(row->finding), "did not run: %s", res->error);
        probe_done(e, false, false, 0);
        return;
    }
    step_output(e, res->out, res->out_len);
    if (res->err_len)
        step_output(e, res->err, res->err_len);
    char got[200];
    trim(res->out, res->out_len, got, sizeof(got));
    bool ok;
    if (s->expect.kind == RB_EXPECT_OUTPUT) {
        char want[200];
        trim(s->expect.output, strlen(s->expect.output), want, sizeof(want));
        ok = !strcmp(got, want);
        snprintf(row->finding, sizeof(row->finding), "output '%.80s'%s (expected '%.80s')", got,
                 ok ? "" : " NOT as", want);
    } else {
        int want = s->expect.kind == RB_EXPECT_EXIT ? s->expect.exit : 0;
        ok = res->exit_status == want;
        snprintf(row->finding, sizeof(row->finding), "exit %d%s%s%.80s", res->exit_status,
                 ok ? "" : " (expected ", ok ? "" : "", ok ? "" : "");
        if (!ok) {
            size_t n = strlen(row->finding);
            snprintf(row->finding + n, sizeof(row->finding) - n, "%d)", want);
        }
        if (got[0]) {
            size_t n = strlen(row->finding);
            snprintf(row->finding + n, sizeof(row->finding) - n, ": %.120s", got);
        }
    }
    probe_done(e, ok, true, res->exit_status);
}

static void on_probe_http(const http_response *res, void *arg)
{
    rb_engine *e = arg;
    e->http = NULL;
    rb_row *row = cur(e);
    if (!res->ok) {
        snprintf(row->finding, sizeof(row->finding), "health: %s", res->error);
        probe_done(e, false, false, 0);
        return;
    }
    step_output(e, res->body, res->body_len);
    bool ok = res->status == row->step->health;
    snprintf(row->finding, sizeof(row->finding), "health %ld%s%d", res->status,
             ok ? " as expected " : ", expected ", row->step->health);
    probe_done(e, ok, false, 0);
}

static double golden_value(const golden_sample *g, const char *name)
{
    if (!strcmp(name, "rps"))
        return g->rps;
    if (!strcmp(name, "error_ratio"))
        return g->error_ratio;
    if (!strcmp(name, "latency_p50_s"))
        return g->latency_p50_s;
    if (!strcmp(name, "latency_p95_s"))
        return g->latency_p95_s;
    if (!strcmp(name, "latency_p99_s"))
        return g->latency_p99_s;
    if (!strcmp(name, "cpu_percent"))
        return g->cpu_percent;
    if (!strcmp(name, "mem_percent"))
        return g->mem_percent;
    if (!strcmp(name, "disk_free_percent"))
        return g->disk_free_percent;
    return NAN;
}

/* A signal test reads the golden signals model: only a sample taken after
 * the step began counts (a verify must not pass on the figures from before
 * the act). None yet: not decided, try again at the next poll. */
static void probe_signal(rb_engine *e, rb_row *row)
{
    const host_model *hm = app_host_model(e->app, e->run.host);
    const source_status *st = &hm->status[SRC_GOLDEN];
    const runbook_signal *sig = &row->step->signal;
    double began =
        loop_wall_time() - (double)(loop_update_time(e->app->loop) - row->started_ms) / 1000.0;
    double v = golden_value(&hm->golden, sig->name);
    if (!st->configured || !st->ok || st->last_ok_at < began || isnan(v) ||
        (v < 0 && strcmp(sig->name, "rps"))) {
        snprintf(row->finding, sizeof(row->finding), "signal %s: no fresh sample%s%s", sig->name,
                 st->error[0] ? ": " : "", st->error);
        probe_done(e, false, false, 0);
        return;
    }
    bool ok = runbook_op_holds(sig->op, v, sig->value);
    snprintf(row->finding, sizeof(row->finding), "%s = %g%s%s %g", sig->name, v,
             ok ? ", holds " : ", NOT ", runbook_op_name(sig->op), sig->value);
    probe_done(e, ok, false, 0);
}

static int64_t run_left_ms(rb_engine *e)
{
    int64_t end = e->run.started_ms + (int64_t)e->run.rb->timeout_s * 1000;
    int64_t left = end - loop_update_time(e->app->loop);
    return left > 1000 ? left : 1000;
}

/* A check's command is bounded by RB_CHECK_EXEC_MS and by the run's time. */
static int check_exec_ms(rb_engine *e)
{
    int64_t left = run_left_ms(e);
    return left < RB_CHECK_EXEC_MS ? (int)left : RB_CHECK_EXEC_MS;
}

/* The logs check's command ended: decided from the loop, once the follower
 * is out of its own callback. */
static void logs_ended(loop_t *loop, void *arg)
{
    (void)loop;
    rb_engine *e = arg;
    e->timer = 0;
    rb_row *row = cur(e);
    int status = 0;
    bool ran = log_follow_exit_status(e->logs, &status);
    char error[520];
    snprintf(error, sizeof(error), "%s", log_follow_ended(e->logs));
    log_follow_stop(e->logs);
    e->logs = NULL;
    for (uint64_t n = log_ring_first(row->log); e->hash && n < log_ring_end(row->log); n++) {
        const log_line *l = log_ring_line(row->log, n);
        EVP_DigestUpdate(e->hash, l->text, strlen(l->text));
        EVP_DigestUpdate(e->hash, "\n", 1);
    }
    bool ok = runbook_logs_verdict(row->step, row->log, ran, status, error, row->finding,
                                   sizeof(row->finding));
    probe_done(e, ok, ran, status);
}

static void on_logs_changed(void *arg)
{
    rb_engine *e = arg;
    if (e->logs && log_follow_ended(e->logs)[0] && !e->timer)
        e->timer = loop_timer_add(e->app->loop, 0, logs_ended, e);
    notify(e);
}

static void probe_logs(rb_engine *e, rb_row *row)
{
    log_ring_free(row->log);
    row->log = log_ring_new((size_t)row->step->lines);
    if (row->log)
        e->logs = log_follow_once(e->app->loop, run_transport(e), row->command, check_exec_ms(e),
                                  row->log, on_logs_changed, e);
    if (!e->logs) {
        snprintf(row->finding, sizeof(row->finding), "the host's session could not take it");
        probe_done(e, false, false, 0);
    }
}

static void probe(rb_engine *e, probe_fn done)
{
    rb_row *row = cur(e);
    const runbook_step *s = row->step;
    probe_done = done;
    if ((s->run || s->logs) && !strncmp(row->command, "(cannot substitute", 18)) {
        snprintf(row->finding, sizeof(row->finding), "%s", row->command);
        done(e, false, false, 0);
        return;
    }
    if (s->logs) {
        probe_logs(e, row);
    } else if (s->run) {
        e->req = transport_exec(run_transport(e), row->command, RB_OUTPUT_MAX, check_exec_ms(e),
                                on_probe_exec, NULL, e);
        if (!e->req) {
            snprintf(row->finding, sizeof(row->finding), "the host's session could not take it");
            done(e, false, false, 0);
        }
    } else if (s->health) {
        const host_config *hc = run_host(e);
        char err[512] = "no health = for this host";
        if (hc->health)
            e->http = http_source_get(app_host_source_ctx(e->app, e->run.host), hc->health,
                                      HEALTH_BODY_MAX, on_probe_http, e, err, sizeof(err));
        if (!e->http) {
            snprintf(row->finding, sizeof(row->finding), "health: %s", err);
            done(e, false, false, 0);
        }
    } else if (s->signal.name) {
        probe_signal(e, row);
    } else {
        snprintf(row->finding, sizeof(row->finding), "nothing to test");
        done(e, false, false, 0);
    }
}

/* ---- check ---- */

static void check_done(rb_engine *e, bool ok, bool has_exit, int exit_status)
{
    rb_row *row = cur(e);
    row->ended_ms = loop_update_time(e->app->loop);
    bool logged = audit_finished(e, row, has_exit, exit_status);
    char finding[RB_FINDING_MAX];
    snprintf(finding, sizeof(finding), "%s", row->finding);
    if (!logged) {
        row->state = RBS_FAILED;
        finish(e, false, "stopped: the audit log cannot be written");
        return;
    }
    if (!ok && row->step->require) {
        row->state = RBS_FAILED;
        finish(e, false, "stopped: required check %s '%s' failed: %s", row->index, row->title,
               finding);
        return;
    }
    step_done(e, ok ? RBS_PASSED : RBS_FAILED, "%s", finding);
}

/* ---- verify ---- */

static void verify_failed(rb_engine *e)
{
    rb_row *row = cur(e);
    row->state = RBS_FAILED;
    row->ended_ms = loop_update_time(e->app->loop);
    const runbook *top = e->run.rb;
    const char *offer = e->frames[e->nframes - 1].rb->on_failure;
    if (!offer)
        offer = top->on_failure;
    snprintf(e->failed_verify, sizeof(e->failed_verify), "verify %s '%s' failed: %s", row->index,
             row->title, row->finding);
    if (offer && !e->on_failure_taken && runbook_find(e->set, offer) && !e->read_only) {
        e->run.offer = offer;
        e->run.phase = RB_OFFER_ON_FAILURE;
        notify(e);
        return;
    }
    finish(e, false, "%s", e->failed_verify);
}

static void verify_probed(rb_engine *e, bool ok, bool has_exit, int exit_status)
{
    rb_row *row = cur(e);
    if (ok) {
        if (!audit_finished(e, row, has_exit, exit_status)) {
            finish(e, false, "stopped: the audit log cannot be written");
            return;
        }
        char finding[RB_FINDING_MAX];
        snprintf(finding, sizeof(finding), "%s", row->finding);
        step_done(e, RBS_PASSED, "%s", finding);
        return;
    }
    int64_t now = loop_update_time(e->app->loop);
    int64_t every = (int64_t)(e->app->interval_s > 0 ? e->app->interval_s : 2) * 1000;
    if (now + every > e->deadline_ms) {
        size_t n = strlen(row->finding);
        snprintf(row->finding + n, sizeof(row->finding) - n, " (gave up after %d s)",
                 row->step->within_s);
        audit_finished(e, row, has_exit, exit_status);
        verify_failed(e);
        return;
    }
    hash_begin(e); /* the output of the attempt that decides is the one hashed */
    e->timer = loop_timer_add(e->app->loop, every, poll_verify, e);
}

static void poll_verify(loop_t *loop, void *arg)
{
    (void)loop;
    rb_engine *e = arg;
    e->timer = 0;
    probe(e, verify_probed);
}

/* ---- act ---- */

#ifndef OPSDECK_READONLY
static void act_failed_to_start(rb_engine *e, const char *why)
{
    rb_row *row = cur(e);
    snprintf(row->finding, sizeof(row->finding), "%s", why);
    audit_finished(e, row, false, 0);
    row->state = RBS_FAILED;
    finish(e, false, "act %s '%s' failed: %s", row->index, row->title, why);
}

static void on_act_output(const char *buf, size_t len, void *arg)
{
    step_output(arg, buf, len);
}

static void on_act_ended(bool ran, int exit_status, const char *error, void *arg)
{
    rb_engine *e = arg;
    rb_row *row = cur(e);
    e->det = NULL; /* freed below, once we are out of its callback */
    if (ran)
        snprintf(row->finding, sizeof(row->finding), "exit %d", exit_status);
    else
        snprintf(row->finding, sizeof(row->finding), "%s", error);
    if (!audit_finished(e, row, ran, exit_status)) {
        row->state = RBS_FAILED;
        finish(e, false, "stopped: the audit log cannot be written");
        return;
    }
    if (!ran || exit_status != 0) {
        row->state = RBS_FAILED;
        finish(e, false, "act %s '%s' failed: %s", row->index, row->title, row->finding);
        return;
    }
    step_done(e, RBS_PASSED, "exit 0");
}

static void detached_ended(bool ran, int exit_status, const char *error, void *arg);

static const detached_events act_events = {on_act_output, detached_ended};

/* The detached follower is freed from the loop, not from inside its own
 * callback. */
typedef struct ended_later {
    rb_engine *e;
    detached *d;
    bool ran;
    int exit_status;
    char error[512];
} ended_later;

static void deliver_ended(loop_t *loop, void *arg)
{
    ended_later *l = arg;
    detached_stop(l->d);
    on_act_ended(l->ran, l->exit_status, l->error, l->e);
    free(l);
}

static void detached_ended(bool ran, int exit_status, const char *error, void *arg)
{
    rb_engine *e = arg;
    ended_later *l = calloc(1, sizeof(*l));
    if (!l)
        return;
    l->e = e;
    l->d = e->det;
    e->det = NULL;
    l->ran = ran;
    l->exit_status = exit_status;
    snprintf(l->error, sizeof(l->error), "%s", error);
    e->timer = loop_timer_add(e->app->loop, 0, deliver_ended, l);
}

static void start_run_act(rb_engine *e, rb_row *row)
{
    char err[256], title[300];
    if (!strncmp(row->command, "(cannot substitute", 18)) {
        act_failed_to_start(e, row->command);
        return;
    }
    audit_record intent = record_for(e, row, "intent");
    if (audit_append(e->audit, &intent, err, sizeof(err)) < 0) {
        row->state = RBS_FAILED;
        finish(e, false, "act %s not run: %s", row->index, err); /* nothing was sent */
        return;
    }
    snprintf(title, sizeof(title), "%s %s", row->index, row->title);
    int step = e->acts++;
    run_memory_note(run_host(e)->name, e->run.rb->name, e->run.run_id, "started", step);
    e->det = detached_start(e->app->loop, run_transport(e), run_host(e), e->run.run_id, step, title,
                            row->command, (int)run_left_ms(e), &act_events, e);
    if (!e->det) {
        act_failed_to_start(e, "the host's session could not take it");
        return;
    }
    audit_record started = record_for(e, row, "started");
    audit_append(e->audit, &started, err, sizeof(err));
}

static void on_actions_changed(void *arg)
{
    rb_engine *e = arg;
    if (!e->actions || e->action_done)
        return;
    action_view v = action_engine_view(e->actions);
    if (v.phase == ACTION_DONE) {
        e->action_done = true;
        advance(e); /* next_step sees action_done and closes it, from the loop */
    } else {
        notify(e);
    }
}

static void action_finished(rb_engine *e)
{
    rb_row *row = cur(e);
    action_view v = action_engine_view(e->actions);
    if (v.plan)
        snprintf(row->command, sizeof(row->command), "%s", v.plan->command);
    row->output_len = 0;
    if (v.output_len)
        row_output(row, v.output, v.output_len);
    bool ok = v.succeeded;
    snprintf(row->finding, sizeof(row->finding), "%s", v.result ? v.result : "");
    action_engine_dismiss(e->actions);
    e->action_done = false;
    if (!ok) {
        row->state = RBS_FAILED;
        finish(e, false, "act %s '%s' failed: %s", row->index, row->title, row->finding);
        return;
    }
    char finding[RB_FINDING_MAX];
    snprintf(finding, sizeof(finding), "%s", row->finding);
    step_done(e, RBS_PASSED, "%s", finding);
}

static void start_builtin_act(rb_engine *e, rb_row *row)
{
    const runbook_step *s = row->step;
    const builtin_action *b = builtin_action_find(s->action);
    char arg[512] = "", err[512] = "";
    if (!b || !b->plan) {
        act_failed_to_start(e, "no such built-in action");
        return;
    }
    if (s->action_arg &&
        runbook_substitute(s->action_arg, run_host(e), arg, sizeof(arg), err, sizeof(err)) < 0) {
        act_failed_to_start(e, err);
        return;
    }
    if (!e->actions)
        e->actions = action_engine_new(e->app, e->audit, e->read_only, on_actions_changed, e);
    struct action_plan *plan =
        e->actions ? b->plan(e->app, e->run.host, arg, err, sizeof(err)) : NULL;
    if (!plan) {
        act_failed_to_start(e, err[0] ? err : "out of memory");
        return;
    }
    snprintf(row->command, sizeof(row->command), "%s", plan->command);
    action_engine_set_runbook(e->actions, e->run.run_id, row->rb->name, row->index, row->title);
    char msg[512] = "";
    if (!action_engine_begin(e->actions, plan, msg, sizeof(msg))) {
        act_failed_to_start(e, msg);
        return;
    }
    action_engine_answer(e->actions, true, e->confirm_how);
}
#endif

static void run_act(rb_engine *e, rb_row *row)
{
    if (e->read_only) {
        audit_record rec = record_for(e, row, "denied");
        char msg[512];
        gate_deny(e->audit, &rec, msg, sizeof(msg));
        step_done(e, RBS_REFUSED, "read-only: refused, nothing was changed");
        return;
    }
#ifndef OPSDECK_READONLY
    /* Asking is not running: the row says so, with no time counting, until
     * the answer (next_step comes back to it and starts it then). */
    if (!e->plan_confirmed) {
        e->run.phase = RB_CONFIRM_PLAN;
        row->state = RBS_ASKING;
        row->started_ms = 0;
        notify(e);
        return;
    }
    if (row->step->confirm && !e->step_confirmed) {
        e->run.phase = RB_CONFIRM_STEP;
        row->state = RBS_ASKING;
        row->started_ms = 0;
        notify(e);
        return;
    }
    e->step_confirmed = false;
    hash_begin(e);
    if (row->step->action)
        start_builtin_act(e, row);
    else
        start_run_act(e, row);
#endif
}

/* ---- choose, wait, nested runbooks ---- */

static void on_waited(loop_t *loop, void *arg)
{
    (void)loop;
    rb_engine *e = arg;
    e->timer = 0;
    step_done(e, RBS_PASSED, "waited %d s", cur(e)->step->wait_s);
}

static bool enter_runbook(rb_engine *e, const char *name, size_t at_row, const char *prefix,
                          int depth, const char *why)
{
    const runbook *rb = runbook_find(e->set, name);
    if (!rb || e->calls >= RUNBOOK_CALLS_MAX)
        return false;
    e->calls++;
    char p[24];
    snprintf(p, sizeof(p), "%s", prefix);
    char sub[24];
    snprintf(sub, sizeof(sub), "%s.", p);
    (void)why;
    return push_frame(e, rb, rb->steps, rb->nsteps, at_row, sub, depth + 1, why);
}

/* ---- the loop of steps ---- */

static size_t refused_count(const rb_engine *e)
{
    size_t n = 0;
    for (size_t i = 0; i < e->run.nrows; i++)
        n += e->run.rows[i].state == RBS_REFUSED;
    return n;
}

static void next_step(rb_engine *e)
{
#ifndef OPSDECK_READONLY
    if (e->action_done) {
        action_finished(e);
        return;
    }
#endif
    if (e->run.phase != RB_RUNNING)
        return;
    while (e->nframes) {
        frame *f = &e->frames[e->nframes - 1];
        if (f->pos < f->nsteps)
            break;
        free(f->rows);
        e->nframes--;
        /* a nested runbook's title row: done when its steps are */
        for (size_t i = 0; i < e->run.nrows; i++)
            if (!e->run.rows[i].step && e->run.rows[i].state == RBS_RUNNING &&
                e->run.rows[i].rb == f->rb) {
                e->run.rows[i].state = RBS_PASSED;
                break;
            }
    }
    if (!e->nframes) {
        if (e->failed_verify[0])
            /* the outcome first: the cause can be long and the line is cut
             * at the terminal's width */
            finish(e, false, "on_failure %s passed every step, after %s",
                   e->run.offer ? e->run.offer : "", e->failed_verify);
        else if (refused_count(e))
            finish(e, false, "read-only: the checks ran, %zu act%s refused; nothing was changed",
                   refused_count(e), refused_count(e) == 1 ? "" : "s");
        else
            finish(e, true, "passed: every step of %s on %s", e->run.rb->name, run_host(e)->name);
        return;
    }
    frame *f = &e->frames[e->nframes - 1];
    size_t r = f->rows[f->pos];
    e->run.current = r;
    rb_row *row = &e->run.rows[r];
    row->state = RBS_RUNNING;
    row->started_ms = loop_update_time(e->app->loop);
    row->finding[0] = '\0';
    row->output_len = 0;
    char step_text[300];
    snprintf(step_text, sizeof(step_text), "%s %s", row->index, row->title);
#ifndef OPSDECK_READONLY
    if (e->lock_held)
        host_lock_update(run_transport(e), run_host(e), e->run.rb->name, e->run.run_id, step_text,
                         NULL, NULL);
#endif
    notify(e);
    const runbook_step *s = row->step;
    switch (s->kind) {
    case RB_STEP_CHECK:
        hash_begin(e);
        probe(e, check_done);
        break;
    case RB_STEP_VERIFY:
        if (e->read_only) {
            step_done(e, RBS_SKIPPED, "read-only: nothing was changed to verify");
            break;
        }
        hash_begin(e);
        e->deadline_ms = row->started_ms +
                         (int64_t)(s->within_s > 0 ? s->within_s : RUNBOOK_WITHIN_DEFAULT_S) * 1000;
        probe(e, verify_probed);
        break;
    case RB_STEP_ACT:
        run_act(e, row);
        break;
    case RB_STEP_CHOOSE:
        e->run.choosing = s;
        e->run.phase = RB_CHOOSING;
        notify(e);
        break;
    case RB_STEP_WAIT:
        e->timer = loop_timer_add(e->app->loop, (int64_t)s->wait_s * 1000, on_waited, e);
        break;
    }
}

static void on_run_timeout(loop_t *loop, void *arg)
{
    (void)loop;
    rb_engine *e = arg;
    e->run_timer = 0;
    rb_row *row = cur(e);
    if (row && row->state == RBS_RUNNING) {
        snprintf(row->finding, sizeof(row->finding), "cut off by the runbook's timeout");
        audit_finished(e, row, false, 0);
    }
    finish(e, false, "timed out after %d s (an act already started goes on on the host)",
           e->run.rb->timeout_s);
}

static void begin_steps(rb_engine *e)
{
    e->run.phase = RB_RUNNING;
    run_memory_note(run_host(e)->name, e->run.rb->name, e->run.run_id, "started", -1);
    e->run_timer =
        loop_timer_add(e->app->loop, (int64_t)e->run.rb->timeout_s * 1000, on_run_timeout, e);
    advance(e);
    notify(e);
}

#ifndef OPSDECK_READONLY
static void on_lock(lock_outcome outcome, const host_lock_info *holder, const char *error,
                    void *arg)
{
    rb_engine *e = arg;
    e->lock_req = NULL;
    if (outcome == LOCK_ACQUIRED) {
        e->lock_held = true;
        begin_steps(e);
        return;
    }
    if (outcome == LOCK_HELD) {
        char who[512], why[256];
        e->run.holder = *holder;
        e->run.holder_dead = host_lock_dead(holder, why, sizeof(why));
        host_lock_describe(holder, who, sizeof(who));
        e->run.run_id[0] = '\0'; /* nothing ran: no verdict line */
        finish(e, false, "refused: %s on %s is held by %s (%s)", e->run.rb->name, run_host(e)->name,
               who, why);
        return;
    }
    e->run.run_id[0] = '\0';
    finish(e, false, "cannot take the lock on %s: %s", run_host(e)->name, error);
}
#endif

/* ---- the API ---- */

rb_engine *rb_engine_new(app_t *app, audit_log *audit, const runbook_set *set, bool read_only,
                         void (*changed)(void *arg), void *arg)
{
    rb_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->app = app;
    e->audit = audit;
    e->set = set;
    e->read_only = gate_is_read_only(read_only);
    e->changed = changed;
    e->arg = arg;
    return e;
}

static void reset_run(rb_engine *e)
{
    stop_in_flight(e);
    if (e->run_timer)
        loop_timer_cancel(e->app->loop, e->run_timer);
    if (e->advance_timer)
        loop_timer_cancel(e->app->loop, e->advance_timer);
    e->run_timer = e->advance_timer = 0;
    clear_frames(e);
    for (size_t i = 0; i < e->run.nrows; i++) {
        free(e->run.rows[i].output);
        log_ring_free(e->run.rows[i].log);
    }
    free(e->run.rows);
    memset(&e->run, 0, sizeof(e->run));
    e->caprows = 0;
    e->calls = e->acts = 0;
    e->plan_confirmed = e->step_confirmed = e->on_failure_taken = false;
    e->confirm_how[0] = '\0';
    e->failed_verify[0] = '\0';
    EVP_MD_CTX_free(e->hash);
    e->hash = NULL;
}

void rb_engine_free(rb_engine *e)
{
    if (!e)
        return;
    if (e->lock_req)
        host_lock_cancel(e->lock_req);
    reset_run(e);
#ifndef OPSDECK_READONLY
    action_engine_free(e->actions);
#endif
    free(e);
}

bool rb_engine_start(rb_engine *e, const runbook *rb, size_t host, char *msg, size_t msgsize)
{
    if (e->run.phase != RB_IDLE && e->run.phase != RB_DONE && e->run.phase != RB_ATTACHED) {
        snprintf(msg, msgsize, "a run is going (%s): one at a time", e->run.rb->name);
        return false;
    }
    const host_config *hc = app_host_config(e->app, host);
    if (!runbook_allowed_in(rb, hc->env)) {
        snprintf(msg, msgsize, "%s may not run in %s (envs: of %s)", rb->name, hc->env, rb->file);
        return false;
    }
    char err[256];
    if (!e->audit || audit_ready(e->audit, err, sizeof(err)) < 0) {
        snprintf(msg, msgsize, "%s refused: the audit log cannot be written (%s)", rb->name,
                 e->audit ? err : "none");
        return false;
    }
    reset_run(e);
    e->run.rb = rb;
    e->run.host = host;
    e->run.confirm = runbook_confirm_for(rb, config_env(e->app->config, hc->env));
    e->run.started_ms = loop_update_time(e->app->loop);
    detached_new_run_id(e->run.run_id);
    if (!push_frame(e, rb, rb->steps, rb->nsteps, 0, "", 0, NULL)) {
        snprintf(msg, msgsize, "%s: out of memory", rb->name);
        reset_run(e);
        return false;
    }
    if (e->read_only) { /* changes nothing, takes no lock */
        begin_steps(e);
        return true;
    }
#ifndef OPSDECK_READONLY
    e->run.phase = RB_LOCKING;
    e->lock_req = host_lock_acquire(run_transport(e), hc, rb->name, e->run.run_id, "0 starting",
                                    rb->timeout_s, on_lock, e);
    if (!e->lock_req) {
        snprintf(msg, msgsize, "%s: cannot ask %s for the lock", rb->name, hc->name);
        reset_run(e);
        return false;
    }
#endif
    notify(e);
    return true;
}

void rb_engine_answer(rb_engine *e, bool accepted, const char *how)
{
    rb_phase p = e->run.phase;
    if (p != RB_CONFIRM_PLAN && p != RB_CONFIRM_STEP && p != RB_OFFER_ON_FAILURE)
        return;
    rb_row *row = cur(e);
    if (!accepted) {
        if (p == RB_OFFER_ON_FAILURE) {
            finish(e, false, "%s (on_failure %s not run)", e->failed_verify, e->run.offer);
            return;
        }
        audit_record rec = record_for(e, row, "cancelled");
        char err[256];
        audit_append(e->audit, &rec, err, sizeof(err));
        row->state = RBS_SKIPPED;
        finish(e, false, "cancelled at act %s '%s': nothing more was changed", row->index,
               row->title);
        return;
    }
    snprintf(e->confirm_how, sizeof(e->confirm_how), "%s", how ? how : "");
    e->run.phase = RB_RUNNING;
    if (p == RB_CONFIRM_PLAN)
        e->plan_confirmed = true;
    else if (p == RB_CONFIRM_STEP)
        e->step_confirmed = true;
    if (p == RB_OFFER_ON_FAILURE) {
        e->on_failure_taken = true;
        e->plan_confirmed = true;
        clear_frames(e); /* what was left of the remedy is not run */
        for (size_t i = 0; i < e->run.nrows; i++)
            if (e->run.rows[i].state == RBS_PENDING)
                e->run.rows[i].state = RBS_SKIPPED;
        if (!enter_runbook(e, e->run.offer, e->run.nrows, "F", 0, "on_failure")) {
            finish(e, false, "%s; on_failure %s could not start", e->failed_verify, e->run.offer);
            return;
        }
        advance(e);
        notify(e);
        return;
    }
    /* the act asked about runs now: next_step comes back to it */
    advance(e);
    notify(e);
}

void rb_engine_choose(rb_engine *e, int option)
{
    if (e->run.phase != RB_CHOOSING)
        return;
    const runbook_step *s = e->run.choosing;
    rb_row *row = cur(e);
    size_t at = e->run.current + 1;
    e->run.choosing = NULL;
    if (option < 0 || (size_t)option >= s->noptions) {
        snprintf(row->finding, sizeof(row->finding), "none chosen");
        audit_finished(e, row, false, 0);
        row->state = RBS_FAILED;
        finish(e, false, "stopped at %s '%s': no option chosen", row->index, row->title);
        return;
    }
    const runbook_option *o = &s->options[option];
    snprintf(row->finding, sizeof(row->finding), "chose %d: %s", option + 1, o->title);
    audit_finished(e, row, false, 0);
    row->state = RBS_PASSED;
    row->ended_ms = loop_update_time(e->app->loop);
    frame *f = &e->frames[e->nframes - 1];
    f->pos++;
    int depth = f->depth + 1;
    char prefix[24];
    snprintf(prefix, sizeof(prefix), "%s.%d.", row->index, option + 1);
    bool ok = o->runbook ? enter_runbook(e, o->runbook, at, row->index, f->depth, o->title)
                         : push_frame(e, row->rb, o->steps, o->nsteps, at, prefix, depth, NULL);
    if (!ok) {
        finish(e, false, "option '%s' could not start (nesting too deep, or out of memory)",
               o->title);
        return;
    }
    e->run.phase = RB_RUNNING;
    advance(e);
    notify(e);
}

/* ---- re-attach ---- */

static void attach_next(rb_engine *e);

static void on_attach_output(const char *buf, size_t len, void *arg)
{
    rb_engine *e = arg;
    row_output(&e->run.rows[e->attach_row], buf, len);
    notify(e);
}

static void attach_step_ended(loop_t *loop, void *arg)
{
    (void)loop;
    rb_engine *e = arg;
    e->timer = 0;
    detached_stop(e->det);
    e->det = NULL;
    e->attach_row++;
    attach_next(e);
}

static void on_attach_ended(bool ran, int exit_status, const char *error, void *arg)
{
    rb_engine *e = arg;
    rb_row *row = &e->run.rows[e->attach_row];
    row->state = ran && exit_status == 0 ? RBS_PASSED : RBS_FAILED;
    if (ran)
        snprintf(row->finding, sizeof(row->finding), "exit %d", exit_status);
    else
        snprintf(row->finding, sizeof(row->finding), "%s", error);
    e->timer = loop_timer_add(e->app->loop, 0, attach_step_ended, e);
}

static const detached_events attach_events = {on_attach_output, on_attach_ended};

/* The run's end, learned by re-attaching: the log gets the acts' exit
 * statuses and the run's verdict that the opsdeck which died never wrote,
 * the local memory says how it ended (so the next start does not re-attach
 * it again), and its lock, held by a process that is gone, is given back
 * (the host releases it only to this run_id). */
static void attach_record_ending(rb_engine *e, bool ok)
{
    if (e->audit && e->run.nrows > 0) {
        char err[256];
        for (size_t i = 0; i < e->run.nrows; i++) {
            const rb_row *row = &e->run.rows[i];
            audit_record rec = record_for(e, row, "finished");
            /* the host lists an act as "INDEX TITLE": the step index its
             * intent and started lines carry */
            char index[32] = "";
            int off = 0;
            if (sscanf(row->title, "%31s %n", index, &off) == 1 && off > 0) {
                rec.step_index = index;
                rec.step_title = row->title + off;
            }
            int status = 0;
            rec.has_exit_status = sscanf(row->finding, "exit %d", &status) == 1;
            rec.exit_status = status;
            rec.verify = rec.has_exit_status ? "learned by re-attaching" : row->finding;
            if (audit_append(e->audit, &rec, err, sizeof(err)) < 0)
                ok = false;
        }
        if (!write_verdict_line(e, NULL))
            ok = false;
    }
    run_memory_note(run_host(e)->name, e->run.rb->name, e->run.run_id, ok ? "passed" : "failed",
                    -1);
#ifndef OPSDECK_READONLY
    if (!e->read_only && e->run.nrows > 0)
        host_lock_release(run_transport(e), run_host(e), e->run.rb->name, e->run.run_id,
                          on_lock_released, NULL); /* fire and forget: it holds its own state */
#endif
}

static void attach_next(rb_engine *e)
{
    if (e->attach_row >= e->run.nrows) {
        bool ok = e->run.nrows > 0;
        for (size_t i = 0; i < e->run.nrows; i++)
            ok = ok && e->run.rows[i].state == RBS_PASSED;
        snprintf(e->run.verdict, sizeof(e->run.verdict), "run %s re-attached: %zu act%s, %s",
                 e->run.run_id, e->run.nrows, e->run.nrows == 1 ? "" : "s",
                 e->run.nrows == 0 ? "none found on the host"
                 : ok              ? "every one ended with exit 0"
                                   : "not every one ended well");
        e->run.succeeded = ok;
        attach_record_ending(e, ok);
        notify(e);
        return;
    }
    e->run.current = e->attach_row;
    e->run.rows[e->attach_row].state = RBS_RUNNING;
    e->det = detached_attach(e->app->loop, run_transport(e), run_host(e), e->run.run_id,
                             atoi(e->run.rows[e->attach_row].index + 1), 24 * 3600 * 1000,
                             &attach_events, e);
    notify(e);
}

static void on_listed(const exec_result *res, void *arg)
{
    rb_engine *e = arg;
    e->req = NULL;
    if (!res->ran || res->exit_status != 0) {
        snprintf(e->run.verdict, sizeof(e->run.verdict), "cannot list run %s on %s: %s",
                 e->run.run_id, run_host(e)->name, res->ran ? res->err : res->error);
        notify(e);
        return;
    }
    /* "sN STATUS INDEX TITLE", in the shell's order (s0 s1 ... s10: sort) */
    const char *p = res->out;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[400], dir[16] = "", status[32] = "";
        int off = 0;
        snprintf(line, sizeof(line), "%.*s", (int)(len < 399 ? len : 399), p);
        if (sscanf(line, "%15s %31s %n", dir, status, &off) >= 2 && dir[0] == 's' &&
            insert_rows(e, e->run.nrows, 1)) {
            rb_row *row = &e->run.rows[e->run.nrows - 1];
            row->rb = e->run.rb;
            snprintf(row->index, sizeof(row->index), "%s", dir);
            snprintf(row->title, sizeof(row->title), "%s", off ? line + off : "");
            snprintf(row->command, sizeof(row->command), "act %s of run %s", dir, e->run.run_id);
            row->state = RBS_PENDING;
        }
        p = nl ? nl + 1 : NULL;
    }
    /* s2 before s10 */
    for (size_t i = 1; i < e->run.nrows; i++)
        for (size_t j = i;
             j > 0 && atoi(e->run.rows[j - 1].index + 1) > atoi(e->run.rows[j].index + 1); j--) {
            rb_row t = e->run.rows[j];
            e->run.rows[j] = e->run.rows[j - 1];
            e->run.rows[j - 1] = t;
        }
    e->attach_row = 0;
    attach_next(e);
}

bool rb_engine_attach(rb_engine *e, const runbook *rb, size_t host, const char *run_id, char *msg,
                      size_t msgsize)
{
    if (rb_engine_busy(e)) {
        snprintf(msg, msgsize, "a run is going (%s): one at a time", e->run.rb->name);
        return false;
    }
    reset_run(e);
    e->run.rb = rb;
    e->run.host = host;
    e->run.phase = RB_ATTACHED;
    snprintf(e->run.run_id, sizeof(e->run.run_id), "%s", run_id);
    snprintf(e->run.verdict, sizeof(e->run.verdict), "asking %s about run %s...", run_host(e)->name,
             run_id);
    e->req = detached_list_run(run_transport(e), run_host(e), run_id, on_listed, e);
    if (!e->req) {
        snprintf(msg, msgsize, "cannot ask %s about run %s", run_host(e)->name, run_id);
        e->run.phase = RB_IDLE;
        return false;
    }
    notify(e);
    return true;
}

#ifndef OPSDECK_READONLY
static void on_broken(lock_outcome outcome, const host_lock_info *holder, const char *error,
                      void *arg)
{
    rb_engine *e = arg;
    e->lock_req = NULL;
    const host_config *hc = run_host(e);
    audit_record rec = {
        .host = hc->name,
        .env = hc->env,
        .action = "break-lock",
        .target = e->run.rb->name,
        .command = "rm -rf STATE_DIR/locks/RUNBOOK (after the host checked no act runs)",
        .confirm = e->confirm_how,
        .phase = "finished",
        .run_id = e->run.holder.run_id,
        .verify = outcome == LOCK_FREE   ? "broken"
                  : outcome == LOCK_HELD ? "still held"
                                         : error,
    };
    char err[256];
    audit_append(e->audit, &rec, err, sizeof(err));
    snprintf(e->run.verdict, sizeof(e->run.verdict), "lock of %s on %s: %s", e->run.rb->name,
             hc->name,
             outcome == LOCK_FREE   ? "broken; start the runbook again"
             : outcome == LOCK_HELD ? "NOT broken: the host says its run is alive"
                                    : error);
    e->run.holder_dead = false;
    notify(e);
}
#endif

void rb_engine_break_lock(rb_engine *e, const char *how)
{
#ifndef OPSDECK_READONLY
    if (e->run.phase != RB_DONE || !e->run.holder_dead || e->read_only)
        return;
    snprintf(e->confirm_how, sizeof(e->confirm_how), "%s", how ? how : "");
    const host_config *hc = run_host(e);
    audit_record rec = {
        .host = hc->name,
        .env = hc->env,
        .action = "break-lock",
        .target = e->run.rb->name,
        .command = "rm -rf STATE_DIR/locks/RUNBOOK (after the host checked no act runs)",
        .confirm = e->confirm_how,
        .phase = "intent",
        .run_id = e->run.holder.run_id,
    };
    char err[256];
    if (audit_append(e->audit, &rec, err, sizeof(err)) < 0) {
        snprintf(e->run.verdict, sizeof(e->run.verdict), "lock not broken: %s", err);
        notify(e);
        return;
    }
    e->lock_req =
        host_lock_break(run_transport(e), hc, e->run.rb->name, e->run.holder.run_id, on_broken, e);
#else
    (void)e;
    (void)how;
#endif
}

void rb_engine_dismiss(rb_engine *e)
{
    if (e->run.phase != RB_DONE && e->run.phase != RB_ATTACHED)
        return;
    reset_run(e);
    notify(e);
}

bool rb_engine_busy(const rb_engine *e)
{
    switch (e->run.phase) {
    case RB_IDLE:
    case RB_DONE:
    case RB_ATTACHED:
        return false;
    default:
        return true;
    }
}

const rb_run *rb_engine_run(const rb_engine *e)
{
    return &e->run;
}

/* ---- the plan ---- */

static size_t plan_steps(const runbook_set *set, const runbook *rb, const runbook_step *steps,
                         size_t n, const host_config *hc, int depth, const char *prefix, int calls,
                         void (*line)(const char *, void *), void *arg)
{
    size_t count = 0;
    char text[RUNBOOK_COMMAND_MAX + 512], cmd[RUNBOOK_COMMAND_MAX];
    for (size_t i = 0; i < n; i++) {
        const runbook_step *s = &steps[i];
        char index[32];
        snprintf(index, sizeof(index), "%s%zu", prefix, i);
        describe_step(s, hc, cmd, sizeof(cmd));
        snprintf(text, sizeof(text), "%*s%s %s: %s%s%s%s", depth * 2, "", index,
                 runbook_step_kind_name(s->kind), s->title ? s->title : "", cmd[0] ? " -- " : "",
                 cmd, s->confirm ? " (asks again)" : "");
        line(text, arg);
        count++;
        for (size_t o = 0; o < s->noptions; o++) {
            const runbook_option *opt = &s->options[o];
            snprintf(text, sizeof(text), "%*s  option %zu: %s%s%s", depth * 2, "", o + 1,
                     opt->title, opt->runbook ? " -- runbook " : "",
                     opt->runbook ? opt->runbook : "");
            line(text, arg);
            count++;
            char sub[32];
            snprintf(sub, sizeof(sub), "%s.%zu.", index, o + 1);
            const runbook *nested = opt->runbook ? runbook_find(set, opt->runbook) : NULL;
            if (nested && calls < RUNBOOK_CALLS_MAX)
                count += plan_steps(set, nested, nested->steps, nested->nsteps, hc, depth + 2, sub,
                                    calls + 1, line, arg);
            else if (!opt->runbook)
                count += plan_steps(set, rb, opt->steps, opt->nsteps, hc, depth + 2, sub, calls,
                                    line, arg);
        }
    }
    return count;
}

size_t rb_plan_lines(const runbook_set *set, const runbook *rb, const host_config *hc,
                     void (*line)(const char *text, void *arg), void *arg)
{
    return plan_steps(set, rb, rb->steps, rb->nsteps, hc, 0, "", 0, line, arg);
}
