/* A configured libpq conninfo turned into the connection pg_client makes:
 * where it connects (for the tunnel), and the keyword/value parameters
 * with opsdeck's own (application_name, timeouts, read-only) added. */
#ifndef OPSDECK_NET_PG_CONNINFO_H
#define OPSDECK_NET_PG_CONNINFO_H

#include <stdbool.h>
#include <stddef.h>

/* "host:port" the conninfo connects to, as the host sees it (default
 * localhost:5432; a Unix-socket directory stays as given). -1 when the
 * conninfo is malformed. */
int pg_conninfo_target(const char *conninfo, char *out, size_t size);
void pg_conninfo_split_target(const char *target, char *host, size_t hostsize, int *port);

/* Keyword/value arrays for PQconnectStartParams: the conninfo's own,
 * with host/hostaddr/port replaced by socket_dir when not NULL,
 * application_name=opsdeck, connect_timeout, and options adding a
 * statement timeout and, when read_only, read-only transactions. options
 * is the buffer the options value is built in. Free with
 * pg_conninfo_free_params. */
int pg_conninfo_params(const char *conninfo, const char *socket_dir, bool read_only,
                       int statement_timeout_ms, char *options, size_t options_size,
                       const char *connect_timeout, const char **keys, const char **values,
                       size_t max);
void pg_conninfo_free_params(const char **keys, const char **values);

#endif
