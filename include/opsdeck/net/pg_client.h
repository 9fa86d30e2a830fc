/* One libpq connection on the loop, through the host's tunnel: connecting
 * with libpq's asynchronous API and running one statement at a time. The
 * Postgres source keeps one (read-only) for monitoring; the Postgres actions
 * open their own for the length of an action, so the monitoring session
 * never changes anything.
 *
 * Every connection has application_name=opsdeck, a connect timeout and a
 * statement timeout; a read-only one also default_transaction_read_only. */
#ifndef OPSDECK_NET_PG_CLIENT_H
#define OPSDECK_NET_PG_CLIENT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "opsdeck/loop.h"
#include "opsdeck/transport/transport.h"

typedef struct pg_client pg_client;

/* res: the statement's result (PGRES_TUPLES_OK or PGRES_COMMAND_OK; owned by
 * the client, valid during the call), or NULL with error saying why (the
 * connection, or the server's message). The client may be freed from here. */
typedef void (*pg_result_fn)(const PGresult *res, const char *error, void *arg);

typedef struct pg_client_options {
    const char *conninfo; /* as seen from the host */
    bool read_only;
    int statement_timeout_ms;
    int connect_timeout_s;
} pg_client_options;

/* Starts connecting (through t's tunnel when the host is remote). NULL
 * with err when it cannot even start (a malformed conninfo, no tunnel). */
pg_client *pg_client_new(loop_t *loop, transport_t *t, const pg_client_options *opts, char *err,
                         size_t errsize);
/* Runs sql with its text parameters once connected; done is called once.
 * -1 when a statement is already in flight or the connection is broken. */
int pg_client_query(pg_client *c, const char *sql, int nparams, const char *const *params,
                    pg_result_fn done, void *arg);
/* The connection is unusable: make a new client. */
bool pg_client_broken(const pg_client *c);
/* "host:port" or "host:port via ssh", for messages. */
const char *pg_client_where(const pg_client *c);
/* The connection failed because the host's side of the tunnel could not
 * connect: the error said so, naming the target and the host itself (no
 * need to add where). */
bool pg_client_refused(const pg_client *c);
/* Closes; done is not called after this. */
void pg_client_free(pg_client *c);

#endif
