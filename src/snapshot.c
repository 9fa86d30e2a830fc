/* The snapshot's verdict (its exit status) and its text rendering. */
#include "opsdeck/snapshot.h"

#include <string.h>
#include <time.h>

#include "opsdeck/sanitize.h"

static bool has_critical_alert(const alerts_sample *a)
{
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->items[i].severity, "critical") == 0 &&
            strcmp(a->items[i].state, "active") == 0)
            return true;
    return false;
}

static bool golden_critical(const golden_sample *g, const thresholds *t)
{
    return (g->latency_p95_s >= t->p95_crit_s) || (g->error_ratio >= t->error_crit) ||
           (g->cpu_percent >= t->cpu_crit) || (g->mem_percent >= t->mem_crit);
}

static bool host_critical(const host_model *h)
{
    if (h->state == HOST_DOWN)
        return true;
    const source_status *st = h->status;
    if (st[SRC_ALERTS].configured && st[SRC_ALERTS].ok && has_critical_alert(&h->alerts))
        return true;
    /* a health check that fails (an error answer, or no answer) is critical */
    if (st[SRC_HEALTH].configured &&
        (!st[SRC_HEALTH].ok || h->health.http_status < 200 || h->health.http_status >= 300))
        return true;
    if (st[SRC_GOLDEN].configured && st[SRC_GOLDEN].ok &&
        golden_critical(&h->golden, &h->config->limits))
        return true;
    return false;
}

int snapshot_status(const fleet_model *m, double now)
{
    (void)now;
    int status = SNAPSHOT_OK;
    for (size_t i = 0; i < m->nhosts; i++) {
        const host_model *h = &m->hosts[i];
        if (host_critical(h))
            return SNAPSHOT_CRITICAL;
        for (int k = 0; k < SRC_COUNT; k++)
            if (h->status[k].configured && !h->status[k].ok)
                status = SNAPSHOT_FAILED;
    }
    return status;
}

/* ---- text ---- */

static void put_clean(FILE *out, const char *s)
{
    char buf[1024];
    sanitize_text(s, strlen(s), buf, sizeof(buf), SANITIZE_ONE_LINE);
    fputs(buf, out);
}

static void format_bytes(double b, char *buf, size_t size)
{
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (b >= 1024 && u < 4) {
        b /= 1024;
        u++;
    }
    snprintf(buf, size, u ? "%.1f%s" : "%.0f%s", b, units[u]);
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
        char mem[32] = "-";
        if (ci->mem_bytes >= 0)
            format_bytes((double)ci->mem_bytes, mem, sizeof(mem));
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

int snapshot_write_text(const fleet_model *m, int interval_s, double taken_at, FILE *out)
{
    char when[32];
    time_t secs = (time_t)taken_at;
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(out, "opsdeck %s snapshot %s (interval %ds)\n", OPSDECK_VERSION, when, interval_s);
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
            if (k == SRC_CONTAINERS)
                text_containers(out, &h->containers);
        }
    }
    return ferror(out) ? -1 : 0;
}
