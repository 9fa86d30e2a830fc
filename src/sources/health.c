/* The health check (`health =`): status code, latency and body. A response
 * of any status is a sample (a 503 is news, not a failed poll); the
 * snapshot and the console treat a non-2xx status as critical. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/sources/http_source.h"
#include "opsdeck/snapshot_fields.h"

#define HEALTH_BODY_MAX (64 * 1024)

typedef struct health_state {
    http_poll poll;
} health_state;

static bool health_enabled(const host_config *host)
{
    return host->health != NULL;
}

/* any status is a sample */
static bool on_health(http_poll *p, const http_response *res, double now, char *err, size_t errsize)
{
    model_set_health(p->ctx->model, p->ctx->host, (int)res->status, res->total_s, res->body);
    return true;
}

static void *health_start(const source_ctx *ctx)
{
    health_state *st = calloc(1, sizeof(*st));
    if (st)
        http_poll_init(&st->poll, ctx, SRC_HEALTH, HEALTH_BODY_MAX, on_health, st);
    return st;
}

static void health_tick(void *state)
{
    health_state *st = state;
    http_poll_tick(&st->poll, st->poll.ctx->host->config->health);
}

static void health_stop(void *state)
{
    health_state *st = state;
    http_poll_stop(&st->poll);
    free(st);
}

static void health_clear(host_model *h)
{
    health_sample_clear(&h->health);
}

static void health_json(json_t *o, const host_model *h, bool known)
{
    const health_sample *hs = &h->health;
    /* a 503 is an answer (ok, with its status); no answer knows nothing */
    json_object_set_new(o, "http_status",
                        known && hs->http_status ? json_integer(hs->http_status) : json_null());
    json_object_set_new(o, "latency_s", snapshot_figure(known, hs->latency_s));
    json_object_set_new(o, "body",
                        known && hs->body ? snapshot_embedded_json(hs->body) : json_null());
}

static void health_text(FILE *out, const host_model *h)
{
    fprintf(out, "    HTTP %d in %.0f ms\n", h->health.http_status, h->health.latency_s * 1000);
}

const source_ops health_source = {
    .kind = SRC_HEALTH,
    .enabled = health_enabled,
    .start = health_start,
    .tick = health_tick,
    .stop = health_stop,
    .clear = health_clear,
    .write_json = health_json,
    .write_text = health_text,
};
