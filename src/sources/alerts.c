/* Active alerts (`alertmanager =`, GET /api/v2/alerts). Every alert is
 * kept, suppressed ones too: the console hides those by default and shows
 * them on request. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/parse/alerts_json.h"
#include "opsdeck/sources/http_source.h"
#include "opsdeck/alert_counts.h"
#include "opsdeck/snapshot_fields.h"

#define ALERTS_BODY_MAX (4 * 1024 * 1024)

typedef struct alerts_state {
    http_poll poll;
    char url[1024];
} alerts_state;

static bool alerts_enabled(const host_config *host)
{
    return host->alertmanager != NULL;
}

static bool on_alerts(http_poll *p, const http_response *res, double now, char *err, size_t errsize)
{
    alerts_state *st = p->arg;
    alerts_sample parsed;
    char why[256];
    if (res->status != 200) {
        snprintf(err, errsize, "%.300s: HTTP %ld", st->url, res->status);
        return false;
    }
    if (alerts_parse(res->body, res->body_len, &parsed, why, sizeof(why)) < 0) {
        snprintf(err, errsize, "%.300s: %s", st->url, why);
        return false;
    }
    model_set_alerts(p->ctx->model, p->ctx->host, &parsed);
    return true;
}

static void *alerts_start(const source_ctx *ctx)
{
    alerts_state *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    http_poll_init(&st->poll, ctx, SRC_ALERTS, ALERTS_BODY_MAX, on_alerts, st);
    const char *base = ctx->host->config->alertmanager;
    size_t len = strlen(base);
    while (len && base[len - 1] == '/')
        len--;
    snprintf(st->url, sizeof(st->url), "%.*s/api/v2/alerts", (int)len, base);
    return st;
}

static void alerts_tick(void *state)
{
    alerts_state *st = state;
    http_poll_tick(&st->poll, st->url);
}

static void alerts_stop(void *state)
{
    alerts_state *st = state;
    http_poll_stop(&st->poll);
    free(st);
}

static void alerts_clear(host_model *h)
{
    alerts_sample_clear(&h->alerts);
}

static void alerts_json(json_t *o, const host_model *h, bool known)
{
    json_t *items = json_array();
    for (size_t i = 0; i < h->alerts.count; i++) {
        const alert_info *ai = &h->alerts.items[i];
        json_t *it = json_object();
        json_object_set_new(it, "name", snapshot_remote_string(ai->name));
        json_object_set_new(it, "severity", snapshot_remote_string(ai->severity));
        json_object_set_new(it, "state", snapshot_remote_string(ai->state));
        json_object_set_new(it, "starts_at", snapshot_remote_string(ai->starts_at));
        json_object_set_new(it, "summary", snapshot_remote_string(ai->summary));
        /* labels_json was produced by us from the alert */
        json_object_set_new(it, "labels", snapshot_embedded_json(ai->labels_json));
        json_array_append_new(items, it);
    }
    json_object_set_new(o, "items", snapshot_list(known, items));
}

static void alerts_text(FILE *out, const host_model *h)
{
    alert_counts c = {0};
    alert_counts_add(&c, &h->alerts);
    fprintf(out, "    %d critical, %d warning, %d other (not silenced or inhibited)\n", c.critical,
            c.warning, c.other);
    for (size_t i = 0; i < h->alerts.count; i++) {
        const alert_info *ai = &h->alerts.items[i];
        fputs("    ", out);
        snapshot_put_clean(out, ai->severity);
        fputs("  ", out);
        snapshot_put_clean(out, ai->name);
        fputs(" (", out);
        snapshot_put_clean(out, ai->state);
        fputs(", since ", out);
        snapshot_put_clean(out, ai->starts_at);
        fputs("): ", out);
        snapshot_put_clean(out, ai->summary);
        fputc('\n', out);
    }
}

const source_ops alerts_source = {
    .kind = SRC_ALERTS,
    .enabled = alerts_enabled,
    .start = alerts_start,
    .tick = alerts_tick,
    .stop = alerts_stop,
    .clear = alerts_clear,
    .write_json = alerts_json,
    .write_text = alerts_text,
};
