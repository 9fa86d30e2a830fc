/* Flush the cache (see flush.h). hiredis's context is only freed outside
 * its own callbacks: from a callback it is asked to disconnect. */
#include "opsdeck/actions/flush.h"

#include <hiredis/async.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/net/redis_open.h"

typedef enum { FLUSH_IDLE, FLUSH_RUNNING, FLUSH_VERIFYING, FLUSH_OVER } flush_phase;

typedef struct flush_data {
    int db;
    action_run *run;
    redisAsyncContext *ac;
    flush_phase phase;
    uint64_t timer;
    char where[300];
} flush_data;

static void free_data(void *p)
{
    free(p);
}

/* Ends the action's use of Redis, whatever phase it is in. */
static void drop(flush_data *d, bool from_callback)
{
    redisAsyncContext *ac = d->ac;
    d->ac = NULL;
    d->phase = FLUSH_OVER;
    if (d->timer)
        loop_timer_cancel(action_run_app(d->run)->loop, d->timer);
    d->timer = 0;
    if (!ac)
        return;
    ac->data = NULL; /* its callbacks now see nothing */
    if (from_callback)
        redisAsyncDisconnect(ac);
    else
        redisAsyncFree(ac);
}

/* The failure of whichever step was in flight. */
static void fail(flush_data *d, bool from_callback, const char *why)
{
    flush_phase phase = d->phase;
    action_run *run = d->run;
    drop(d, from_callback);
    if (phase == FLUSH_RUNNING)
        action_ran(run, false, -1, why);
    else if (phase == FLUSH_VERIFYING)
        action_verified(run, false, why);
}

static void on_deadline(loop_t *loop, void *arg)
{
    flush_data *d = arg;
    d->timer = 0;
    char why[600];
    snprintf(why, sizeof(why), "redis %s: no answer within %d s", d->where,
             action_run_plan(d->run)->timeout_ms / 1000);
    fail(d, false, why);
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    flush_data *d = ac->data;
    if (!d || status == REDIS_OK)
        return;
    char why[600];
    snprintf(why, sizeof(why), "redis %s: %s", d->where,
             ac->errstr ? ac->errstr : "cannot connect");
    d->ac = NULL; /* hiredis frees it after this */
    fail(d, false, why);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    flush_data *d = ac->data;
    if (!d)
        return;
    char why[600];
    snprintf(why, sizeof(why), "redis %s: connection lost: %s", d->where,
             ac->errstr ? ac->errstr : "closed");
    d->ac = NULL;
    fail(d, false, why);
}

static void on_setup(redisAsyncContext *ac, void *reply_p, void *privdata)
{
    flush_data *d = ac->data;
    redisReply *reply = reply_p;
    if (!d || !reply || reply->type != REDIS_REPLY_ERROR)
        return;
    char why[600];
    snprintf(why, sizeof(why), "redis %s: %s: %.200s", d->where, (const char *)privdata,
             reply->str);
    fail(d, true, why);
}

static void on_dbsize(redisAsyncContext *ac, void *reply_p, void *privdata)
{
    flush_data *d = ac->data;
    redisReply *reply = reply_p;
    if (!d || d->phase != FLUSH_VERIFYING)
        return;
    action_run *run = d->run;
    char verdict[256];
    if (!reply || reply->type != REDIS_REPLY_INTEGER) {
        snprintf(verdict, sizeof(verdict), "DBSIZE: %.200s",
                 reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "no answer");
        drop(d, true);
        action_verified(run, false, verdict);
        return;
    }
    long long keys = reply->integer;
    snprintf(verdict, sizeof(verdict), "DBSIZE of database %d is %lld%s", d->db, keys,
             keys ? " (written again since the flush?)" : "");
    drop(d, true);
    action_verified(run, keys == 0, verdict);
}

static void verify_flush(action_run *run)
{
    flush_data *d = action_run_plan(run)->data;
    d->phase = FLUSH_VERIFYING;
    if (!d->ac || redisAsyncCommand(d->ac, on_dbsize, NULL, "DBSIZE") != REDIS_OK)
        fail(d, false, "cannot send DBSIZE");
}

static void on_flushed(redisAsyncContext *ac, void *reply_p, void *privdata)
{
    flush_data *d = ac->data;
    redisReply *reply = reply_p;
    if (!d || d->phase != FLUSH_RUNNING)
        return;
    if (!reply) {
        fail(d, true, "FLUSHDB: no answer");
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        action_output(d->run, reply->str, reply->len);
        action_output(d->run, "\n", 1);
        d->phase = FLUSH_OVER;
        drop(d, true);
        action_ran(d->run, true, 1, NULL); /* it ran, and Redis said no */
        return;
    }
    if (reply->type == REDIS_REPLY_STATUS) {
        action_output(d->run, reply->str, reply->len);
        action_output(d->run, "\n", 1);
    }
    /* the connection stays for DBSIZE; verify_flush() is called from here */
    action_ran(d->run, true, 0, NULL);
}

static void run_flush(action_run *run)
{
    const action_plan *plan = action_run_plan(run);
    flush_data *d = plan->data;
    app_t *app = action_run_app(run);
    const host_config *hc = app_host_config(app, plan->host);
    d->run = run;
    d->phase = FLUSH_RUNNING;
    char err[512];
    d->ac = redis_open(app->loop, action_run_transport(run), hc, on_setup, d, d->where,
                       sizeof(d->where), err, sizeof(err));
    if (!d->ac) {
        d->phase = FLUSH_OVER;
        action_ran(run, false, -1, err);
        return;
    }
    redisAsyncSetConnectCallback(d->ac, on_connect);
    redisAsyncSetDisconnectCallback(d->ac, on_disconnect);
    d->timer = loop_timer_add(app->loop, plan->timeout_ms, on_deadline, d);
    if (redisAsyncCommand(d->ac, on_flushed, NULL, "FLUSHDB") != REDIS_OK)
        fail(d, false, "cannot send FLUSHDB");
}

static void cancel_flush(action_run *run)
{
    flush_data *d = action_run_plan(run)->data;
    if (d->run)
        drop(d, false);
}

static const action_ops flush_ops = {
    .run = run_flush,
    .verify = verify_flush,
    .cancel = cancel_flush,
    .free_data = free_data,
};

action_plan *flush_plan(app_t *app, size_t host, const char *target, char *err, size_t errsize)
{
    (void)target;
    const host_model *hm = app_host_model(app, host);
    const host_config *hc = hm->config;
    if (!hc->redis) {
        snprintf(err, errsize, "%s has no redis =", hc->name);
        return NULL;
    }
    action_plan *plan = calloc(1, sizeof(*plan));
    flush_data *d = calloc(1, sizeof(*d));
    if (!plan || !d) {
        snprintf(err, errsize, "out of memory");
        free(plan);
        free(d);
        return NULL;
    }
    d->db = hc->redis_db;
    snprintf(plan->action, sizeof(plan->action), "flush");
    plan->host = host;
    snprintf(plan->target, sizeof(plan->target), "redis %s database %d", hc->redis, hc->redis_db);
    snprintf(plan->command, sizeof(plan->command), "SELECT %d; FLUSHDB", hc->redis_db);
    if (hm->status[SRC_REDIS].has_sample)
        snprintf(plan->touches, sizeof(plan->touches),
                 "every key of database %d (%lld keys at the last refresh)", hc->redis_db,
                 (long long)hm->redis.keys);
    else
        snprintf(plan->touches, sizeof(plan->touches), "every key of database %d", hc->redis_db);
    plan->timeout_ms = FLUSH_TIMEOUT_MS;
    plan->ops = &flush_ops;
    plan->data = d;
    return plan;
}
