/* What the HTTP sources (health, ws, alerts, golden signals) share: a GET of
 * a URL as seen from the host, through the host's SSH tunnel (or directly
 * on a host that is this machine), bounded in size and time. */
#ifndef OPSDECK_SOURCES_HTTP_SOURCE_H
#define OPSDECK_SOURCES_HTTP_SOURCE_H

#include "opsdeck/net/http.h"
#include "opsdeck/sources/source.h"

/* The connections one host's HTTP sources hold open at once, and keep
 * for the next refresh: golden's five PromQL queries, the metrics and node
 * metrics scrapes, health, ws stats and alerts, with room to spare. */
#define HTTP_SOURCE_CONNECTIONS_PER_HOST 12

/* The time one fetch may take: long enough for a slow answer, short enough
 * that a refresh round never waits long on it. */
int http_source_timeout_ms(const source_ctx *ctx);

/* Starts GET url for ctx's host. Returns NULL with err set when it cannot
 * start (a malformed URL, the tunnel could not be made). */
http_request *http_source_get(const source_ctx *ctx, const char *url, size_t max_bytes,
                              http_done_fn done, void *arg, char *err, size_t errsize);

/* Why a GET of url asked at asked_ms (loop_now_ms()) failed: res->error,
 * or, when the host's side of the tunnel could not connect to url's
 * address since then, words naming that address, the host and the path
 * (curl saw only an empty reply). Returns res->error or buf. */
const char *http_source_error(const source_ctx *ctx, const char *url, int64_t asked_ms,
                              const http_response *res, char *buf, size_t size);

#endif
