/* Postgres activity (`postgres =`): one query per refresh over one kept,
 * read-only connection (pg_client), through the host's tunnel. Slow
 * queries, sessions idle in a transaction, who blocks whom, connections by
 * state against max_connections, and the database's size; opsdeck's own
 * backend is left out. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/net/pg_client.h"
#include "opsdeck/sources/http_source.h"
#include "opsdeck/sources/postgres_query.h"
#include "opsdeck/bytes.h"
#include "opsdeck/snapshot_fields.h"

#define STATEMENT_TIMEOUT_MS 5000
/* A new connection's first answer: its SSH channel (opened one at a time
 * per session, a round trip each), startup, authentication (two or three
 * round trips more) and the query. On a link with a second's round trip
 * that is five seconds or more: held to the refresh's deadline it would
 * never connect, and the source never come back. Kept connections answer
 * within the refresh's deadline. */
#define FIRST_ANSWER_MS 10000

typedef struct postgres_state {
    const source_ctx *ctx;
    pg_client *client;
    bool busy;
    uint64_t deadline;
    int deadline_ms; /* this refresh's */
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
    model_set_postgres(ctx->model, ctx->host, &sample);
    model_source_ok(ctx->model, ctx->host, SRC_POSTGRES, loop_wall_time());
    finish(st, NULL);
}

static void on_deadline(loop_t *loop, void *arg)
{
    postgres_state *st = arg;
    st->deadline = 0;
    close_connection(st);
    finish(st, "no answer within %d s", st->deadline_ms / 1000);
}

static void postgres_tick(void *state)
{
    postgres_state *st = state;
    if (st->busy)
        return;
    st->busy = true;
    if (st->client && pg_client_broken(st->client))
        close_connection(st);
    st->deadline_ms = st->client ? http_source_timeout_ms(st->ctx) : FIRST_ANSWER_MS;
    st->deadline = loop_timer_add(st->ctx->loop, st->deadline_ms, on_deadline, st);
    if (!st->client) {
        char err[512];
        pg_client_options o = {
            .conninfo = st->ctx->host->config->postgres,
            .read_only = true, /* monitoring never changes anything */
            .statement_timeout_ms = STATEMENT_TIMEOUT_MS,
            .connect_timeout_s = FIRST_ANSWER_MS / 1000,
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

static void postgres_clear(host_model *h)
{
    postgres_sample_clear(&h->postgres);
}

static json_t *backends_json(const pg_backend *b, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_object();
        json_object_set_new(it, "pid", json_integer(b[i].pid));
        json_object_set_new(it, "user", snapshot_remote_string(b[i].user));
        json_object_set_new(it, "database", snapshot_remote_string(b[i].database));
        json_object_set_new(it, "application", snapshot_remote_string(b[i].application));
        json_object_set_new(it, "state", snapshot_remote_string(b[i].state));
        json_object_set_new(it, "wait_event",
                            b[i].wait_event[0] ? snapshot_remote_string(b[i].wait_event)
                                               : json_null());
        json_object_set_new(it, "seconds", json_real(b[i].seconds));
        json_object_set_new(it, "query", snapshot_remote_string(b[i].query));
        json_t *blockers = json_array();
        for (size_t k = 0; k < b[i].nblocked_by; k++)
            json_array_append_new(blockers, json_integer(b[i].blocked_by[k]));
        json_object_set_new(it, "blocked_by", blockers);
        json_array_append_new(arr, it);
    }
    return arr;
}

static void postgres_json(json_t *o, const host_model *h, bool known)
{
    const postgres_sample *p = &h->postgres;
    json_object_set_new(o, "server_version",
                        known && p->server_version[0] ? snapshot_remote_string(p->server_version)
                                                      : json_null());
    json_t *c = json_object();
    json_object_set_new(c, "total", snapshot_count(known, p->conn_total));
    json_object_set_new(c, "max", snapshot_count(known, p->conn_max));
    json_object_set_new(c, "active", snapshot_count(known, p->conn_active));
    json_object_set_new(c, "idle", snapshot_count(known, p->conn_idle));
    json_object_set_new(c, "idle_in_transaction", snapshot_count(known, p->conn_idle_in_txn));
    json_object_set_new(o, "connections", c);
    json_object_set_new(o, "slow_queries", snapshot_list(known, backends_json(p->slow, p->nslow)));
    json_object_set_new(o, "idle_in_transaction",
                        snapshot_list(known, backends_json(p->idle_in_txn, p->nidle_in_txn)));
    json_object_set_new(o, "database_size_bytes", snapshot_count(known, p->database_size_bytes));
}

/* "    slow  pid 4242 app@bb 31s, waiting Lock, blocked by 4141: QUERY" */
static void backends_text(FILE *out, const char *what, const pg_backend *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "    %s  pid %d ", what, b[i].pid);
        snapshot_put_clean(out, b[i].user);
        fputc('@', out);
        snapshot_put_clean(out, b[i].database);
        fprintf(out, " %.0fs", b[i].seconds);
        if (b[i].wait_event[0]) {
            fputs(", waiting ", out);
            snapshot_put_clean(out, b[i].wait_event);
        }
        for (size_t k = 0; k < b[i].nblocked_by; k++)
            fprintf(out, "%s%d", k ? ", " : ", blocked by ", b[i].blocked_by[k]);
        fputs(": ", out);
        snapshot_put_clean(out, b[i].query ? b[i].query : "");
        fputc('\n', out);
    }
}

static void postgres_text(FILE *out, const host_model *h)
{
    const postgres_sample *p = &h->postgres;
    char size[32];
    fputs("    server ", out);
    snapshot_put_clean(out, p->server_version);
    fprintf(out,
            ": %d of %d connections (%d active, %d idle, %d idle in transaction), "
            "database %s\n",
            p->conn_total, p->conn_max, p->conn_active, p->conn_idle, p->conn_idle_in_txn,
            fmt_bytes(p->database_size_bytes, size, sizeof(size)));
    backends_text(out, "slow", p->slow, p->nslow);
    backends_text(out, "idle in transaction", p->idle_in_txn, p->nidle_in_txn);
}

const source_ops postgres_source = {
    .kind = SRC_POSTGRES,
    .enabled = postgres_enabled,
    .start = postgres_start,
    .tick = postgres_tick,
    .stop = postgres_stop,
    .clear = postgres_clear,
    .write_json = postgres_json,
    .write_text = postgres_text,
};
