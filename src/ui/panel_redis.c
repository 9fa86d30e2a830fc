/* Panel 5, redis: the selected host's Redis from INFO every refresh:
 * memory used against maxmemory, clients, operations per second, the hit
 * ratio from keyspace hit and miss deltas, evicted keys, keys; memory and
 * operations with a sparkline. F flushes the configured database (the
 * flush row of action_table.c, actions/flush.c). */
#include <stdio.h>
#include <stdlib.h>

#include "opsdeck/ui/text.h"
#include "opsdeck/ui/ui.h"

#define LABEL_W 14
#define VALUE_W 24

static const char *const help[] = {
    "F  :flush                  FLUSHDB of this host's Redis database (redis_db)",
    NULL,
};

static void row(ui_t *ui, int y, int w, const char *label, const char *value, theme_role role)
{
    ui_fill(y, 0, w, ui->attr[THEME_NORMAL]);
    ui_put(y, 1, LABEL_W, ui->attr[THEME_NORMAL], label);
    ui_put_right(y, 1 + LABEL_W, VALUE_W, ui->attr[role], value);
}

static void draw(ui_t *ui, void *state, ui_rect area)
{
    host_model *h = ui_host(ui);
    if (!h || area.h < 3)
        return;
    if (!h->status[SRC_REDIS].configured) {
        ui_put(area.y, 1, area.w - 2, ui->attr[THEME_DIM], "no redis = for this host");
        return;
    }
    const redis_sample *r = &h->redis;
    char fresh[MODEL_ERROR_MAX + 64], line[256], name[160], a[32], b[32];
    theme_role fr = ui_freshness(h, SRC_REDIS, loop_wall_time(), fresh, sizeof(fresh));
    int y = area.y, bottom = area.y + area.h;
    snprintf(line, sizeof(line), "%s: redis %s, database %d  ",
             ui_clean(h->config->name, name, sizeof(name)), ui_clean(r->version, a, sizeof(a)),
             h->config->redis_db);
    int x = 1 + ui_put(y, 1, area.w - 2, ui->attr[THEME_TITLE], line);
    ui_put_remote(y, x, area.w - x - 1, ui->attr[fr], fresh);
    y += 2;
    if (!h->status[SRC_REDIS].has_sample)
        return;
    bool stale = ui_source_stale(h, SRC_REDIS);
    theme_role normal = stale ? THEME_STALE : THEME_NORMAL;
    int spark_x = 2 + LABEL_W + VALUE_W + 1, spark_w = area.w - spark_x - 1;

    /* memory against maxmemory, coloured by its level (levels.h: the same
     * thresholds as the overview, the attention list and --once) */
    theme_role mem_role = normal;
    if (r->maxmemory_bytes > 0) {
        double pct = 100.0 * (double)r->used_memory_bytes / (double)r->maxmemory_bytes;
        snprintf(line, sizeof(line), "%s / %s (%.0f%%)", fmt_bytes(r->used_memory_bytes, a, 32),
                 fmt_bytes(r->maxmemory_bytes, b, 32), pct);
        if (!stale)
            mem_role = ui_level_role(redis_memory_level(r), THEME_OK);
    } else {
        snprintf(line, sizeof(line), "%s (no maxmemory)", fmt_bytes(r->used_memory_bytes, a, 32));
    }
    row(ui, y, area.w, "memory", line, mem_role);
    ui_sparkline(ui, y++, spark_x, spark_w, &r->mem_hist,
                 r->maxmemory_bytes > 0 ? (double)r->maxmemory_bytes : 0, NULL);
    snprintf(line, sizeof(line), "%.0f/s", r->ops_per_sec);
    row(ui, y, area.w, "operations", line, normal);
    ui_sparkline(ui, y++, spark_x, spark_w, &r->ops_hist, 1, NULL);
    if (y >= bottom)
        return;
    snprintf(line, sizeof(line), "%lld", (long long)r->connected_clients);
    row(ui, y++, area.w, "clients", line, normal);
    if (r->hit_ratio >= 0)
        snprintf(line, sizeof(line), "%.1f%%", r->hit_ratio * 100);
    else
        snprintf(line, sizeof(line), "- (no lookups yet)");
    if (y < bottom)
        row(ui, y++, area.w, "hit ratio", line, normal);
    snprintf(line, sizeof(line), "%lld", (long long)r->evicted_keys);
    if (y < bottom)
        row(ui, y++, area.w, "evicted keys", line,
            r->evicted_keys > 0 && !stale ? THEME_WARN : normal);
    snprintf(line, sizeof(line), "%lld", (long long)r->keys);
    if (y < bottom)
        row(ui, y++, area.w, "keys", line, normal);
}

static bool key(ui_t *ui, void *state, int k, bool is_code)
{
    return false;
}

const panel panel_redis = {
    .name = "redis",
    .draw = draw,
    .key = key,
    .help = help,
    .filterable = false,
};
