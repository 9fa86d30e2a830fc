/* The golden signals of a host: by PromQL instant queries when the host has
 * `prometheus =`, else from a direct scrape of its `metrics =` page; and
 * saturation (CPU, memory, disk) from its `node_metrics =` page when it has
 * one. Every fetch of a refresh runs at once; the refresh ends when the
 * last answers. */
#include <jansson.h>
#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/signals/scrape_rates.h"
#include "opsdeck/signals/saturation.h"
#include "opsdeck/sources/http_source.h"
#include "opsdeck/signals/levels.h"
#include "opsdeck/snapshot_fields.h"

#define METRICS_MAX (32 * 1024 * 1024) /* a big /metrics page is a few MB */
#define PROMQL_MAX  (256 * 1024)

enum { Q_RPS, Q_ERRORS, Q_P50, Q_P95, Q_P99, NQUERIES };

typedef struct golden_state golden_state;

typedef struct fetch {
    golden_state *st;
    int index; /* the query (PromQL), or -1 the scrape, -2 node metrics */
    http_request *req;
    int64_t asked_ms; /* when req was asked for */
} fetch;

struct golden_state {
    const source_ctx *ctx;
    scrape_rates rates;
    node_rates node;
    fetch fetches[NQUERIES + 1];
    int pending;
    golden_values values;
    saturation sat;
    char error[512];
};

static bool golden_enabled(const host_config *host)
{
    return host->metrics || host->prometheus;
}

static void *golden_start(const source_ctx *ctx)
{
    golden_state *st = calloc(1, sizeof(*st));
    if (st)
        st->ctx = ctx;
    return st;
}

static void note_error(golden_state *st, const char *fmt, const char *what)
{
    if (!st->error[0])
        snprintf(st->error, sizeof(st->error), fmt, what);
}

static void finish_refresh(golden_state *st)
{
    const source_ctx *ctx = st->ctx;
    double now = loop_wall_time();
    if (st->error[0]) {
        model_source_failed(ctx->model, ctx->host, SRC_GOLDEN, now, "%s: golden signals: %s",
                            ctx->host->config->name, st->error);
    } else {
        golden_sample g = {
            .rps = st->values.rps,
            .error_ratio = st->values.error_ratio,
            .latency_p50_s = st->values.p50_s,
            .latency_p95_s = st->values.p95_s,
            .latency_p99_s = st->values.p99_s,
            .cpu_percent = st->sat.cpu_percent,
            .mem_percent = st->sat.mem_percent,
            .disk_free_percent = st->sat.disk_free_percent,
        };
        snprintf(g.source, sizeof(g.source), "%s",
                 ctx->host->config->prometheus ? "prometheus" : "metrics");
        model_set_golden(ctx->model, ctx->host, &g);
        model_source_ok(ctx->model, ctx->host, SRC_GOLDEN, now);
    }
    ctx->attempt_done(ctx, SRC_GOLDEN);
}

static void on_fetch(const http_response *res, void *arg)
{
    fetch *f = arg;
    golden_state *st = f->st;
    const host_config *hc = st->ctx->host->config;
    f->req = NULL;
    char err[400];
    const char *base = f->index == -2   ? hc->node_metrics
                       : f->index == -1 ? hc->metrics
                                        : hc->prometheus;
    if (!res->ok) {
        char why[512];
        note_error(st, "%s", http_source_error(st->ctx, base, f->asked_ms, res, why, sizeof(why)));
    } else if (res->status != 200) {
        snprintf(err, sizeof(err), "HTTP %ld from %s", res->status, base);
        note_error(st, "%s", err);
    } else if (f->index == -1) {
        if (scrape_rates_update(&st->rates, hc, res->body, res->body_len,
                                prom_format_of(res->content_type), loop_wall_time(), &st->values,
                                err, sizeof(err)) < 0)
            note_error(st, "%s", err);
    } else if (f->index == -2) {
        if (node_rates_update(&st->node, res->body, res->body_len,
                              prom_format_of(res->content_type), loop_wall_time(), &st->sat, err,
                              sizeof(err)) < 0)
            note_error(st, "node metrics: %s", err);
    } else {
        double v;
        double *slot[NQUERIES] = {&st->values.rps, &st->values.error_ratio, &st->values.p50_s,
                                  &st->values.p95_s, &st->values.p99_s};
        if (promql_value(res->body, &v, err, sizeof(err)) < 0)
            note_error(st, "PromQL: %s", err);
        else
            *slot[f->index] = v;
    }
    if (--st->pending == 0)
        finish_refresh(st);
}

/* The five instant queries, in the host's metric and label names. */
static void promql_expr(const host_config *hc, int q, char *out, size_t size)
{
    const char *req = hc->requests_metric ? hc->requests_metric : "http_requests_total";
    const char *dur = hc->duration_metric ? hc->duration_metric : "http_request_duration_seconds";
    const char *status = hc->status_label ? hc->status_label : "status";
    const char *w = hc->promql_window ? hc->promql_window : "1m";
    static const double quantiles[] = {0.5, 0.95, 0.99};
    switch (q) {
    case Q_RPS:
        snprintf(out, size, "sum(rate(%s[%s]))", req, w);
        break;
    case Q_ERRORS: /* no 5xx series at all is an error ratio of 0, not "no data" */
        snprintf(out, size, "(sum(rate(%s{%s=~\"5..\"}[%s])) or vector(0)) / sum(rate(%s[%s]))",
                 req, status, w, req, w);
        break;
    default:
        snprintf(out, size, "histogram_quantile(%g, sum by (le) (rate(%s_bucket[%s])))",
                 quantiles[q - Q_P50], dur, w);
    }
}

static bool start_fetch(golden_state *st, fetch *f, int index, const char *url, size_t max)
{
    char err[512];
    f->st = st;
    f->index = index;
    f->asked_ms = loop_now_ms(st->ctx->loop);
    f->req = http_source_get(st->ctx, url, max, on_fetch, f, err, sizeof(err));
    if (!f->req) {
        note_error(st, "%s", err);
        return false;
    }
    st->pending++;
    return true;
}

static void golden_tick(void *state)
{
    golden_state *st = state;
    if (st->pending)
        return;
    const host_config *hc = st->ctx->host->config;
    st->error[0] = '\0';
    st->values = (golden_values){NAN, NAN, NAN, NAN, NAN};
    st->sat = (saturation){-1, -1, -1};
    st->pending = 1; /* held while starting, so no answer ends the refresh early */
    if (hc->prometheus) {
        CURL *esc = curl_easy_init();
        for (int q = 0; q < NQUERIES && esc; q++) {
            char expr[512], url[2048];
            promql_expr(hc, q, expr, sizeof(expr));
            char *e = curl_easy_escape(esc, expr, 0);
            size_t base = strlen(hc->prometheus);
            if (base && hc->prometheus[base - 1] == '/')
                base--;
            snprintf(url, sizeof(url), "%.*s/api/v1/query?query=%s", (int)base, hc->prometheus,
                     e ? e : "");
            curl_free(e);
            start_fetch(st, &st->fetches[q], q, url, PROMQL_MAX);
        }
        if (!esc)
            note_error(st, "%s", "out of memory");
        curl_easy_cleanup(esc);
    } else {
        start_fetch(st, &st->fetches[0], -1, hc->metrics, METRICS_MAX);
    }
    if (hc->node_metrics)
        start_fetch(st, &st->fetches[NQUERIES], -2, hc->node_metrics, METRICS_MAX);
    if (--st->pending == 0)
        finish_refresh(st);
}

static void golden_stop(void *state)
{
    golden_state *st = state;
    for (int i = 0; i <= NQUERIES; i++)
        http_cancel(st->fetches[i].req);
    series_map_free(st->rates.series);
    series_map_free(st->node.series);
    free(st);
}

/* Without node_metrics the containers' summed use is the saturation there
 * is (the signals panel shows the same): marked as such. */
static void container_saturation_json(json_t *o, const host_model *h)
{
    double cpu;
    int64_t mem;
    if (h->config->node_metrics || h->golden.cpu_percent >= 0 ||
        !containers_use(&h->containers, &cpu, &mem))
        return;
    json_object_set_new(o, "saturation_source", json_string("containers"));
    json_object_set_new(o, "cpu_percent", json_real(cpu));
    json_object_set_new(o, "mem_bytes", json_integer(mem));
}

static void golden_json(json_t *o, const host_model *h, bool known)
{
    const golden_sample *g = &h->golden;
    json_object_set_new(o, "source", g->source[0] ? json_string(g->source) : json_null());
    json_object_set_new(o, "rps", snapshot_figure(known, g->rps));
    json_object_set_new(o, "error_ratio", snapshot_figure(known, g->error_ratio));
    json_object_set_new(o, "latency_p50_s", snapshot_figure(known, g->latency_p50_s));
    json_object_set_new(o, "latency_p95_s", snapshot_figure(known, g->latency_p95_s));
    json_object_set_new(o, "latency_p99_s", snapshot_figure(known, g->latency_p99_s));
    /* "where known": absent rather than null */
    if (known && g->cpu_percent >= 0)
        json_object_set_new(o, "cpu_percent", json_real(g->cpu_percent));
    if (known && g->mem_percent >= 0)
        json_object_set_new(o, "mem_percent", json_real(g->mem_percent));
    if (known && g->disk_free_percent >= 0)
        json_object_set_new(o, "disk_free_percent", json_real(g->disk_free_percent));
    container_saturation_json(o, h);
}

static void golden_text(FILE *out, const host_model *h)
{
    const golden_sample *g = &h->golden;
    fprintf(out, "    by %s:", g->source);
    snapshot_put_figure(out, "rps", g->rps, 1, "%.1f", "");
    snapshot_put_figure(out, "errors", g->error_ratio, 100, "%.2f", "%");
    snapshot_put_figure(out, "p50", g->latency_p50_s, 1000, "%.0f", "ms");
    snapshot_put_figure(out, "p95", g->latency_p95_s, 1000, "%.0f", "ms");
    snapshot_put_figure(out, "p99", g->latency_p99_s, 1000, "%.0f", "ms");
    snapshot_put_figure(out, "cpu", g->cpu_percent, 1, "%.1f", "%");
    snapshot_put_figure(out, "mem", g->mem_percent, 1, "%.1f", "%");
    snapshot_put_figure(out, "disk free", g->disk_free_percent, 1, "%.1f", "%");
    fputc('\n', out);
}

const source_ops golden_source = {
    .kind = SRC_GOLDEN,
    .enabled = golden_enabled,
    .start = golden_start,
    .tick = golden_tick,
    .stop = golden_stop,
    .write_json = golden_json,
    .write_text = golden_text,
};
