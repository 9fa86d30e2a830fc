/* WebSocket statistics (`ws_stats =`): the endpoint's counters, and
 * messages per second from the delta of total_messages_sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/parse/ws_json.h"
#include "opsdeck/sources/http_source.h"

#define WS_BODY_MAX (64 * 1024)

typedef struct ws_state {
    const source_ctx *ctx;
    http_request *req;
    int64_t asked_ms; /* when req was asked for */
    bool has_prev;
    double prev_sent, prev_at;
} ws_state;

static bool ws_enabled(const host_config *host)
{
    return host->ws_stats != NULL;
}

static void *ws_start(const source_ctx *ctx)
{
    ws_state *st = calloc(1, sizeof(*st));
    if (st)
        st->ctx = ctx;
    return st;
}

static void on_ws(const http_response *res, void *arg)
{
    ws_state *st = arg;
    const source_ctx *ctx = st->ctx;
    st->req = NULL;
    double now = loop_wall_time();
    ws_sample w = {0};
    char err[256];
    if (!res->ok) {
        char why[512];
        model_source_failed(ctx->model, ctx->host, SRC_WS, now, "%s",
                            http_source_error(ctx, ctx->host->config->ws_stats, st->asked_ms, res,
                                              why, sizeof(why)));
    } else if (res->status != 200) {
        model_source_failed(ctx->model, ctx->host, SRC_WS, now, "%.300s: HTTP %ld",
                            ctx->host->config->ws_stats, res->status);
    } else if (!ws_parse(res->body, &w, err, sizeof(err))) {
        model_source_failed(ctx->model, ctx->host, SRC_WS, now, "%.300s: %s",
                            ctx->host->config->ws_stats, err);
    } else {
        /* a counter that went down means the API restarted: no rate yet */
        w.messages_per_s = -1;
        if (st->has_prev && now > st->prev_at && w.total_messages_sent >= st->prev_sent)
            w.messages_per_s = (w.total_messages_sent - st->prev_sent) / (now - st->prev_at);
        st->has_prev = true;
        st->prev_sent = w.total_messages_sent;
        st->prev_at = now;
        ctx->host->ws = w;
        model_source_ok(ctx->model, ctx->host, SRC_WS, now);
    }
    ctx->attempt_done(ctx, SRC_WS);
}

static void ws_tick(void *state)
{
    ws_state *st = state;
    if (st->req)
        return;
    char err[512];
    st->asked_ms = loop_now_ms(st->ctx->loop);
    st->req = http_source_get(st->ctx, st->ctx->host->config->ws_stats, WS_BODY_MAX, on_ws, st, err,
                              sizeof(err));
    if (!st->req) {
        model_source_failed(st->ctx->model, st->ctx->host, SRC_WS, loop_wall_time(), "%s", err);
        st->ctx->attempt_done(st->ctx, SRC_WS);
    }
}

static void ws_stop(void *state)
{
    ws_state *st = state;
    http_cancel(st->req);
    free(st);
}

const source_ops ws_source = {
    .kind = SRC_WS,
    .enabled = ws_enabled,
    .start = ws_start,
    .tick = ws_tick,
    .stop = ws_stop,
};
