/* Postgres activity (`postgres =`): one query per refresh over one kept,
 * read-only connection (pg_client), through the host's tunnel. Slow
 * queries, sessions idle in a transaction, who blocks whom, connections by
 * state against max_connections, and the database's size; opsdeck's own
 * backend is left out. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/net/pg_client.h"
#include "opsdeck/sources/http_source.h"
#include "opsdeck/sources/postgres_query.h"

#define STATEMENT_TIMEOUT_MS 5000

typedef struct postgres_state {
    const source_ctx *ctx;
    pg_client *client;
    bool busy;
    uint64_t deadline;
    char where[300];
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
    return st;
}

static void close_connection(postgres_state *st)
{
    pg_client_free(st->client);
    st->client = NULL;
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

static void on_activity(const PGresult *res, const char *error, void *arg)
{
    postgres_state *st = arg;
    if (!res && st->busy && pg_client_refused(st->client)) {
        /* the query never ran: the error names where the connect failed */
        st->busy = false;
        source_end_refreshf(st->ctx, SRC_POSTGRES, &st->deadline, NULL, "postgres: %s", error);
        close_connection(st);
        return;
    }
    if (!res) {
        finish(st, "activity query: %s", error);
        if (pg_client_broken(st->client))
            close_connection(st);
        return;
    }
    const source_ctx *ctx = st->ctx;
    postgres_sample sample;
    postgres_query_read(res, &sample);
    postgres_sample_clear(&ctx->host->postgres);
    ctx->host->postgres = sample;
    model_source_ok(ctx->model, ctx->host, SRC_POSTGRES, loop_wall_time());
    finish(st, NULL);
}

static void on_deadline(loop_t *loop, void *arg)
{
    postgres_state *st = arg;
    st->deadline = 0;
    close_connection(st);
    finish(st, "no answer within %d s", http_source_timeout_ms(st->ctx) / 1000);
}

static void postgres_tick(void *state)
{
    postgres_state *st = state;
    if (st->busy)
        return;
    st->busy = true;
    st->deadline = loop_timer_add(st->ctx->loop, http_source_timeout_ms(st->ctx), on_deadline, st);
    if (st->client && pg_client_broken(st->client))
        close_connection(st);
    if (!st->client) {
        char err[512];
        pg_client_options o = {
            .conninfo = st->ctx->host->config->postgres,
            .read_only = true, /* monitoring never changes anything */
            .statement_timeout_ms = STATEMENT_TIMEOUT_MS,
            .connect_timeout_s = http_source_timeout_ms(st->ctx) / 1000,
        };
        st->client = pg_client_new(st->ctx->loop, st->ctx->transport, &o, err, sizeof(err));
        if (!st->client) {
            finish(st, "%s", err);
            return;
        }
        snprintf(st->where, sizeof(st->where), "%s", pg_client_where(st->client));
    }
    char slow[32];
    snprintf(slow, sizeof(slow), "%.3f", st->ctx->config->slow_query_s);
    const char *params[] = {slow};
    if (pg_client_query(st->client, POSTGRES_ACTIVITY_SQL, 1, params, on_activity, st) < 0) {
        close_connection(st);
        finish(st, "cannot send the activity query");
    }
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
