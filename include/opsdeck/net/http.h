/* HTTP GETs on the event loop: libcurl's multi socket API, every request
 * bounded in time and size.
 *
 * A request can go through a Unix socket (a host's SSH tunnel, see
 * transport_tunnel()): the URL stays as seen from the host, the bytes go
 * to the socket. Nothing here blocks; results come back from the loop. */
#ifndef OPSDECK_NET_HTTP_H
#define OPSDECK_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "opsdeck/loop.h"

typedef struct http_client http_client;
typedef struct http_request http_request;

typedef struct http_response {
    bool ok;     /* a whole response arrived (whatever its status) */
    long status; /* HTTP status when ok */
    char *body;  /* NUL-terminated, at most max_bytes; "" when none */
    size_t body_len;
    double total_s;         /* from the request to the last byte (or the error) */
    char content_type[128]; /* the Content-Type header when ok; "" none */
    char error[512];        /* when !ok: the URL and the cause */
} http_response;

typedef void (*http_done_fn)(const http_response *res, void *arg);

http_client *http_client_new(loop_t *loop);
/* Cancels every request in flight (their done is not called). */
void http_client_free(http_client *c);
/* How many idle connections are kept for reuse (curl's connection cache).
 * curl's own default, four per request in flight at the moment one ends,
 * is too small for requests that come in bursts: the last answers of a
 * refresh closed the connections the next refresh opens again. */
void http_client_keep_connections(http_client *c, size_t n);

/* GET url; via unix_socket when not NULL. A body over max_bytes is cut off
 * and the request fails ("response larger than N bytes"); the whole request
 * is bounded by timeout_ms. done is called exactly once, from the loop,
 * unless cancelled. Returns NULL (and calls nothing) when the request
 * cannot be made at all. */
http_request *http_get(http_client *c, const char *url, const char *unix_socket, size_t max_bytes,
                       int timeout_ms, http_done_fn done, void *arg);
/* done is not called after this. */
void http_cancel(http_request *r);

#endif
