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
    http_poll poll;
    bool has_prev;
    double prev_sent, prev_at;
} ws_state;

static bool ws_enabled(const host_config *host)
{
    return host->ws_stats != NULL;
}

static bool on_ws(http_poll *p, const http_response *res, double now, char *err, size_t errsize)
{
    ws_state *st = p->arg;
    const source_ctx *ctx = p->ctx;
    ws_sample w = {0};
    char why[256];
    if (res->status != 200) {
        snprintf(err, errsize, "%.300s: HTTP %ld", ctx->host->config->ws_stats, res->status);
        return false;
    }
    if (!ws_parse(res->body, &w, why, sizeof(why))) {
        snprintf(err, errsize, "%.300s: %s", ctx->host->config->ws_stats, why);
        return false;
    }
    /* a counter that went down means the API restarted: no rate yet */
    w.messages_per_s = -1;
    if (st->has_prev && now > st->prev_at && w.total_messages_sent >= st->prev_sent)
        w.messages_per_s = (w.total_messages_sent - st->prev_sent) / (now - st->prev_at);
    st->has_prev = true;
    st->prev_sent = w.total_messages_sent;
    st->prev_at = now;
    model_set_ws(ctx->model, ctx->host, &w);
    return true;
}

static void *ws_start(const source_ctx *ctx)
{
    ws_state *st = calloc(1, sizeof(*st));
    if (st)
        http_poll_init(&st->poll, ctx, SRC_WS, WS_BODY_MAX, on_ws, st);
    return st;
}

static void ws_tick(void *state)
{
    ws_state *st = state;
    http_poll_tick(&st->poll, st->poll.ctx->host->config->ws_stats);
}

static void ws_stop(void *state)
{
    ws_state *st = state;
    http_poll_stop(&st->poll);
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
