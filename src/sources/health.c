/* The health check (`health =`): status code, latency and body. A response
 * of any status is a sample (a 503 is news, not a failed poll); the
 * snapshot and the console treat a non-2xx status as critical. */
#include <stdlib.h>
#include <string.h>

#include "opsdeck/sources/http_source.h"

#define HEALTH_BODY_MAX (64 * 1024)

typedef struct health_state {
    const source_ctx *ctx;
    http_request *req;
    int64_t asked_ms; /* when req was asked for */
} health_state;

static bool health_enabled(const host_config *host)
{
    return host->health != NULL;
}

static void *health_start(const source_ctx *ctx)
{
    health_state *st = calloc(1, sizeof(*st));
    if (st)
        st->ctx = ctx;
    return st;
}

static void on_health(const http_response *res, void *arg)
{
    health_state *st = arg;
    const source_ctx *ctx = st->ctx;
    st->req = NULL;
    double now = loop_wall_time();
    if (!res->ok) {
        char why[512];
        model_source_failed(
            ctx->model, ctx->host, SRC_HEALTH, now, "%s",
            http_source_error(ctx, ctx->host->config->health, st->asked_ms, res, why, sizeof(why)));
    } else {
        health_sample *h = &ctx->host->health;
        health_sample_clear(h);
        h->http_status = (int)res->status;
        h->latency_s = res->total_s;
        h->body = strdup(res->body);
        model_source_ok(ctx->model, ctx->host, SRC_HEALTH, now);
    }
    ctx->attempt_done(ctx, SRC_HEALTH);
}

static void health_tick(void *state)
{
    health_state *st = state;
    if (st->req)
        return;
    char err[512];
    st->asked_ms = loop_now_ms(st->ctx->loop);
    st->req = http_source_get(st->ctx, st->ctx->host->config->health, HEALTH_BODY_MAX, on_health,
                              st, err, sizeof(err));
    if (!st->req) {
        model_source_failed(st->ctx->model, st->ctx->host, SRC_HEALTH, loop_wall_time(), "%s", err);
        st->ctx->attempt_done(st->ctx, SRC_HEALTH);
    }
}

static void health_stop(void *state)
{
    health_state *st = state;
    http_cancel(st->req);
    free(st);
}

const source_ops health_source = {
    .kind = SRC_HEALTH,
    .enabled = health_enabled,
    .start = health_start,
    .tick = health_tick,
    .stop = health_stop,
};
