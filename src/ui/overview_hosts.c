/* The overview's hosts table: per host its state, request rate, error
 * ratio and p95 each with an inline sparkline, saturation where known,
 * containers, Postgres and Redis at a glance, the health answer, alerts,
 * and the age of its stalest source. A cell whose source is stale is drawn
 * as stale (the reason: `e`, the sources of the selected host). */
#include <stdio.h>
#include <string.h>

#include "opsdeck/alert_counts.h"
#include "opsdeck/signals/levels.h"
#include "opsdeck/ui/overview.h"
#include "opsdeck/ui/signal_format.h"
#include "opsdeck/ui/text.h"

/* A cell: its text and the role it is drawn in. */
typedef struct cell {
    char text[64];
    theme_role role;
} cell;

/* The oldest data the host has among its configured sources. */
static double stalest_age(const host_model *h, double now)
{
    double oldest = -1;
    for (int k = 0; k < SRC_COUNT; k++) {
        double age = h->status[k].configured ? model_source_age(h, (source_kind)k, now) : -1;
        if (age > oldest)
            oldest = age;
    }
    return oldest;
}

/* "-" without a sample, blank when the source is not configured; the role
 * says stale when the sample is not from the last attempt. false: nothing
 * more to put in the cell. */
static bool source_cell(const host_model *h, source_kind k, cell *c)
{
    c->role = THEME_NORMAL;
    if (!h->status[k].configured) {
        snprintf(c->text, sizeof(c->text), " ");
        return false;
    }
    if (!h->status[k].has_sample) {
        snprintf(c->text, sizeof(c->text), "-");
        c->role = THEME_DIM;
        return false;
    }
    if (ui_source_stale(h, k))
        c->role = THEME_STALE;
    return true;
}

static void signal_value(const host_model *h, signal_id id, cell *c)
{
    if (!source_cell(h, SRC_GOLDEN, c))
        return;
    ui_fmt_signal(id, golden_value(&h->golden, id), c->text, sizeof(c->text));
    if (c->role != THEME_STALE)
        c->role = ui_level_role(golden_level(&h->golden, &h->config->limits, id), THEME_NORMAL);
}

static void containers_cell(const host_model *h, cell *c)
{
    if (!source_cell(h, SRC_CONTAINERS, c))
        return;
    size_t running = 0, unhealthy = 0, restarting = 0;
    for (size_t i = 0; i < h->containers.count; i++) {
        const container_info *ci = &h->containers.items[i];
        running += strcmp(ci->state, "running") == 0;
        unhealthy += strcmp(ci->health, "unhealthy") == 0;
        restarting += strcmp(ci->state, "restarting") == 0;
    }
    int n = snprintf(c->text, sizeof(c->text), "%zu/%zu", running, h->containers.count);
    if (unhealthy)
        n += snprintf(c->text + n, sizeof(c->text) - (size_t)n, " %zuu", unhealthy);
    if (restarting)
        snprintf(c->text + n, sizeof(c->text) - (size_t)n, " %zur", restarting);
    if (c->role != THEME_STALE && (unhealthy || restarting))
        c->role = THEME_CRIT;
}

/* slow / idle in a transaction / blocked, each past its threshold */
static void postgres_cell(const ui_t *ui, const host_model *h, cell *c)
{
    if (!source_cell(h, SRC_POSTGRES, c))
        return;
    const opsdeck_config *cfg = ui->app->config;
    int slow = 0, idle = 0, blocked = 0;
    for (size_t i = 0; i < h->postgres.nslow; i++) {
        const pg_backend *b = &h->postgres.slow[i];
        if (b->nblocked_by)
            blocked++;
        else if (!cfg || b->seconds >= cfg->slow_query_s)
            slow++;
    }
    for (size_t i = 0; i < h->postgres.nidle_in_txn; i++)
        idle += !cfg || h->postgres.idle_in_txn[i].seconds >= cfg->idle_txn_s;
    snprintf(c->text, sizeof(c->text), "%d/%d/%d", slow, idle, blocked);
    if (c->role != THEME_STALE && (slow || idle || blocked))
        c->role = blocked ? THEME_CRIT : THEME_WARN;
}

static void connections_cell(const host_model *h, cell *c)
{
    if (!source_cell(h, SRC_POSTGRES, c))
        return;
    snprintf(c->text, sizeof(c->text), "%d/%d", h->postgres.conn_total, h->postgres.conn_max);
}

static void redis_memory_cell(const host_model *h, cell *c)
{
    if (!source_cell(h, SRC_REDIS, c))
        return;
    const redis_sample *r = &h->redis;
    if (r->maxmemory_bytes > 0)
        fmt_percent(100.0 * (double)r->used_memory_bytes / (double)r->maxmemory_bytes, c->text,
                    sizeof(c->text));
    else
        fmt_bytes(r->used_memory_bytes, c->text, sizeof(c->text));
    if (c->role != THEME_STALE)
        c->role = ui_level_role(redis_memory_level(r), THEME_NORMAL);
}

static void redis_hit_cell(const host_model *h, cell *c)
{
    if (source_cell(h, SRC_REDIS, c))
        fmt_percent(h->redis.hit_ratio < 0 ? -1 : h->redis.hit_ratio * 100, c->text,
                    sizeof(c->text));
}

static void saturation_cell(const host_model *h, double v, cell *c)
{
    if (source_cell(h, SRC_GOLDEN, c))
        snprintf(c->text, sizeof(c->text), signal_known(v) ? "%.0f%%" : "-", v);
}

static void health_cell(const host_model *h, cell *c)
{
    if (!h->status[SRC_HEALTH].configured) {
        snprintf(c->text, sizeof(c->text), " ");
        c->role = THEME_NORMAL;
        return;
    }
    const source_status *s = &h->status[SRC_HEALTH];
    int status = s->ok ? h->health.http_status : 0;
    if (s->ok)
        snprintf(c->text, sizeof(c->text), "%d", status);
    else
        snprintf(c->text, sizeof(c->text), s->last_attempt_at > 0 ? "failed" : "-");
    c->role = status >= 200 && status < 300 ? THEME_OK
              : s->last_attempt_at > 0      ? THEME_CRIT
                                            : THEME_DIM;
}

static void alerts_cell(const host_model *h, cell *c)
{
    if (!source_cell(h, SRC_ALERTS, c))
        return;
    alert_counts n = {0};
    alert_counts_add(&n, &h->alerts);
    snprintf(c->text, sizeof(c->text), "%dC %dW", n.critical, n.warning);
    if (c->role != THEME_STALE && (n.critical || n.warning))
        c->role = n.critical ? THEME_CRIT : THEME_WARN;
}

static void fill_cell(const ui_t *ui, const host_model *h, int col, double now, cell *c)
{
    c->role = THEME_NORMAL;
    c->text[0] = '\0';
    switch (col) {
    case OV_COL_STATE:
        snprintf(c->text, sizeof(c->text), "%s", host_state_name(h->state));
        c->role = ui_state_role(c->text);
        break;
    case OV_COL_RPS:
        signal_value(h, SIGNAL_RPS, c);
        break;
    case OV_COL_ERR:
        signal_value(h, SIGNAL_ERRORS, c);
        break;
    case OV_COL_P95:
        signal_value(h, SIGNAL_P95, c);
        break;
    case OV_COL_CPU:
        saturation_cell(h, h->golden.cpu_percent, c);
        break;
    case OV_COL_MEM:
        saturation_cell(h, h->golden.mem_percent, c);
        break;
    case OV_COL_DISK:
        saturation_cell(
            h, signal_known(h->golden.disk_free_percent) ? 100 - h->golden.disk_free_percent : -1,
            c); /* used, like CPU and memory */
        break;
    case OV_COL_CTRS:
        containers_cell(h, c);
        break;
    case OV_COL_PG:
        postgres_cell(ui, h, c);
        break;
    case OV_COL_PG_CONN:
        connections_cell(h, c);
        break;
    case OV_COL_REDIS_MEM:
        redis_memory_cell(h, c);
        break;
    case OV_COL_REDIS_HIT:
        redis_hit_cell(h, c);
        break;
    case OV_COL_HEALTH:
        health_cell(h, c);
        break;
    case OV_COL_ALERTS:
        alerts_cell(h, c);
        break;
    case OV_COL_AGE: {
        fmt_age(stalest_age(h, now), c->text, sizeof(c->text));
        bool stale = false;
        for (int k = 0; k < SRC_COUNT; k++)
            stale |= h->status[k].configured && h->status[k].has_sample &&
                     ui_source_stale(h, (source_kind)k);
        if (stale)
            c->role = THEME_STALE;
        break;
    }
    }
}

static signal_id spark_signal(int col)
{
    return col == OV_COL_RPS_SPARK   ? SIGNAL_RPS
           : col == OV_COL_ERR_SPARK ? SIGNAL_ERRORS
                                     : SIGNAL_P95;
}

static void draw_spark(ui_t *ui, const host_model *h, int col, int y, int x, int w)
{
    if (!h->status[SRC_GOLDEN].has_sample)
        return;
    signal_id id = spark_signal(col);
    double wc[2];
    bool limits = signal_thresholds(&h->config->limits, id, &wc[0], &wc[1]);
    ui_sparkline(ui, y, x, w, golden_history(&h->golden, id),
                 ui_signal_floor_max(&h->config->limits, id), limits ? wc : NULL);
}

static void draw_row(ui_t *ui, const host_model *h, int y, int x0, const int *w, bool selected,
                     double now)
{
    int x = x0 + 1;
    for (int col = 0; col < OV_NCOLS; col++) {
        if (!w[col])
            continue;
        if (col == OV_COL_HOST) {
            ui_put_remote(y, x, w[col], ui->attr[selected ? THEME_SELECTED : THEME_NORMAL],
                          h->config->name);
        } else if (col == OV_COL_RPS_SPARK || col == OV_COL_ERR_SPARK || col == OV_COL_P95_SPARK) {
            draw_spark(ui, h, col, y, x, w[col]);
        } else {
            cell c;
            fill_cell(ui, h, col, now, &c);
            if (overview_host_columns[col].right)
                ui_put_right(y, x, w[col], ui->attr[c.role], c.text);
            else
                ui_put(y, x, w[col], ui->attr[c.role], c.text);
        }
        x += w[col] + 1;
    }
}

void overview_draw_hosts(ui_t *ui, overview_box b, const size_t *hosts, size_t n, double now)
{
    if (b.h < 1)
        return;
    int w[OV_NCOLS];
    overview_layout_columns(b.w, w);
    ui_draw_headings(ui, b.y, overview_host_columns, OV_NCOLS, w);
    if (n == 0) {
        if (b.h > 1)
            ui_put(b.y + 1, b.x + 1, b.w - 2, ui->attr[THEME_DIM], "no hosts in this environment");
        return;
    }
    /* more hosts than rows: a window that keeps the selected host in view */
    size_t sel = 0;
    for (size_t i = 0; i < n; i++)
        if (hosts[i] == ui_host_index(ui))
            sel = i;
    int rows = b.h - 1;
    size_t top = sel >= (size_t)rows ? sel - (size_t)rows + 1 : 0;
    for (int r = 0; r < rows && top + (size_t)r < n; r++) {
        size_t i = hosts[top + (size_t)r];
        draw_row(ui, &ui->app->model.hosts[i], b.y + 1 + r, b.x, w, i == ui_host_index(ui), now);
    }
}
