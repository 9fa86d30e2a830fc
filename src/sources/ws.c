/* WebSocket statistics (`ws_stats =`): the endpoint's counters, and
 * messages per second from the delta of total_messages_sent. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/parse/ws_json.h"
#include "opsdeck/sources/http_source.h"
#include "opsdeck/snapshot_fields.h"

#define WS_BODY_MAX (64 * 1024)

typedef struct ws_state {
    const source_ctx *ctx;
    http_request *req;
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
        model_source_failed(ctx->model, ctx->host, SRC_WS, now, "%s", res->error);
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
        model_set_ws(ctx->model, ctx->host, &w);
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

static void ws_json(json_t *o, const host_model *h, bool known)
{
    const ws_sample *w = &h->ws;
    json_object_set_new(o, "active_connections", snapshot_figure(known, w->active_connections));
    json_object_set_new(o, "total_messages_sent", snapshot_figure(known, w->total_messages_sent));
    json_object_set_new(o, "total_broadcasts", snapshot_figure(known, w->total_broadcasts));
    json_object_set_new(o, "last_broadcast_at",
                        known && w->last_broadcast_at[0]
                            ? snapshot_remote_string(w->last_broadcast_at)
                            : json_null());
    json_object_set_new(o, "messages_per_s", snapshot_figure(known, w->messages_per_s));
}

static void ws_text(FILE *out, const host_model *h)
{
    const ws_sample *w = &h->ws;
    fprintf(out, "    %.0f connections, %.0f messages sent, %.0f broadcasts,",
            w->active_connections, w->total_messages_sent, w->total_broadcasts);
    snapshot_put_figure(out, "msg/s", w->messages_per_s, 1, "%.1f", "");
    fputc('\n', out);
}

const source_ops ws_source = {
    .kind = SRC_WS,
    .enabled = ws_enabled,
    .start = ws_start,
    .tick = ws_tick,
    .stop = ws_stop,
    .write_json = ws_json,
    .write_text = ws_text,
};
