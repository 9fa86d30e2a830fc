/* Cancel, terminate, kill idle transactions (see pg_actions.h). */
#include "opsdeck/actions/pg_actions.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/net/pg_client.h"
#include "opsdeck/numbers.h"
#include "opsdeck/sanitize.h"

#define STATEMENT_TIMEOUT_MS 5000
#define CONNECT_TIMEOUT_S    10
#define VERIFY_EVERY_MS      500

typedef enum { PG_CANCEL, PG_TERMINATE, PG_KILL_IDLE } pg_kind;

typedef struct pg_data {
    pg_kind kind;
    int *pids; /* the targets, frozen when asked */
    size_t npids;
    double seconds; /* cancel: how long its statement had run when asked */
    int *done_pids; /* kill-idle: the ones actually terminated */
    size_t ndone;
    char verify_sql[4096];
    action_run *run;
    loop_t *loop; /* set when it runs */
    pg_client *client;
    uint64_t timer;       /* the run's deadline, then the next check */
    uint64_t check_bound; /* verify's hard limit, a check in flight included */
    int64_t deadline_ms;
    bool verifying;
    char last_seen[256];
} pg_data;

static pg_data *data_of(action_run *run)
{
    return action_run_plan(run)->data;
}

static void close_client(pg_data *d)
{
    pg_client_free(d->client);
    d->client = NULL;
    if (d->timer)
        loop_timer_cancel(d->loop, d->timer);
    if (d->check_bound)
        loop_timer_cancel(d->loop, d->check_bound);
    d->timer = d->check_bound = 0;
}

static void free_data(void *p)
{
    pg_data *d = p;
    close_client(d); /* a failed statement ends the action without a verify */
    free(d->pids);
    free(d->done_pids);
    free(d);
}

/* A line of our own into the action's output (shown and hashed for the
 * audit log like the host's). */
static void output_printf(action_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void output_printf(action_run *run, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0)
        action_output(run, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* "{1,2,3}" for an int[] literal */
static void pid_array(const int *pids, size_t n, char *buf, size_t size)
{
    size_t len = (size_t)snprintf(buf, size, "{");
    for (size_t i = 0; i < n && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%d", i ? "," : "", pids[i]);
    if (len < size)
        snprintf(buf + len, size - len, "}");
}

/* A boolean column: true only when it is 't' (NULL is not true). */
static bool column_is_true(const PGresult *res, int row, int col)
{
    return !PQgetisnull(res, row, col) && strcmp(PQgetvalue(res, row, col), "t") == 0;
}

/* ---- run ---- */

static void on_ran(const PGresult *res, const char *error, void *arg)
{
    action_run *run = arg;
    pg_data *d = data_of(run);
    loop_t *loop = action_run_app(run)->loop;
    if (!res) {
        close_client(d);
        action_ran(run, false, -1, error);
        return;
    }
    int failed = 0;
    if (d->kind == PG_KILL_IDLE) {
        int rows = PQntuples(res);
        d->done_pids = calloc((size_t)rows + 1, sizeof(int));
        for (int r = 0; r < rows && d->done_pids; r++) {
            int pid = atoi(PQgetvalue(res, r, 0));
            bool ok = column_is_true(res, r, 1);
            output_printf(run, "pid %d: %s\n", pid,
                          ok ? "terminated" : "NOT terminated (not permitted?)");
            if (ok)
                d->done_pids[d->ndone++] = pid;
            failed += !ok;
        }
        /* the ones the server no longer found idle past idle_txn */
        for (size_t i = 0; i < d->npids; i++) {
            bool seen = false;
            for (int r = 0; r < rows && !seen; r++)
                seen = atoi(PQgetvalue(res, r, 0)) == d->pids[i];
            if (!seen)
                output_printf(run,
                              "pid %d: no longer idle in a transaction past idle_txn: left alone\n",
                              d->pids[i]);
        }
    } else {
        bool ok = PQntuples(res) == 1 && column_is_true(res, 0, 0);
        output_printf(run, "pid %d: %s\n", d->pids[0],
                      ok ? (d->kind == PG_CANCEL ? "cancel signal sent" : "terminate signal sent")
                         : "no such backend, or not permitted (the server answered false)");
        failed = !ok;
    }
    loop_timer_cancel(loop, d->timer);
    d->timer = 0;
    action_ran(run, true, failed ? 1 : 0, NULL);
}

static void on_run_deadline(loop_t *loop, void *arg)
{
    action_run *run = arg;
    pg_data *d = data_of(run);
    d->timer = 0;
    close_client(d);
    action_ran(run, false, -1, "no answer from the database in time");
}

static void run_pg(action_run *run)
{
    const action_plan *plan = action_run_plan(run);
    pg_data *d = plan->data;
    app_t *app = action_run_app(run);
    const host_config *hc = app_host_config(app, plan->host);
    d->run = run;
    d->loop = app->loop;
    char err[512];
    pg_client_options o = {
        .conninfo = hc->postgres,
        .read_only = false,
        .statement_timeout_ms = STATEMENT_TIMEOUT_MS,
        .connect_timeout_s = CONNECT_TIMEOUT_S,
    };
    d->client = pg_client_new(app->loop, action_run_transport(run), &o, err, sizeof(err));
    if (!d->client) {
        action_ran(run, false, -1, err);
        return;
    }
    d->timer = loop_timer_add(app->loop, plan->timeout_ms, on_run_deadline, run);
    if (pg_client_query(d->client, plan->command, 0, NULL, on_ran, run) < 0) {
        close_client(d);
        action_ran(run, false, -1, "cannot send the statement");
    }
}

/* ---- verify ---- */

static void send_verify_query(loop_t *loop, void *arg);

static void again_or_give_up(action_run *run)
{
    pg_data *d = data_of(run);
    loop_t *loop = action_run_app(run)->loop;
    if (loop_update_time(loop) >= d->deadline_ms) {
        close_client(d);
        char verdict[400];
        snprintf(verdict, sizeof(verdict), "still there after %d s: %s",
                 action_run_plan(run)->timeout_ms / 1000, d->last_seen);
        action_verified(run, false, verdict);
        return;
    }
    d->timer = loop_timer_add(loop, VERIFY_EVERY_MS, send_verify_query, run);
}

static void on_checked(const PGresult *res, const char *error, void *arg)
{
    action_run *run = arg;
    pg_data *d = data_of(run);
    if (!res) {
        snprintf(d->last_seen, sizeof(d->last_seen), "the check failed: %s", error);
        if (pg_client_broken(d->client)) {
            close_client(d);
            action_verified(run, false, d->last_seen);
            return;
        }
        again_or_give_up(run);
        return;
    }
    int rows = PQntuples(res);
    char verdict[256];
    if (d->kind == PG_CANCEL) {
        /* gone, not active, or a newer statement: its statement ended */
        bool same = rows == 1 && strcmp(PQgetvalue(res, 0, 0), "active") == 0 &&
                    num_strtod(PQgetvalue(res, 0, 1), NULL) >= d->seconds;
        if (!same) {
            snprintf(verdict, sizeof(verdict), "pid %d %s", d->pids[0],
                     rows ? "no longer runs that statement" : "is gone");
            close_client(d);
            action_verified(run, true, verdict);
            return;
        }
        snprintf(d->last_seen, sizeof(d->last_seen), "pid %d still active in its statement",
                 d->pids[0]);
    } else if (rows == 0) {
        if (d->kind == PG_TERMINATE)
            snprintf(verdict, sizeof(verdict), "pid %d is gone", d->pids[0]);
        else
            snprintf(verdict, sizeof(verdict), "none of the %zu terminated sessions remains",
                     d->ndone);
        close_client(d);
        action_verified(run, true, verdict);
        return;
    } else {
        snprintf(d->last_seen, sizeof(d->last_seen), "%d of them, first pid %s", rows,
                 PQgetvalue(res, 0, 0));
    }
    again_or_give_up(run);
}

/* One verify round: asks pg_stat_activity whether the target is gone
 * (on_checked judges the answer); from a timer, and once at once. */
static void send_verify_query(loop_t *loop, void *arg)
{
    action_run *run = arg;
    pg_data *d = data_of(run);
    d->timer = 0;
    if (pg_client_query(d->client, d->verify_sql, 0, NULL, on_checked, run) < 0) {
        close_client(d);
        action_verified(run, false, "the check could not be sent");
    }
}

/* A check that never comes back (the connection died silently) must not
 * hold the action: the checks' own deadline, plus one interval. */
static void on_check_bound(loop_t *loop, void *arg)
{
    action_run *run = arg;
    pg_data *d = data_of(run);
    d->check_bound = 0;
    close_client(d);
    char verdict[400];
    snprintf(verdict, sizeof(verdict), "no answer to the check within %d s (last seen: %s)",
             action_run_plan(run)->timeout_ms / 1000, d->last_seen[0] ? d->last_seen : "nothing");
    action_verified(run, false, verdict);
}

static void verify_pg(action_run *run)
{
    pg_data *d = data_of(run);
    app_t *app = action_run_app(run);
    char pids[PG_KILL_IDLE_MAX * 12];
    if (d->kind == PG_KILL_IDLE && d->ndone == 0) {
        close_client(d);
        action_verified(run, true, "no session needed terminating");
        return;
    }
    if (d->kind == PG_CANCEL)
        snprintf(d->verify_sql, sizeof(d->verify_sql),
                 "SELECT state, extract(epoch FROM clock_timestamp() - query_start) "
                 "FROM pg_stat_activity WHERE pid = %d",
                 d->pids[0]);
    else if (d->kind == PG_TERMINATE)
        snprintf(d->verify_sql, sizeof(d->verify_sql),
                 "SELECT pid FROM pg_stat_activity WHERE pid = %d", d->pids[0]);
    else {
        pid_array(d->done_pids, d->ndone, pids, sizeof(pids));
        snprintf(d->verify_sql, sizeof(d->verify_sql),
                 "SELECT pid FROM pg_stat_activity WHERE pid = ANY('%s'::int[])", pids);
    }
    d->deadline_ms = loop_update_time(app->loop) + action_run_plan(run)->timeout_ms;
    d->check_bound = loop_timer_add(app->loop, action_run_plan(run)->timeout_ms + VERIFY_EVERY_MS,
                                    on_check_bound, run);
    send_verify_query(app->loop, run);
}

static void cancel_pg(action_run *run)
{
    close_client(data_of(run));
}

static const action_ops pg_ops = {
    .run = run_pg,
    .verify = verify_pg,
    .cancel = cancel_pg,
    .free_data = free_data,
};

/* ---- plans ---- */

static const pg_backend *find_backend(const postgres_sample *p, int pid)
{
    for (size_t i = 0; i < p->nslow; i++)
        if (p->slow[i].pid == pid)
            return &p->slow[i];
    for (size_t i = 0; i < p->nidle_in_txn; i++)
        if (p->idle_in_txn[i].pid == pid)
            return &p->idle_in_txn[i];
    return NULL;
}

/* "pid 123 user@db (app), idle in transaction for 412s: SELECT ..." */
static int describe(const pg_backend *b, char *buf, size_t size)
{
    char query[160];
    sanitize_text(b->query ? b->query : "", b->query ? strlen(b->query) : 0, query, sizeof(query),
                  SANITIZE_ONE_LINE);
    return snprintf(buf, size, "pid %d %s@%s (%s), %s for %.0fs: %s\n", b->pid, b->user,
                    b->database, b->application, b->state, b->seconds, query);
}

static action_plan *new_plan(app_t *app, size_t host, pg_kind kind, size_t npids, char *err,
                             size_t errsize)
{
    const host_config *hc = app_host_config(app, host);
    if (!hc->postgres) {
        snprintf(err, errsize, "%s has no postgres =", hc->name);
        return NULL;
    }
    action_plan *plan = calloc(1, sizeof(*plan));
    pg_data *d = calloc(1, sizeof(*d));
    int *pids = calloc(npids ? npids : 1, sizeof(int));
    if (!plan || !d || !pids) {
        snprintf(err, errsize, "out of memory");
        free(plan);
        free(d);
        free(pids);
        return NULL;
    }
    d->kind = kind;
    d->pids = pids;
    d->npids = npids;
    plan->host = host;
    plan->timeout_ms = PG_ACTION_TIMEOUT_MS;
    plan->ops = &pg_ops;
    plan->data = d;
    return plan;
}

static action_plan *one_backend_plan(app_t *app, size_t host, int pid, pg_kind kind, char *err,
                                     size_t errsize)
{
    const host_model *hm = app_host_model(app, host);
    const pg_backend *b = find_backend(&hm->postgres, pid);
    if (!b) {
        snprintf(err, errsize,
                 "%s: pid %d is not among the slow, idle-in-transaction or blocked backends "
                 "shown",
                 hm->config->name, pid);
        return NULL;
    }
    action_plan *plan = new_plan(app, host, kind, 1, err, errsize);
    if (!plan)
        return NULL;
    pg_data *d = plan->data;
    d->pids[0] = pid;
    d->seconds = b->seconds;
    const char *fn = kind == PG_CANCEL ? "pg_cancel_backend" : "pg_terminate_backend";
    snprintf(plan->action, sizeof(plan->action), "%s", kind == PG_CANCEL ? "cancel" : "terminate");
    snprintf(plan->target, sizeof(plan->target), "pid %d", pid);
    snprintf(plan->command, sizeof(plan->command), "SELECT %s(%d)", fn, pid);
    describe(b, plan->touches, sizeof(plan->touches));
    return plan;
}

action_plan *pg_cancel_plan(app_t *app, size_t host, int pid, char *err, size_t errsize)
{
    return one_backend_plan(app, host, pid, PG_CANCEL, err, errsize);
}

action_plan *pg_terminate_plan(app_t *app, size_t host, int pid, char *err, size_t errsize)
{
    return one_backend_plan(app, host, pid, PG_TERMINATE, err, errsize);
}

/* The pid written as text (a key's selection, a command's argument). */
static action_plan *named_backend_plan(app_t *app, size_t host, const char *target, pg_kind kind,
                                       char *err, size_t errsize)
{
    const char *name = kind == PG_CANCEL ? "cancel" : "terminate";
    char *end;
    long pid = strtol(target, &end, 10);
    if (*target == '\0' || *end != '\0' || pid <= 0 || pid > 0x7fffffff) {
        snprintf(err, errsize, ":%s needs a backend pid, not '%.40s'", name, target);
        return NULL;
    }
    return one_backend_plan(app, host, (int)pid, kind, err, errsize);
}

action_plan *pg_cancel_plan_target(app_t *app, size_t host, const char *target, char *err,
                                   size_t errsize)
{
    return named_backend_plan(app, host, target, PG_CANCEL, err, errsize);
}

action_plan *pg_terminate_plan_target(app_t *app, size_t host, const char *target, char *err,
                                      size_t errsize)
{
    return named_backend_plan(app, host, target, PG_TERMINATE, err, errsize);
}

action_plan *pg_kill_idle_plan(app_t *app, size_t host, const char *target, char *err,
                               size_t errsize)
{
    (void)target;
    const host_model *hm = app_host_model(app, host);
    const postgres_sample *p = &hm->postgres;
    double idle_txn = app->config->idle_txn_s;
    size_t n = 0;
    for (size_t i = 0; i < p->nidle_in_txn; i++)
        n += p->idle_in_txn[i].seconds >= idle_txn;
    if (n == 0) {
        snprintf(err, errsize, "%s: no session idle in a transaction longer than %.0fs (idle_txn)",
                 hm->config->name, idle_txn);
        return NULL;
    }
    if (n > PG_KILL_IDLE_MAX)
        n = PG_KILL_IDLE_MAX;
    action_plan *plan = new_plan(app, host, PG_KILL_IDLE, n, err, errsize);
    if (!plan)
        return NULL;
    pg_data *d = plan->data;
    size_t k = 0, len = 0;
    for (size_t i = 0; i < p->nidle_in_txn && k < n; i++) {
        const pg_backend *b = &p->idle_in_txn[i];
        if (b->seconds < idle_txn)
            continue;
        d->pids[k++] = b->pid;
        if (len < sizeof(plan->touches)) {
            int w = describe(b, plan->touches + len, sizeof(plan->touches) - len);
            if (w > 0)
                len += (size_t)w;
        }
    }
    char pids[PG_KILL_IDLE_MAX * 12];
    pid_array(d->pids, d->npids, pids, sizeof(pids));
    snprintf(plan->action, sizeof(plan->action), "kill-idle");
    snprintf(plan->target, sizeof(plan->target), "%zu session%s idle in transaction > %.0fs", n,
             n == 1 ? "" : "s", idle_txn);
    /* the server checks again: a session that has moved on is left alone */
    snprintf(plan->command, sizeof(plan->command),
             "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
             "WHERE pid = ANY('%s'::int[]) AND state LIKE 'idle in transaction%%' "
             "AND state_change < clock_timestamp() - interval '%.0f seconds'",
             pids, idle_txn);
    return plan;
}
