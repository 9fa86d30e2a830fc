/* A libpq connection on the loop (see pg_client.h). Callers bound the
 * time: libpq does not enforce connect_timeout in asynchronous mode, so the
 * source and the actions each keep a deadline and free the client. */
#include "opsdeck/net/pg_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/net/pg_conninfo.h"

#define MAX_PARAMS 40

typedef enum { PGC_CONNECTING, PGC_READY, PGC_QUERYING, PGC_BROKEN } pgc_phase;

struct pg_client {
    loop_t *loop;
    PGconn *conn;
    pgc_phase phase;
    int fd; /* watched, -1 none */
    char where[300];
    char error[300]; /* why it broke */
    /* through a tunnel: its target, and when connecting began, to tell a
     * channel the host's side refused from the client library's words */
    transport_t *t;
    char target_host[256];
    int target_port;
    int64_t started_ms;
    bool refused;
    /* the statement waiting for the connection, or in flight */
    char *sql;
    char **params;
    int nparams;
    pg_result_fn done;
    void *arg;
    PGresult *result;
};

static void on_ready(loop_t *loop, int fd, int revents, void *arg);

static void unwatch(pg_client *c)
{
    if (c->fd >= 0)
        loop_unwatch(c->loop, c->fd);
    c->fd = -1;
}

static void watch(pg_client *c, short events)
{
    int fd = PQsocket(c->conn);
    if (fd != c->fd)
        unwatch(c); /* libpq may move to another socket while connecting */
    c->fd = fd;
    if (fd >= 0)
        loop_watch(c->loop, fd, events, on_ready, c);
}

/* libpq's message, without its "connection to server ... failed: " preface. */
/* libpq's default notice processor writes to stderr, which is the
 * console's terminal: a server's "FATAL: terminating connection due to
 * administrator command", arriving between queries, was drawn over the
 * screen and left curses' picture of it wrong. Notices are dropped; a
 * connection that breaks says why through PQerrorMessage, as every other
 * failure does. */
static void drop_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static void short_error(const char *msg, char *buf, size_t size)
{
    const char *tail = strstr(msg, "failed: ");
    snprintf(buf, size, "%s", tail ? tail + 8 : msg);
    buf[strcspn(buf, "\n")] = '\0';
}

static void forget_statement(pg_client *c)
{
    for (int i = 0; i < c->nparams; i++)
        free(c->params[i]);
    free(c->params);
    free(c->sql);
    c->sql = NULL;
    c->params = NULL;
    c->nparams = 0;
    c->done = NULL;
    if (c->result)
        PQclear(c->result);
    c->result = NULL;
}

/* Hands the outcome to the caller, who may free the client in the call. */
static void deliver(pg_client *c, const PGresult *res, const char *error)
{
    pg_result_fn done = c->done;
    void *arg = c->arg;
    PGresult *keep = c->result;
    c->result = NULL; /* owned here until the call returns */
    forget_statement(c);
    if (done)
        done(res, error, arg);
    if (keep)
        PQclear(keep);
}

static void fail(pg_client *c, const char *why)
{
    short_error(why, c->error, sizeof(c->error));
    if (c->t && transport_tunnel_refused(c->t, c->target_host, c->target_port, c->started_ms,
                                         c->error, sizeof(c->error)))
        c->refused = true; /* libpq saw only "server closed the connection" */
    c->phase = PGC_BROKEN;
    unwatch(c);
    deliver(c, NULL, c->error);
}

static void send_statement(pg_client *c)
{
    if (!PQsendQueryParams(c->conn, c->sql, c->nparams, NULL, (const char *const *)c->params, NULL,
                           NULL, 0)) {
        fail(c, PQerrorMessage(c->conn));
        return;
    }
    c->phase = PGC_QUERYING;
    watch(c, PQflush(c->conn) == 1 ? POLLIN | POLLOUT : POLLIN);
}

static void continue_connect(pg_client *c)
{
    switch (PQconnectPoll(c->conn)) {
    case PGRES_POLLING_READING:
        watch(c, POLLIN);
        break;
    case PGRES_POLLING_WRITING:
        watch(c, POLLOUT);
        break;
    case PGRES_POLLING_OK:
        PQsetnonblocking(c->conn, 1);
        c->phase = PGC_READY;
        unwatch(c);
        if (c->sql)
            send_statement(c);
        break;
    default:
        fail(c, PQerrorMessage(c->conn));
        break;
    }
}

static void take_results(pg_client *c)
{
    bool done = false;
    while (!done && !PQisBusy(c->conn)) {
        PGresult *res = PQgetResult(c->conn);
        if (!res)
            done = true; /* the end of this statement's results */
        else if (!c->result)
            c->result = res;
        else
            PQclear(res);
    }
    if (!done)
        return; /* more to come */
    unwatch(c);
    c->phase = PQstatus(c->conn) == CONNECTION_BAD ? PGC_BROKEN : PGC_READY;
    ExecStatusType st = c->result ? PQresultStatus(c->result) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        deliver(c, c->result, NULL);
        return;
    }
    char err[256];
    short_error(c->result ? PQresultErrorMessage(c->result) : PQerrorMessage(c->conn), err,
                sizeof(err));
    deliver(c, NULL, err);
}

static void on_ready(loop_t *loop, int fd, int revents, void *arg)
{
    pg_client *c = arg;
    if (c->phase == PGC_CONNECTING) {
        continue_connect(c);
        return;
    }
    if (c->phase != PGC_QUERYING)
        return;
    if ((revents & POLLOUT) && PQflush(c->conn) == 0)
        watch(c, POLLIN);
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        if (!PQconsumeInput(c->conn)) {
            fail(c, PQerrorMessage(c->conn));
            return;
        }
        take_results(c);
    }
}

/* The directory of the tunnel socket libpq is to use, or "" on this machine. */
static int tunnel_dir(pg_client *c, transport_t *t, const char *conninfo, char *dir, size_t size,
                      char *err, size_t errsize)
{
    char target[256];
    dir[0] = '\0';
    if (pg_conninfo_target(conninfo, target, sizeof(target)) < 0) {
        snprintf(err, errsize, "postgres = ...: not a libpq conninfo");
        return -1;
    }
    if (transport_is_local(t)) {
        snprintf(c->where, sizeof(c->where), "%s", target);
        return 0;
    }
    snprintf(c->where, sizeof(c->where), "%s via ssh", target);
    char host[256], name[320];
    int port;
    pg_conninfo_split_target(target, host, sizeof(host), &port);
    c->t = t;
    snprintf(c->target_host, sizeof(c->target_host), "%s", host);
    c->target_port = port;
    c->started_ms = loop_now_ms(c->loop);
    snprintf(name, sizeof(name), "pg-%s-%d/.s.PGSQL.%d", host, port, port);
    const char *socket = transport_tunnel(t, host, port, name);
    if (!socket) {
        snprintf(err, errsize, "no tunnel: %s", transport_error(t));
        return -1;
    }
    snprintf(dir, size, "%s", socket);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    return 0;
}

pg_client *pg_client_new(loop_t *loop, transport_t *t, const pg_client_options *opts, char *err,
                         size_t errsize)
{
    pg_client *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    c->loop = loop;
    c->fd = -1;
    char dir[512];
    if (tunnel_dir(c, t, opts->conninfo, dir, sizeof(dir), err, errsize) < 0) {
        free(c);
        return NULL;
    }
    const char *keys[MAX_PARAMS], *values[MAX_PARAMS];
    char options[512], timeout[16];
    snprintf(timeout, sizeof(timeout), "%d", opts->connect_timeout_s);
    if (pg_conninfo_params(opts->conninfo, dir[0] ? dir : NULL, opts->read_only,
                           opts->statement_timeout_ms, options, sizeof(options), timeout, keys,
                           values, MAX_PARAMS) < 0) {
        snprintf(err, errsize, "postgres = ...: not a libpq conninfo");
        free(c);
        return NULL;
    }
    c->conn = PQconnectStartParams(keys, values, 0);
    pg_conninfo_free_params(keys, values);
    if (!c->conn || PQstatus(c->conn) == CONNECTION_BAD) {
        short_error(c->conn ? PQerrorMessage(c->conn) : "out of memory", err, errsize);
        pg_client_free(c);
        return NULL;
    }
    PQsetNoticeProcessor(c->conn, drop_notice, NULL);
    c->phase = PGC_CONNECTING;
    watch(c, POLLOUT);
    return c;
}

int pg_client_query(pg_client *c, const char *sql, int nparams, const char *const *params,
                    pg_result_fn done, void *arg)
{
    if (c->sql || c->phase == PGC_BROKEN || c->phase == PGC_QUERYING)
        return -1;
    c->sql = strdup(sql);
    c->params = calloc((size_t)nparams + 1, sizeof(char *));
    if (!c->sql || !c->params) {
        forget_statement(c);
        return -1;
    }
    for (int i = 0; i < nparams; i++) {
        c->params[i] = strdup(params[i]);
        c->nparams++;
        if (!c->params[i]) {
            forget_statement(c);
            return -1;
        }
    }
    c->done = done;
    c->arg = arg;
    if (c->phase == PGC_READY)
        send_statement(c);
    return 0;
}

bool pg_client_broken(const pg_client *c)
{
    return c->phase == PGC_BROKEN || (c->conn && PQstatus(c->conn) == CONNECTION_BAD);
}

const char *pg_client_where(const pg_client *c)
{
    return c->where;
}

bool pg_client_refused(const pg_client *c)
{
    return c->refused;
}

void pg_client_free(pg_client *c)
{
    if (!c)
        return;
    unwatch(c);
    c->done = NULL;
    forget_statement(c);
    if (c->conn)
        PQfinish(c->conn);
    free(c);
}
