/* Redis health (`redis =`): INFO every refresh over one kept connection,
 * through the host's tunnel (hiredis's async context on the loop), with
 * AUTH from `redis_password_file` and SELECT of `redis_db`. */
#include <jansson.h>
#include <hiredis/async.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/net/redis_open.h"
#include "opsdeck/parse/redis_info.h"
#include "opsdeck/sources/http_source.h"
#include "opsdeck/bytes.h"
#include "opsdeck/signals/levels.h"
#include "opsdeck/snapshot_fields.h"

typedef struct redis_state {
    const source_ctx *ctx;
    redisAsyncContext *ac;
    bool connected;
    bool busy;         /* a refresh is in flight */
    uint64_t deadline; /* its timer */
    char where[300];   /* "127.0.0.1:6379 via ssh", for errors */
    int64_t opened_ms; /* when the connection was asked for */
    bool has_prev;
    int64_t prev_hits, prev_misses;
    double hit_ratio;
} redis_state;

static bool redis_enabled(const host_config *host)
{
    return host->redis != NULL;
}

static void *redis_start(const source_ctx *ctx)
{
    redis_state *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->ctx = ctx;
    st->hit_ratio = -1;
    return st;
}

/* Ends the refresh in flight; every path through a refresh ends here once. */
static void finish(redis_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void finish(redis_state *st, const char *fmt, ...)
{
    if (!st->busy)
        return;
    st->busy = false;
    char refused[300];
    if (fmt && redis_tunnel_refused(st->ctx->transport, st->ctx->host->config, st->opened_ms,
                                    refused, sizeof(refused))) {
        /* hiredis saw only the socket close: say where the connect failed */
        source_end_refreshf(st->ctx, SRC_REDIS, &st->deadline, NULL, "redis: %s", refused);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    source_end_refresh(st->ctx, SRC_REDIS, &st->deadline, st->where, fmt, ap);
    va_end(ap);
}

static void drop_connection(redis_state *st)
{
    redisAsyncContext *ac = st->ac;
    st->ac = NULL;
    st->connected = false;
    if (ac) {
        ac->data = NULL; /* its callbacks now see no state */
        redisAsyncFree(ac);
    }
}

static void on_deadline(loop_t *loop, void *arg)
{
    redis_state *st = arg;
    st->deadline = 0;
    drop_connection(st); /* outside hiredis's own callbacks: safe to free */
    finish(st, "redis: no answer within %d s", http_source_timeout_ms(st->ctx) / 1000);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    redis_state *st = ac->data;
    if (!st)
        return;
    st->ac = NULL;
    st->connected = false;
    finish(st, "redis: connection lost: %s", ac->errstr ? ac->errstr : "closed");
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    redis_state *st = ac->data;
    if (!st)
        return;
    if (status != REDIS_OK) {
        st->ac = NULL; /* hiredis frees it after this */
        finish(st, "redis: %s", ac->errstr ? ac->errstr : "cannot connect");
        return;
    }
    st->connected = true;
}

static void record_info(redis_state *st, const redis_info *info)
{
    const source_ctx *ctx = st->ctx;
    if (st->has_prev) {
        int64_t hits = info->keyspace_hits - st->prev_hits;
        int64_t misses = info->keyspace_misses - st->prev_misses;
        /* no lookups (or a restart) since the last refresh: the ratio stands */
        if (hits >= 0 && misses >= 0 && hits + misses > 0)
            st->hit_ratio = (double)hits / (double)(hits + misses);
    }
    st->has_prev = true;
    st->prev_hits = info->keyspace_hits;
    st->prev_misses = info->keyspace_misses;
    redis_sample r = {
        .used_memory_bytes = info->used_memory,
        .maxmemory_bytes = info->maxmemory,
        .connected_clients = info->connected_clients,
        .ops_per_sec = info->ops_per_sec,
        .hit_ratio = st->hit_ratio,
        .evicted_keys = info->evicted_keys,
        .keys = info->db_keys,
    };
    snprintf(r.version, sizeof(r.version), "%s", info->version);
    model_set_redis(ctx->model, ctx->host, &r);
    model_source_ok(ctx->model, ctx->host, SRC_REDIS, loop_wall_time());
}

static void on_info(redisAsyncContext *ac, void *reply_p, void *privdata)
{
    redis_state *st = ac->data;
    redisReply *reply = reply_p;
    if (!st || !st->busy)
        return;
    if (!reply) {
        finish(st, "redis: INFO got no answer");
    } else if (reply->type == REDIS_REPLY_ERROR) {
        finish(st, "redis: INFO: %.200s", reply->str);
    } else if (reply->type != REDIS_REPLY_STRING) {
        finish(st, "redis: INFO: unexpected answer type %d", reply->type);
    } else {
        redis_info info;
        char err[256];
        if (redis_info_parse(reply->str, reply->len, st->ctx->host->config->redis_db, &info, err,
                             sizeof(err)) < 0) {
            finish(st, "redis: %s", err);
        } else {
            record_info(st, &info);
            finish(st, NULL);
        }
    }
}

/* AUTH and SELECT: an error answer ends the refresh (INFO would follow). */
static void on_setup(redisAsyncContext *ac, void *reply_p, void *privdata)
{
    redis_state *st = ac->data;
    redisReply *reply = reply_p;
    if (st && st->busy && reply && reply->type == REDIS_REPLY_ERROR)
        finish(st, "redis: %s: %.200s", (const char *)privdata, reply->str);
}

static redisAsyncContext *connect_redis(redis_state *st, char *err, size_t errsize)
{
    const source_ctx *ctx = st->ctx;
    st->opened_ms = loop_now_ms(ctx->loop);
    redisAsyncContext *ac = redis_open(ctx->loop, ctx->transport, ctx->host->config, on_setup, st,
                                       st->where, sizeof(st->where), err, errsize);
    if (ac) {
        redisAsyncSetConnectCallback(ac, on_connect);
        redisAsyncSetDisconnectCallback(ac, on_disconnect);
    }
    return ac;
}

static void redis_tick(void *state)
{
    redis_state *st = state;
    if (st->busy)
        return;
    st->busy = true;
    st->deadline = loop_timer_add(st->ctx->loop, http_source_timeout_ms(st->ctx), on_deadline, st);
    char err[512] = "";
    if (!st->ac && !(st->ac = connect_redis(st, err, sizeof(err)))) {
        finish(st, "%s", err);
        return;
    }
    if (redisAsyncCommand(st->ac, on_info, NULL, "INFO") != REDIS_OK)
        finish(st, "redis: cannot send INFO: %s", st->ac->errstr ? st->ac->errstr : "closed");
}

static void redis_stop(void *state)
{
    redis_state *st = state;
    st->busy = false; /* attempt_done is not called after stop */
    if (st->deadline)
        loop_timer_cancel(st->ctx->loop, st->deadline);
    drop_connection(st);
    free(st);
}

static void redis_json(json_t *o, const host_model *h, bool known)
{
    const redis_sample *r = &h->redis;
    json_object_set_new(o, "version",
                        known && r->version[0] ? snapshot_remote_string(r->version) : json_null());
    json_object_set_new(o, "used_memory_bytes", snapshot_count(known, r->used_memory_bytes));
    json_object_set_new(o, "maxmemory_bytes", snapshot_count(known, r->maxmemory_bytes));
    json_object_set_new(o, "connected_clients", snapshot_count(known, r->connected_clients));
    json_object_set_new(o, "ops_per_sec", snapshot_figure(known, r->ops_per_sec));
    json_object_set_new(o, "hit_ratio", snapshot_figure(known, r->hit_ratio));
    json_object_set_new(o, "evicted_keys", snapshot_count(known, r->evicted_keys));
    json_object_set_new(o, "keys", snapshot_count(known, r->keys));
}

/* "    redis 7.2.4: memory 870KiB of 1.0MiB (85%, warning), ..." */
static void redis_text(FILE *out, const host_model *h)
{
    const redis_sample *r = &h->redis;
    char used[32], max[32];
    fputs("    redis ", out);
    snapshot_put_clean(out, r->version);
    fprintf(out, ": memory %s", fmt_bytes(r->used_memory_bytes, used, sizeof(used)));
    if (r->maxmemory_bytes > 0) {
        static const char *const level_names[] = {[LEVEL_UNKNOWN] = "unknown",
                                                  [LEVEL_OK] = "ok",
                                                  [LEVEL_WARN] = "warning",
                                                  [LEVEL_CRIT] = "critical"};
        fprintf(out, " of %s (%.0f%%, %s)", fmt_bytes(r->maxmemory_bytes, max, sizeof(max)),
                100.0 * (double)r->used_memory_bytes / (double)r->maxmemory_bytes,
                level_names[redis_memory_level(r)]);
    } else {
        fputs(" (no maxmemory)", out);
    }
    fprintf(out, ", %lld clients,", (long long)r->connected_clients);
    snapshot_put_figure(out, "ops/s", r->ops_per_sec, 1, "%.1f", "");
    fputs(",", out);
    snapshot_put_figure(out, "hit ratio", r->hit_ratio, 100, "%.1f", "%");
    fprintf(out, ", %lld evicted, %lld keys\n", (long long)r->evicted_keys, (long long)r->keys);
}

const source_ops redis_source = {
    .kind = SRC_REDIS,
    .enabled = redis_enabled,
    .start = redis_start,
    .tick = redis_tick,
    .stop = redis_stop,
    .write_json = redis_json,
    .write_text = redis_text,
};
