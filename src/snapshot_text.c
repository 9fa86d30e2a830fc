/* The snapshot as text, for a person: per host its state, then each
 * configured source with its age (or why it failed) and its figures. Remote
 * text is sanitized; nothing here decides the exit status (snapshot.c). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "opsdeck/alert_counts.h"
#include "opsdeck/bytes.h"
#include "opsdeck/sanitize.h"
#include "opsdeck/signals/levels.h"
#include "opsdeck/snapshot.h"

static void put_clean(FILE *out, const char *s)
{
    char buf[1024];
    sanitize_text(s, strlen(s), buf, sizeof(buf), SANITIZE_ONE_LINE);
    fputs(buf, out);
}

static void text_source_line(FILE *out, const host_model *h, source_kind k, double now)
{
    const source_status *s = &h->status[k];
    double age = model_source_age(h, k, now);
    fprintf(out, "  %-10s ", source_kind_name(k));
    if (s->ok)
        fprintf(out, "ok (age %.0fs)", age);
    else if (age >= 0)
        fprintf(out, "STALE (age %.0fs): ", age);
    else
        fprintf(out, "FAILED: ");
    if (!s->ok)
        put_clean(out, s->error);
    fputc('\n', out);
}

static void text_containers(FILE *out, const containers_sample *c)
{
    for (size_t i = 0; i < c->count; i++) {
        const container_info *ci = &c->items[i];
        char mem[32];
        fmt_bytes(ci->mem_bytes, mem, sizeof(mem));
        fputs("    ", out);
        put_clean(out, ci->name);
        fputs("  ", out);
        put_clean(out, ci->state);
        if (ci->health[0]) {
            fputs(" (", out);
            put_clean(out, ci->health);
            fputc(')', out);
        }
        fprintf(out, "  restarts %d", ci->restarts);
        if (ci->cpu_percent >= 0)
            fprintf(out, "  cpu %.1f%%", ci->cpu_percent);
        fprintf(out, "  mem %s  ", mem);
        put_clean(out, ci->image);
        fputc('\n', out);
    }
}

/* "-" for NaN or negative (unknown) */
static void put_figure(FILE *out, const char *label, double v, double scale, const char *fmt,
                       const char *unit)
{
    fprintf(out, " %s ", label);
    if (!signal_known(v)) {
        fputc('-', out);
    } else {
        fprintf(out, fmt, v * scale);
        fputs(unit, out);
    }
}

static void text_golden(FILE *out, const golden_sample *g)
{
    fprintf(out, "    by %s:", g->source);
    put_figure(out, "rps", g->rps, 1, "%.1f", "");
    put_figure(out, "errors", g->error_ratio, 100, "%.2f", "%");
    put_figure(out, "p50", g->latency_p50_s, 1000, "%.0f", "ms");
    put_figure(out, "p95", g->latency_p95_s, 1000, "%.0f", "ms");
    put_figure(out, "p99", g->latency_p99_s, 1000, "%.0f", "ms");
    put_figure(out, "cpu", g->cpu_percent, 1, "%.1f", "%");
    put_figure(out, "mem", g->mem_percent, 1, "%.1f", "%");
    put_figure(out, "disk free", g->disk_free_percent, 1, "%.1f", "%");
    fputc('\n', out);
}

static void text_ws(FILE *out, const ws_sample *ws)
{
    fprintf(out, "    %.0f connections, %.0f messages sent, %.0f broadcasts,",
            ws->active_connections, ws->total_messages_sent, ws->total_broadcasts);
    put_figure(out, "msg/s", ws->messages_per_s, 1, "%.1f", "");
    fputc('\n', out);
}

static void text_alerts(FILE *out, const alerts_sample *a)
{
    alert_counts c = {0};
    alert_counts_add(&c, a);
    fprintf(out, "    %d critical, %d warning, %d other (not silenced or inhibited)\n", c.critical,
            c.warning, c.other);
    for (size_t i = 0; i < a->count; i++) {
        const alert_info *ai = &a->items[i];
        fputs("    ", out);
        put_clean(out, ai->severity);
        fputs("  ", out);
        put_clean(out, ai->name);
        fputs(" (", out);
        put_clean(out, ai->state);
        fputs(", since ", out);
        put_clean(out, ai->starts_at);
        fputs("): ", out);
        put_clean(out, ai->summary);
        fputc('\n', out);
    }
}

int snapshot_write_text(const fleet_model *m, int interval_s, double taken_at, FILE *out)
{
    char when[32];
    time_t secs = (time_t)taken_at;
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(out, "opsdeck %s snapshot %s (interval %ds)\n", OPSDECK_VERSION, when, interval_s);
    snapshot_attention_text(m, taken_at, out);
    for (size_t i = 0; i < m->nhosts; i++) {
        const host_model *h = &m->hosts[i];
        fprintf(out, "\n%s [%s] %s", h->config->name, h->config->env, host_state_name(h->state));
        if (h->error[0]) {
            fputs(": ", out);
            put_clean(out, h->error);
        }
        fputc('\n', out);
        for (int k = 0; k < SRC_COUNT; k++) {
            if (!h->status[k].configured)
                continue;
            text_source_line(out, h, (source_kind)k, taken_at);
            if (!h->status[k].has_sample)
                continue;
            switch (k) {
            case SRC_CONTAINERS:
                text_containers(out, &h->containers);
                break;
            case SRC_GOLDEN:
                text_golden(out, &h->golden);
                break;
            case SRC_HEALTH:
                fprintf(out, "    HTTP %d in %.0f ms\n", h->health.http_status,
                        h->health.latency_s * 1000);
                break;
            case SRC_WS:
                text_ws(out, &h->ws);
                break;
            case SRC_ALERTS:
                text_alerts(out, &h->alerts);
                break;
            default:
                break;
            }
        }
    }
    return ferror(out) ? -1 : 0;
}
