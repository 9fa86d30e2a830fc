/* Panel 3, signals: the selected host's golden signals, each with its
 * current value coloured by its thresholds and a sparkline of its recent
 * history; then saturation, the health check and the WebSocket counters.
 * Stale data is drawn stale with its age and the reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/signals/levels.h"
#include "opsdeck/ui/pager.h"
#include "opsdeck/ui/text.h"
#include "opsdeck/ui/signal_format.h"
#include "opsdeck/ui/ui.h"

#define LABEL_W 12
#define VALUE_W 11
#define LIMIT_W 15

static const char *const help[] = {
    "Enter            the health check's answer, whole",
    "Colours: green under the warn threshold, yellow from warn, red from critical",
    "(thresholds: p95_warn p95_crit error_warn error_crit cpu_warn ... in opsdeck.conf)",
    NULL,
};

static const char *const signal_label[SIGNAL_COUNT] = {
    [SIGNAL_RPS] = "traffic", [SIGNAL_ERRORS] = "errors", [SIGNAL_P95] = "latency p95",
    [SIGNAL_CPU] = "cpu",     [SIGNAL_MEM] = "memory",
};

static void draw_signal(ui_t *ui, const host_model *h, signal_id id, int y, int w, bool stale)
{
    const golden_sample *g = &h->golden;
    const thresholds *t = &h->config->limits;
    char value[32], limits[48] = "", a[24], b[24];
    double wc[2];
    bool has_limits = signal_thresholds(t, id, &wc[0], &wc[1]);
    if (has_limits)
        snprintf(limits, sizeof(limits), "%s / %s", ui_fmt_signal(id, wc[0], a, sizeof(a)),
                 ui_fmt_signal(id, wc[1], b, sizeof(b)));
    ui_fmt_signal(id, golden_value(g, id), value, sizeof(value));
    theme_role role = stale ? THEME_STALE : ui_level_role(golden_level(g, t, id), THEME_OK);
    ui_fill(y, 0, w, ui->attr[THEME_NORMAL]);
    ui_put(y, 1, LABEL_W, ui->attr[THEME_NORMAL], signal_label[id]);
    ui_put_right(y, 1 + LABEL_W, VALUE_W, ui->attr[role], value);
    ui_put(y, 2 + LABEL_W + VALUE_W + 1, LIMIT_W, ui->attr[THEME_DIM], limits);
    int x = 2 + LABEL_W + VALUE_W + 1 + LIMIT_W + 1;
    ui_sparkline(ui, y, x, w - x - 1, golden_history(g, id), ui_signal_floor_max(t, id),
                 has_limits ? wc : NULL);
}

/* "golden signals of H by prometheus, 2s old" */
static void draw_banner(ui_t *ui, const host_model *h, int y, int w)
{
    char fresh[MODEL_ERROR_MAX + 64], line[256], name[160];
    theme_role role = ui_freshness(h, SRC_GOLDEN, loop_wall_time(), fresh, sizeof(fresh));
    snprintf(line, sizeof(line), "%s: golden signals%s%s  ",
             ui_clean(h->config->name, name, sizeof(name)), h->golden.source[0] ? " by " : "",
             h->golden.source);
    int x = 1 + ui_put(y, 1, w - 2, ui->attr[THEME_TITLE], line);
    ui_put_remote(y, x, w - x - 1, ui->attr[role], fresh);
}

static void draw_headings(ui_t *ui, const host_model *h, int y, int w)
{
    char span[64];
    int x = 2 + LABEL_W + VALUE_W + 1 + LIMIT_W + 1;
    int cells = w - x - 1;
    int kept = h->golden.rps_hist.count < cells ? h->golden.rps_hist.count : cells;
    char age[32];
    snprintf(span, sizeof(span), "HISTORY (last %s, newest right)",
             fmt_age((double)kept * ui->app->interval_s, age, sizeof(age)));
    ui_fill(y, 0, w, ui->attr[THEME_TITLE]);
    ui_put(y, 1, LABEL_W, ui->attr[THEME_TITLE], "SIGNAL");
    ui_put_right(y, 1 + LABEL_W, VALUE_W, ui->attr[THEME_TITLE], "NOW");
    ui_put(y, 2 + LABEL_W + VALUE_W + 1, LIMIT_W, ui->attr[THEME_TITLE], "WARN / CRIT");
    ui_put(y, x, cells, ui->attr[THEME_TITLE], span);
}

/* p50 and p99 beside p95, and disk, which has no history. */
static void draw_details(ui_t *ui, const host_model *h, int y, int w)
{
    const golden_sample *g = &h->golden;
    char line[256], p50[24], p99[24], disk[24];
    ui_fmt_signal(SIGNAL_P95, g->latency_p50_s, p50, sizeof(p50));
    ui_fmt_signal(SIGNAL_P95, g->latency_p99_s, p99, sizeof(p99));
    fmt_percent(signal_known(g->disk_free_percent) ? g->disk_free_percent : -1, disk, sizeof(disk));
    snprintf(line, sizeof(line), "latency p50 %s  p99 %s    disk free %s", p50, p99, disk);
    ui_put(y, 1 + LABEL_W, w - 2 - LABEL_W, ui->attr[THEME_DIM], line);
}

/* Without node_metrics, the containers' own use is what saturation there is. */
static void draw_container_saturation(ui_t *ui, const host_model *h, int y, int w)
{
    double cpu = 0;
    int64_t mem = 0;
    int counted = 0;
    for (size_t i = 0; i < h->containers.count; i++) {
        const container_info *c = &h->containers.items[i];
        if (c->cpu_percent >= 0)
            cpu += c->cpu_percent, counted++;
        if (c->mem_bytes > 0)
            mem += c->mem_bytes;
    }
    char line[256], m[24];
    if (counted)
        snprintf(line, sizeof(line),
                 "no node_metrics: containers use cpu %.1f%% (of one core), memory %s in all", cpu,
                 fmt_bytes(mem, m, sizeof(m)));
    else
        snprintf(line, sizeof(line),
                 "no node_metrics and no container figures: saturation unknown");
    ui_put(y, 1 + LABEL_W, w - 2 - LABEL_W,
           ui->attr[ui_source_stale(h, SRC_CONTAINERS) ? THEME_STALE : THEME_DIM], line);
}

static void draw_health(ui_t *ui, const host_model *h, int y, int w)
{
    char fresh[MODEL_ERROR_MAX + 64], line[128];
    theme_role fr = ui_freshness(h, SRC_HEALTH, loop_wall_time(), fresh, sizeof(fresh));
    ui_put(y, 1, LABEL_W, ui->attr[THEME_NORMAL], "health");
    int x = 1 + LABEL_W;
    if (h->status[SRC_HEALTH].has_sample) {
        int code = h->health.http_status;
        bool good = code >= 200 && code < 300 && !ui_source_stale(h, SRC_HEALTH);
        snprintf(line, sizeof(line), "HTTP %d  %.0f ms  ", code, h->health.latency_s * 1000);
        x += ui_put(y, x, w - x, ui->attr[good ? THEME_OK : THEME_CRIT], line);
    }
    ui_put_remote(y, x, w - x - 1, ui->attr[fr], fresh);
}

static void draw_ws(ui_t *ui, const host_model *h, int y, int w)
{
    char fresh[MODEL_ERROR_MAX + 64], line[256], rate[32];
    theme_role fr = ui_freshness(h, SRC_WS, loop_wall_time(), fresh, sizeof(fresh));
    ui_put(y, 1, LABEL_W, ui->attr[THEME_NORMAL], "websocket");
    int x = 1 + LABEL_W;
    if (h->status[SRC_WS].has_sample) {
        const ws_sample *ws = &h->ws;
        if (signal_known(ws->messages_per_s))
            snprintf(rate, sizeof(rate), "%.1f msg/s", ws->messages_per_s);
        else
            snprintf(rate, sizeof(rate), "- msg/s");
        snprintf(line, sizeof(line), "%.0f connections  %s  %.0f broadcasts  ",
                 ws->active_connections, rate, ws->total_broadcasts);
        x += ui_put(y, x, w - x, ui->attr[ui_source_stale(h, SRC_WS) ? THEME_STALE : THEME_NORMAL],
                    line);
    }
    ui_put_remote(y, x, w - x - 1, ui->attr[fr], fresh);
}

static void draw(ui_t *ui, void *state, ui_rect area)
{
    host_model *h = ui_host(ui);
    if (!h || area.h < 3)
        return;
    int y = area.y, bottom = area.y + area.h;
    draw_banner(ui, h, y++, area.w);
    if (!h->status[SRC_GOLDEN].configured) {
        ui_put(y++, 1, area.w - 2, ui->attr[THEME_DIM],
               "no metrics = or prometheus = for this host: no golden signals");
    } else {
        draw_headings(ui, h, y++, area.w);
        bool stale = ui_source_stale(h, SRC_GOLDEN);
        for (int id = 0; id < SIGNAL_COUNT && y < bottom; id++) {
            if ((id == SIGNAL_CPU || id == SIGNAL_MEM) && !h->config->node_metrics)
                continue;
            draw_signal(ui, h, (signal_id)id, y++, area.w, stale);
        }
        if (y < bottom)
            draw_details(ui, h, y++, area.w);
    }
    if (!h->config->node_metrics && y < bottom)
        draw_container_saturation(ui, h, y++, area.w);
    y++;
    if (h->status[SRC_HEALTH].configured && y < bottom)
        draw_health(ui, h, y++, area.w);
    if (h->status[SRC_WS].configured && y < bottom)
        draw_ws(ui, h, y++, area.w);
}

static bool key(ui_t *ui, void *state, int k, bool is_code)
{
    host_model *h = ui_host(ui);
    if (!h || is_code || (k != '\n' && k != '\r'))
        return false;
    if (!h->status[SRC_HEALTH].has_sample) {
        ui_say(ui, true, "no health answer from %s yet", h->config->name);
        return true;
    }
    char title[192];
    snprintf(title, sizeof(title), "health of %.100s: HTTP %d  (q or Esc closes)", h->config->name,
             h->health.http_status);
    char *body = json_pretty(h->health.body ? h->health.body : "(empty body)");
    if (body)
        pager_open(ui, title, body);
    free(body);
    return true;
}

const panel panel_signals = {
    .name = "signals",
    .draw = draw,
    .key = key,
    .help = help,
    .filterable = false,
};
