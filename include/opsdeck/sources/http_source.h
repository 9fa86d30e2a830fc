/* What the HTTP sources (health, ws, alerts, golden signals) share: a GET of
 * a URL as seen from the host, through the host's SSH tunnel (or directly
 * on a host that is this machine), bounded in size and time; and for the
 * sources that poll one URL, the whole refresh (http_poll). */
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

/* One GET of one URL per refresh, the way every source that polls a single
 * URL does it (health, ws, alerts). A tick while the last GET still runs
 * starts nothing. A GET that cannot start, or that got no answer, is the
 * source's failure (the reason as the request gave it, or the tunnel's
 * refusal: http_source_error). An answer goes to
 * `answered`, which writes the sample through the model's setter and
 * returns true, or returns false with err saying why the answer is refused;
 * http_poll then records the outcome and ends the attempt
 * (source_end_refresh). A source keeps one in its state. */
typedef struct http_poll http_poll;
typedef bool (*http_poll_answered_fn)(http_poll *p, const http_response *res, double now, char *err,
                                      size_t errsize);
struct http_poll {
    const source_ctx *ctx;
    source_kind kind;
    size_t max_bytes;
    http_poll_answered_fn answered;
    void *arg; /* for answered */
    http_request *req;
    const char *url;  /* the GET in flight's (the config's string) */
    int64_t asked_ms; /* when it was asked for: a refused tunnel since then is the reason */
};

void http_poll_init(http_poll *p, const source_ctx *ctx, source_kind kind, size_t max_bytes,
                    http_poll_answered_fn answered, void *arg);
void http_poll_tick(http_poll *p, const char *url);
/* Cancels a GET in flight (no attempt end is told after it). */
void http_poll_stop(http_poll *p);

#endif
