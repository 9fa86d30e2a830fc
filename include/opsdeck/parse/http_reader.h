/* An incremental reader of HTTP/1.1 responses, for a connection opsdeck
 * speaks itself (the Docker Engine API through `docker system dial-stdio`).
 *
 * Bytes go in as they arrive, in pieces of any size; the body comes out
 * through a callback as it is decoded (Content-Length or chunked), so an
 * endless body (the engine's /events) streams through a fixed amount of
 * memory. Responses follow one another on the same connection. Everything
 * is bounded: a status or header line longer than HTTP_LINE_MAX is refused.
 * Pure: no I/O, nothing global. */
#ifndef OPSDECK_PARSE_HTTP_READER_H
#define OPSDECK_PARSE_HTTP_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_LINE_MAX 1024

typedef struct http_reader_cb {
    /* the status line and headers are in (status: 200, 404...) */
    void (*head)(int status, void *arg);
    /* decoded body bytes */
    void (*body)(const char *buf, size_t len, void *arg);
    /* the whole response is in; the next bytes start a new one */
    void (*done)(void *arg);
} http_reader_cb;

typedef struct http_reader {
    int phase;
    int status;
    bool chunked;
    int64_t remaining; /* body or chunk bytes still to come; -1 unknown */
    char line[HTTP_LINE_MAX];
    size_t line_len;
    char error[160]; /* why the stream was refused; "" while fine */
} http_reader;

void http_reader_init(http_reader *r);
/* Feeds len bytes. Returns 0, or -1 when the bytes are not an HTTP/1.1
 * response (r->error says why; the reader then refuses everything until
 * init). Callbacks may not free the reader. */
int http_reader_feed(http_reader *r, const char *buf, size_t len, const http_reader_cb *cb,
                     void *arg);

#endif
