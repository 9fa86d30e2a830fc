/* Redis health (`redis =`): INFO every refresh over one kept connection,
 * through the host's tunnel (hiredis's async context on the loop), with
 * AUTH from `redis_password_file` and SELECT of `redis_db`. */
#include <errno.h>
#include <fcntl.h>
#include <hiredis/async.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opsdeck/net/redis_loop.h"
#include "opsdeck/parse/redis_info.h"
#include "opsdeck/sources/http_source.h"

#define PASSWORD_MAX 512

typedef struct redis_state {
    const source_ctx *ctx;
    redisAsyncContext *ac;
    bool connected;
    bool busy;         /* a refresh is in flight */
    uint64_t deadline; /* its timer */
    char where[300];   /* "127.0.0.1:6379 via ssh", for errors */
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
    redis_sample *r = &ctx->host->redis;
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
    snprintf(r->version, sizeof(r->version), "%s", info->version);
    r->used_memory_bytes = info->used_memory;
    r->maxmemory_bytes = info->maxmemory;
    r->connected_clients = info->connected_clients;
    r->ops_per_sec = info->ops_per_sec;
    r->hit_ratio = st->hit_ratio;
    r->evicted_keys = info->evicted_keys;
    r->keys = info->db_keys;
    history_push(&r->mem_hist, (double)info->used_memory);
    history_push(&r->ops_hist, info->ops_per_sec);
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

/* The password, or "" for none; -1 when the file cannot be used. */
static int read_password(const char *path, char *buf, size_t size, char *err, size_t errsize)
{
    buf[0] = '\0';
    if (!path)
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) < 0) {
        snprintf(err, errsize, "redis_password_file %.200s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (sb.st_mode & 077) {
        close(fd);
        snprintf(err, errsize, "redis_password_file %.200s can be read by others: chmod 600 it",
                 path);
        return -1;
    }
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0) {
        snprintf(err, errsize, "redis_password_file %.200s: %s", path, strerror(errno));
        return -1;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

/* redis = HOST:PORT, [V6]:PORT or HOST. */
static void split_address(const char *value, char *host, size_t hostsize, int *port)
{
    *port = 6379;
    if (value[0] == '[') {
        const char *close = strchr(value, ']');
        size_t hlen = close ? (size_t)(close - value - 1) : strlen(value + 1);
        snprintf(host, hostsize, "%.*s", (int)hlen, value + 1);
        if (close && close[1] == ':')
            *port = atoi(close + 2);
        return;
    }
    const char *colon = strrchr(value, ':');
    snprintf(host, hostsize, "%.*s", colon ? (int)(colon - value) : (int)strlen(value), value);
    if (colon)
        *port = atoi(colon + 1);
}

static redisAsyncContext *connect_redis(redis_state *st, char *err, size_t errsize)
{
    const source_ctx *ctx = st->ctx;
    char host[256];
    int port;
    split_address(ctx->host->config->redis, host, sizeof(host), &port);
    redisAsyncContext *ac;
    if (transport_is_local(ctx->transport)) {
        snprintf(st->where, sizeof(st->where), "%s:%d", host, port);
        ac = redisAsyncConnect(host, port);
    } else {
        snprintf(st->where, sizeof(st->where), "%s:%d via ssh", host, port);
        char name[300];
        snprintf(name, sizeof(name), "redis-%s-%d.sock", host, port);
        const char *socket = transport_tunnel(ctx->transport, host, port, name);
        if (!socket) {
            snprintf(err, errsize, "redis: no tunnel: %s", transport_error(ctx->transport));
            return NULL;
        }
        ac = redisAsyncConnectUnix(socket);
    }
    if (!ac || ac->err) {
        snprintf(err, errsize, "redis: %s", ac ? ac->errstr : "out of memory");
        if (ac)
            redisAsyncFree(ac);
        return NULL;
    }
    if (redis_loop_attach(ac, ctx->loop) < 0) {
        redisAsyncFree(ac);
        snprintf(err, errsize, "redis: cannot watch the connection");
        return NULL;
    }
    ac->data = st;
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
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
    if (!st->ac) {
        char password[PASSWORD_MAX];
        if (read_password(st->ctx->host->config->redis_password_file, password, sizeof(password),
                          err, sizeof(err)) < 0 ||
            !(st->ac = connect_redis(st, err, sizeof(err)))) {
            finish(st, "%s", err);
            return;
        }
        /* commands queue until the connection is up; one round trip */
        if (password[0])
            redisAsyncCommand(st->ac, on_setup, "AUTH", "AUTH %s", password);
        memset(password, 0, sizeof(password));
        redisAsyncCommand(st->ac, on_setup, "SELECT", "SELECT %d", st->ctx->host->config->redis_db);
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

const source_ops redis_source = {
    .kind = SRC_REDIS,
    .enabled = redis_enabled,
    .start = redis_start,
    .tick = redis_tick,
    .stop = redis_stop,
};
