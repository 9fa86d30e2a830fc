/* The Postgres source's query (see postgres_query.h). */
#include "opsdeck/sources/postgres_query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/numbers.h"
#include "opsdeck/utf8_copy.h"

/* One statement, one round trip: the connection summary joined to the
 * backends worth showing (slow, idle in a transaction, or blocked), so the
 * summary comes back even when no backend does. Ages are from
 * clock_timestamp(), not the transaction's now(). */
const char POSTGRES_ACTIVITY_SQL[] =
    "WITH a AS (SELECT * FROM pg_stat_activity"
    "           WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()),"
    " s AS (SELECT count(*) AS total,"
    "              count(*) FILTER (WHERE state = 'active') AS active,"
    "              count(*) FILTER (WHERE state = 'idle') AS idle,"
    "              count(*) FILTER (WHERE state LIKE 'idle in transaction%') AS idle_txn"
    "       FROM a),"
    " b AS (SELECT pid, usename, datname, application_name, state,"
    "              coalesce(wait_event_type || ':' || wait_event, '') AS wait,"
    "              extract(epoch FROM clock_timestamp() -"
    "                  CASE WHEN state = 'active' THEN query_start ELSE state_change END)"
    "                  AS seconds,"
    "              left(query, 16384) AS query, pg_blocking_pids(pid) AS blocked_by"
    "       FROM a"
    "       WHERE state LIKE 'idle in transaction%'"
    "          OR (state = 'active' AND (query_start < clock_timestamp() - $1::float8 *"
    "              interval '1 second' OR cardinality(pg_blocking_pids(pid)) > 0)))"
    " SELECT current_setting('server_version'), current_setting('max_connections')::int,"
    "        s.total, s.active, s.idle, s.idle_txn, pg_database_size(current_database()),"
    "        b.pid, b.usename, b.datname, b.application_name, b.state, b.wait, b.seconds,"
    "        b.query, b.blocked_by"
    " FROM s LEFT JOIN b ON true"
    " ORDER BY b.seconds DESC NULLS LAST LIMIT 500";

enum {
    COL_VERSION,
    COL_MAX,
    COL_TOTAL,
    COL_ACTIVE,
    COL_IDLE,
    COL_IDLE_TXN,
    COL_SIZE,
    COL_PID,
    COL_USER,
    COL_DB,
    COL_APP,
    COL_STATE,
    COL_WAIT,
    COL_SECONDS,
    COL_QUERY,
    COL_BLOCKED_BY,
};

/* A column of the host's into a fixed field, cut on a character boundary. */
static void copy(char *dst, size_t size, const PGresult *res, int row, int col)
{
    utf8_copy(dst, size, PQgetvalue(res, row, col));
}

/* "{12,34}" -> [12, 34] */
static void read_pids(const char *text, int **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == ',';
    if (strcmp(text, "{}") == 0 || !*text)
        return;
    *out = calloc(n + 1, sizeof(int));
    if (!*out)
        return;
    const char *p = text + (*text == '{');
    while (*p && *p != '}') {
        char *end;
        long pid = strtol(p, &end, 10);
        if (end == p)
            break;
        (*out)[(*count)++] = (int)pid;
        p = *end == ',' ? end + 1 : end;
    }
}

static void read_backend(const PGresult *res, int row, pg_backend *b)
{
    memset(b, 0, sizeof(*b));
    b->pid = atoi(PQgetvalue(res, row, COL_PID));
    copy(b->user, sizeof(b->user), res, row, COL_USER);
    copy(b->database, sizeof(b->database), res, row, COL_DB);
    copy(b->application, sizeof(b->application), res, row, COL_APP);
    copy(b->state, sizeof(b->state), res, row, COL_STATE);
    copy(b->wait_event, sizeof(b->wait_event), res, row, COL_WAIT);
    b->seconds = num_strtod(PQgetvalue(res, row, COL_SECONDS), NULL);
    b->query = strdup(PQgetvalue(res, row, COL_QUERY));
    read_pids(PQgetvalue(res, row, COL_BLOCKED_BY), &b->blocked_by, &b->nblocked_by);
}

void postgres_query_read(const PGresult *res, postgres_sample *out)
{
    memset(out, 0, sizeof(*out));
    int rows = PQntuples(res);
    if (rows == 0)
        return;
    copy(out->server_version, sizeof(out->server_version), res, 0, COL_VERSION);
    out->conn_max = atoi(PQgetvalue(res, 0, COL_MAX));
    out->conn_total = atoi(PQgetvalue(res, 0, COL_TOTAL));
    out->conn_active = atoi(PQgetvalue(res, 0, COL_ACTIVE));
    out->conn_idle = atoi(PQgetvalue(res, 0, COL_IDLE));
    out->conn_idle_in_txn = atoi(PQgetvalue(res, 0, COL_IDLE_TXN));
    out->database_size_bytes = atoll(PQgetvalue(res, 0, COL_SIZE));
    out->slow = calloc((size_t)rows, sizeof(pg_backend));
    out->idle_in_txn = calloc((size_t)rows, sizeof(pg_backend));
    if (!out->slow || !out->idle_in_txn)
        return;
    for (int r = 0; r < rows; r++) {
        if (PQgetisnull(res, r, COL_PID))
            continue; /* the summary alone: no backend to show */
        bool idle_txn = strncmp(PQgetvalue(res, r, COL_STATE), "idle in transaction", 19) == 0;
        if (idle_txn)
            read_backend(res, r, &out->idle_in_txn[out->nidle_in_txn++]);
        else
            read_backend(res, r, &out->slow[out->nslow++]);
    }
}
