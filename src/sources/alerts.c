/* Active alerts (`alertmanager =`, GET /api/v2/alerts). Every alert is
 * kept, suppressed ones too: the console hides those by default and shows
 * them on request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/parse/alerts_json.h"
#include "opsdeck/sources/http_source.h"

#define ALERTS_BODY_MAX (4 * 1024 * 1024)

typedef struct alerts_state {
    const source_ctx *ctx;
    http_request *req;
    int64_t asked_ms; /* when req was asked for */
    char url[1024];
} alerts_state;

static bool alerts_enabled(const host_config *host)
{
    return host->alertmanager != NULL;
}

static void *alerts_start(const source_ctx *ctx)
{
    alerts_state *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->ctx = ctx;
    const char *base = ctx->host->config->alertmanager;
    size_t len = strlen(base);
    while (len && base[len - 1] == '/')
        len--;
    snprintf(st->url, sizeof(st->url), "%.*s/api/v2/alerts", (int)len, base);
    return st;
}

static void on_alerts(const http_response *res, void *arg)
{
    alerts_state *st = arg;
    const source_ctx *ctx = st->ctx;
    st->req = NULL;
    double now = loop_wall_time();
    alerts_sample parsed;
    char err[256];
    if (!res->ok) {
        char why[512];
        model_source_failed(ctx->model, ctx->host, SRC_ALERTS, now, "%s",
                            http_source_error(ctx, st->url, st->asked_ms, res, why, sizeof(why)));
    } else if (res->status != 200) {
        model_source_failed(ctx->model, ctx->host, SRC_ALERTS, now, "%.300s: HTTP %ld", st->url,
                            res->status);
    } else if (alerts_parse(res->body, res->body_len, &parsed, err, sizeof(err)) < 0) {
        model_source_failed(ctx->model, ctx->host, SRC_ALERTS, now, "%.300s: %s", st->url, err);
    } else {
        alerts_sample_clear(&ctx->host->alerts);
        ctx->host->alerts = parsed;
        model_source_ok(ctx->model, ctx->host, SRC_ALERTS, now);
    }
    ctx->attempt_done(ctx, SRC_ALERTS);
}

static void alerts_tick(void *state)
{
    alerts_state *st = state;
    if (st->req)
        return;
    char err[512];
    st->asked_ms = loop_now_ms(st->ctx->loop);
    st->req = http_source_get(st->ctx, st->url, ALERTS_BODY_MAX, on_alerts, st, err, sizeof(err));
    if (!st->req) {
        model_source_failed(st->ctx->model, st->ctx->host, SRC_ALERTS, loop_wall_time(), "%s", err);
        st->ctx->attempt_done(st->ctx, SRC_ALERTS);
    }
}

static void alerts_stop(void *state)
{
    alerts_state *st = state;
    http_cancel(st->req);
    free(st);
}

const source_ops alerts_source = {
    .kind = SRC_ALERTS,
    .enabled = alerts_enabled,
    .start = alerts_start,
    .tick = alerts_tick,
    .stop = alerts_stop,
};
