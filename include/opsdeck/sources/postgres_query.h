/* The Postgres source's query: what it asks pg_stat_activity and how its
 * rows become the model's sample. (The connection itself is net/'s:
 * pg_client.h, pg_conninfo.h.) */
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

#endif
