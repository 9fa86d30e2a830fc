/* Postgres activity (`postgres =`): one query per refresh over one kept,
 * read-only connection, through the host's tunnel, with libpq's
 * asynchronous API on the loop. Slow queries, sessions idle in a
 * transaction, who blocks whom, connections by state against
 * max_connections, and the database's size; opsdeck's own backend is left
 * out. */
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/sources/http_source.h"
#include "opsdeck/sources/postgres_query.h"

#define STATEMENT_TIMEOUT_MS 5000
#define MAX_PARAMS           40

typedef enum { PG_IDLE, PG_CONNECTING, PG_QUERYING } pg_phase;

typedef struct postgres_state {
    const source_ctx *ctx;
    PGconn *conn;
    pg_phase phase;
    int fd; /* watched, -1 none */
    bool busy;
    uint64_t deadline;
    char where[300];
    PGresult *result;
} postgres_state;

static bool postgres_enabled(const host_config *host)
{
    return host->postgres != NULL;
}

static void *postgres_start(const source_ctx *ctx)
{
    postgres_state *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->ctx = ctx;
    st->fd = -1;
    return st;
}

static void unwatch(postgres_state *st)
{
    if (st->fd >= 0)
        loop_unwatch(st->ctx->loop, st->fd);
    st->fd = -1;
}

static void close_connection(postgres_state *st)
{
    unwatch(st);
    if (st->result)
        PQclear(st->result);
    st->result = NULL;
    if (st->conn)
        PQfinish(st->conn);
    st->conn = NULL;
    st->phase = PG_IDLE;
}

/* libpq's message, without its "connection to server ... failed: " preface. */
static const char *short_error(PGconn *conn, char *buf, size_t size)
{
    const char *msg = conn ? PQerrorMessage(conn) : "out of memory";
    const char *tail = strstr(msg, "failed: ");
    snprintf(buf, size, "%s", tail ? tail + 8 : msg);
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

static void finish(postgres_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void finish(postgres_state *st, const char *fmt, ...)
{
    if (!st->busy)
        return;
    st->busy = false;
    if (!fmt) {
        source_end_refreshf(st->ctx, SRC_POSTGRES, &st->deadline, st->where, NULL);
        return;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    source_end_refreshf(st->ctx, SRC_POSTGRES, &st->deadline, st->where, "postgres: %s", msg);
}

static void on_ready(loop_t *loop, int fd, int revents, void *arg);

static void watch(postgres_state *st, short events)
{
    int fd = PQsocket(st->conn);
    if (fd != st->fd)
        unwatch(st); /* libpq may move to another socket while connecting */
    st->fd = fd;
    if (fd >= 0)
        loop_watch(st->ctx->loop, fd, events, on_ready, st);
}

static void send_query(postgres_state *st)
{
    char slow[32];
    snprintf(slow, sizeof(slow), "%.3f", st->ctx->config->slow_query_s);
    const char *params[] = {slow};
    if (!PQsendQueryParams(st->conn, POSTGRES_ACTIVITY_SQL, 1, NULL, params, NULL, NULL, 0)) {
        char err[256];
        finish(st, "%s", short_error(st->conn, err, sizeof(err)));
        close_connection(st);
        return;
    }
    st->phase = PG_QUERYING;
    watch(st, PQflush(st->conn) == 1 ? POLLIN | POLLOUT : POLLIN);
}

static void continue_connect(postgres_state *st)
{
    char err[256];
    switch (PQconnectPoll(st->conn)) {
    case PGRES_POLLING_READING:
        watch(st, POLLIN);
        break;
    case PGRES_POLLING_WRITING:
        watch(st, POLLOUT);
        break;
    case PGRES_POLLING_OK:
        PQsetnonblocking(st->conn, 1);
        send_query(st);
        break;
    default:
        finish(st, "%s", short_error(st->conn, err, sizeof(err)));
        close_connection(st);
        break;
    }
}

static void take_results(postgres_state *st)
{
    char err[256];
    bool done = false;
    while (!done && !PQisBusy(st->conn)) {
        PGresult *res = PQgetResult(st->conn);
        if (!res)
            done = true; /* the end of this query's results */
        else if (!st->result)
            st->result = res;
        else
            PQclear(res);
    }
    if (!done)
        return; /* more to come */
    PGresult *res = st->result;
    st->result = NULL;
    st->phase = PG_IDLE;
    unwatch(st);
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
        const char *msg = res ? PQresultErrorMessage(res) : short_error(st->conn, err, sizeof(err));
        snprintf(err, sizeof(err), "%s", msg);
        err[strcspn(err, "\n")] = '\0';
        if (res)
            PQclear(res);
        finish(st, "activity query: %s", err);
        if (PQstatus(st->conn) == CONNECTION_BAD)
            close_connection(st);
        return;
    }
    const source_ctx *ctx = st->ctx;
    postgres_sample sample;
    postgres_query_read(res, &sample);
    PQclear(res);
    postgres_sample_clear(&ctx->host->postgres);
    ctx->host->postgres = sample;
    model_source_ok(ctx->model, ctx->host, SRC_POSTGRES, loop_wall_time());
    finish(st, NULL);
}

static void on_ready(loop_t *loop, int fd, int revents, void *arg)
{
    postgres_state *st = arg;
    char err[256];
    if (st->phase == PG_CONNECTING) {
        continue_connect(st);
        return;
    }
    if (st->phase != PG_QUERYING)
        return;
    if ((revents & POLLOUT) && PQflush(st->conn) == 0)
        watch(st, POLLIN);
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        if (!PQconsumeInput(st->conn)) {
            finish(st, "%s", short_error(st->conn, err, sizeof(err)));
            close_connection(st);
            return;
        }
        take_results(st);
    }
}

static void on_deadline(loop_t *loop, void *arg)
{
    postgres_state *st = arg;
    st->deadline = 0;
    close_connection(st);
    finish(st, "no answer within %d s", http_source_timeout_ms(st->ctx) / 1000);
}

static int start_connect(postgres_state *st, char *err, size_t errsize)
{
    const source_ctx *ctx = st->ctx;
    char target[256] = "";
    char socket_dir[512] = "";
    if (postgres_connect_target(ctx->host->config->postgres, target, sizeof(target)) < 0) {
        snprintf(err, errsize, "postgres = ...: not a libpq conninfo");
        return -1;
    }
    if (transport_is_local(ctx->transport)) {
        snprintf(st->where, sizeof(st->where), "%s", target);
    } else {
        snprintf(st->where, sizeof(st->where), "%s via ssh", target);
        char host[256], name[320];
        int port;
        postgres_split_target(target, host, sizeof(host), &port);
        snprintf(name, sizeof(name), "pg-%s-%d/.s.PGSQL.%d", host, port, port);
        const char *socket = transport_tunnel(ctx->transport, host, port, name);
        if (!socket) {
            snprintf(err, errsize, "no tunnel: %s", transport_error(ctx->transport));
            return -1;
        }
        snprintf(socket_dir, sizeof(socket_dir), "%s", socket);
        char *slash = strrchr(socket_dir, '/');
        if (slash)
            *slash = '\0';
    }
    const char *keys[MAX_PARAMS], *values[MAX_PARAMS];
    char options[512], timeout[16];
    snprintf(timeout, sizeof(timeout), "%d", http_source_timeout_ms(ctx) / 1000);
    if (postgres_connect_params(ctx->host->config->postgres, socket_dir[0] ? socket_dir : NULL,
                                STATEMENT_TIMEOUT_MS, options, sizeof(options), timeout, keys,
                                values, MAX_PARAMS) < 0) {
        snprintf(err, errsize, "postgres = ...: not a libpq conninfo");
        return -1;
    }
    st->conn = PQconnectStartParams(keys, values, 0);
    postgres_free_params(keys, values);
    if (!st->conn || PQstatus(st->conn) == CONNECTION_BAD) {
        short_error(st->conn, err, errsize);
        close_connection(st);
        return -1;
    }
    st->phase = PG_CONNECTING;
    watch(st, POLLOUT);
    return 0;
}

static void postgres_tick(void *state)
{
    postgres_state *st = state;
    if (st->busy)
        return;
    st->busy = true;
    st->deadline = loop_timer_add(st->ctx->loop, http_source_timeout_ms(st->ctx), on_deadline, st);
    char err[512];
    if (!st->conn) {
        if (start_connect(st, err, sizeof(err)) < 0)
            finish(st, "%s", err);
        return;
    }
    if (PQstatus(st->conn) == CONNECTION_BAD) {
        close_connection(st);
        if (start_connect(st, err, sizeof(err)) < 0)
            finish(st, "%s", err);
        return;
    }
    send_query(st);
}

static void postgres_stop(void *state)
{
    postgres_state *st = state;
    st->busy = false;
    if (st->deadline)
        loop_timer_cancel(st->ctx->loop, st->deadline);
    close_connection(st);
    free(st);
}

const source_ops postgres_source = {
    .kind = SRC_POSTGRES,
    .enabled = postgres_enabled,
    .start = postgres_start,
    .tick = postgres_tick,
    .stop = postgres_stop,
};
