/* GETs for the HTTP sources (see http_source.h). */
#include "opsdeck/sources/http_source.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FETCH_MIN_MS 3000
#define FETCH_MAX_MS 10000

int http_source_timeout_ms(const source_ctx *ctx)
{
    int ms = ctx->interval_s * 1000;
    return ms < FETCH_MIN_MS ? FETCH_MIN_MS : ms > FETCH_MAX_MS ? FETCH_MAX_MS : ms;
}

/* The host and port the URL names, as the far side must connect to them. */
static bool url_endpoint(const char *url, char *host, size_t hostsize, int *port)
{
    CURLU *u = curl_url();
    char *h = NULL, *p = NULL;
    bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK;
    if (ok) {
        /* an IPv6 literal comes back bracketed */
        size_t len = strlen(h);
        if (h[0] == '[' && len > 2)
            snprintf(host, hostsize, "%.*s", (int)(len - 2), h + 1);
        else
            snprintf(host, hostsize, "%s", h);
        *port = atoi(p);
    }
    curl_free(h);
    curl_free(p);
    curl_url_cleanup(u);
    return ok && *port > 0;
}

http_request *http_source_get(const source_ctx *ctx, const char *url, size_t max_bytes,
                              http_done_fn done, void *arg, char *err, size_t errsize)
{
    const char *socket = NULL;
    if (!transport_is_local(ctx->transport)) {
        char host[256], name[320];
        int port;
        if (!url_endpoint(url, host, sizeof(host), &port)) {
            snprintf(err, errsize, "%.300s: not a URL opsdeck can reach", url);
            return NULL;
        }
        snprintf(name, sizeof(name), "http-%s-%d.sock", host, port);
        socket = transport_tunnel(ctx->transport, host, port, name);
        if (!socket) {
            snprintf(err, errsize, "%.300s: no tunnel: %s", url, transport_error(ctx->transport));
            return NULL;
        }
    }
    http_request *r =
        http_get(ctx->http, url, socket, max_bytes, http_source_timeout_ms(ctx), done, arg);
    if (!r)
        snprintf(err, errsize, "%.300s: the request could not be made", url);
    return r;
}

const char *http_source_error(const source_ctx *ctx, const char *url, int64_t asked_ms,
                              const http_response *res, char *buf, size_t size)
{
    char host[256];
    int port;
    if (transport_is_local(ctx->transport) || !url_endpoint(url, host, sizeof(host), &port) ||
        !transport_tunnel_refused(ctx->transport, host, port, asked_ms, buf, size))
        return res->error;
    return buf;
}

void http_poll_init(http_poll *p, const source_ctx *ctx, source_kind kind, size_t max_bytes,
                    http_poll_answered_fn answered, void *arg)
{
    *p = (http_poll){
        .ctx = ctx, .kind = kind, .max_bytes = max_bytes, .answered = answered, .arg = arg};
}

static void on_answer(const http_response *res, void *arg)
{
    http_poll *p = arg;
    const source_ctx *ctx = p->ctx;
    p->req = NULL;
    double now = loop_wall_time();
    char err[512];
    if (!res->ok) {
        char why[512];
        source_end_refreshf(ctx, p->kind, NULL, NULL, "%s",
                            http_source_error(ctx, p->url, p->asked_ms, res, why, sizeof(why)));
    } else if (!p->answered(p, res, now, err, sizeof(err))) {
        source_end_refreshf(ctx, p->kind, NULL, NULL, "%s", err);
    } else {
        model_source_ok(ctx->model, ctx->host, p->kind, now);
        source_end_refreshf(ctx, p->kind, NULL, NULL, NULL);
    }
}

void http_poll_tick(http_poll *p, const char *url)
{
    if (p->req)
        return;
    char err[512];
    p->url = url;
    p->asked_ms = loop_now_ms(p->ctx->loop);
    p->req = http_source_get(p->ctx, url, p->max_bytes, on_answer, p, err, sizeof(err));
    if (!p->req)
        source_end_refreshf(p->ctx, p->kind, NULL, NULL, "%s", err);
}

void http_poll_stop(http_poll *p)
{
    http_cancel(p->req);
    p->req = NULL;
}
