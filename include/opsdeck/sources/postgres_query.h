/* The Postgres source's query and connection parameters: what it asks
 * pg_stat_activity, how its rows become the model's sample, and how the
 * configured conninfo is turned into a read-only monitoring connection
 * (through a tunnel socket when the host is remote). */
#ifndef OPSDECK_SOURCES_POSTGRES_QUERY_H
#define OPSDECK_SOURCES_POSTGRES_QUERY_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "opsdeck/model.h"

#define POSTGRES_QUERY_TEXT_MAX 16384 /* characters of a query kept */
#define POSTGRES_BACKENDS_MAX   500

/* $1: seconds after which an active query is slow. */
extern const char POSTGRES_ACTIVITY_SQL[];

/* Reads the activity query's rows into out (owned by the caller). */
void postgres_query_read(const PGresult *res, postgres_sample *out);

/* "host:port" the conninfo connects to, as the host sees it (default
 * localhost:5432; a Unix-socket directory stays as given). -1 when the
 * conninfo is malformed. */
int postgres_connect_target(const char *conninfo, char *out, size_t size);
void postgres_split_target(const char *target, char *host, size_t hostsize, int *port);

/* Keyword/value arrays for PQconnectStartParams: the conninfo's own,
 * with host/hostaddr/port replaced by socket_dir when not NULL,
 * application_name=opsdeck, connect_timeout, and options adding a
 * statement timeout and, when read_only, read-only transactions. options
 * is the buffer the options value is built in. Free with
 * postgres_free_params. */
int postgres_connect_params(const char *conninfo, const char *socket_dir, bool read_only,
                            int statement_timeout_ms, char *options, size_t options_size,
                            const char *connect_timeout, const char **keys, const char **values,
                            size_t max);
void postgres_free_params(const char **keys, const char **values);

#endif
