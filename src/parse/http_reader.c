/* The incremental HTTP/1.1 response reader (parse/http_reader.h). */
#include "opsdeck/parse/http_reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum {
    P_STATUS,     /* "HTTP/1.1 200 OK" */
    P_HEADERS,    /* header lines up to the blank one */
    P_BODY,       /* remaining bytes of a Content-Length body */
    P_CHUNK_SIZE, /* "1f4\r\n" */
    P_CHUNK_DATA, /* remaining bytes of a chunk */
    P_CHUNK_END,  /* the CRLF after a chunk */
    P_TRAILER,    /* lines after the last chunk, up to the blank one */
    P_FAILED,
};

void http_reader_init(http_reader *r)
{
    memset(r, 0, sizeof(*r));
    r->phase = P_STATUS;
    r->remaining = -1;
}

static int refuse(http_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(http_reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->error, sizeof(r->error), fmt, ap);
    va_end(ap);
    r->phase = P_FAILED;
    return -1;
}

/* A decimal or hex number over the whole of s; -1 when it is not one. */
static int64_t parse_number(const char *s, int base)
{
    int64_t v = 0;
    int digits = 0;
    for (; *s && *s != ';' && *s != ' ' && *s != '\t'; s++, digits++) {
        int d = *s >= '0' && *s <= '9'                 ? *s - '0'
                : base == 16 && *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
                : base == 16 && *s >= 'A' && *s <= 'F' ? *s - 'A' + 10
                                                       : -1;
        if (d < 0 || digits >= 15)
            return -1;
        v = v * base + d;
    }
    return digits ? v : -1;
}

static void finish(http_reader *r, const http_reader_cb *cb, void *arg)
{
    r->phase = P_STATUS;
    r->status = 0;
    r->chunked = false;
    r->remaining = -1;
    if (cb->done)
        cb->done(arg);
}

/* The body starts: its length is known, chunked, or (a status without one)
 * empty. */
static void start_body(http_reader *r, const http_reader_cb *cb, void *arg)
{
    if (cb->head)
        cb->head(r->status, arg);
    if (r->chunked)
        r->phase = P_CHUNK_SIZE;
    else if (r->remaining > 0)
        r->phase = P_BODY;
    else
        finish(r, cb, arg); /* 204, 304, or Content-Length: 0 */
}

static int header_line(http_reader *r, const char *line, const http_reader_cb *cb, void *arg)
{
    if (!*line) {
        start_body(r, cb, arg);
        return 0;
    }
    const char *colon = strchr(line, ':');
    if (!colon)
        return refuse(r, "header line without a colon");
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = (size_t)(colon - line);
    if (n == 14 && strncasecmp(line, "Content-Length", n) == 0) {
        r->remaining = parse_number(v, 10);
        if (r->remaining < 0)
            return refuse(r, "Content-Length is not a number");
    } else if (n == 17 && strncasecmp(line, "Transfer-Encoding", n) == 0) {
        r->chunked = strcasestr(v, "chunked") != NULL;
    }
    return 0;
}

static int on_line(http_reader *r, const char *line, const http_reader_cb *cb, void *arg)
{
    switch (r->phase) {
    case P_STATUS:
        if (!*line)
            return 0; /* tolerated between responses */
        if (strncmp(line, "HTTP/1.", 7) != 0 || strlen(line) < 12 || line[8] != ' ')
            return refuse(r, "not an HTTP/1.x status line");
        r->status = 0;
        for (int k = 9; k < 12; k++) {
            if (line[k] < '0' || line[k] > '9')
                return refuse(r, "the status is not a number");
            r->status = r->status * 10 + (line[k] - '0');
        }
        if (r->status < 100 || r->status > 599)
            return refuse(r, "the status %03d is not an HTTP status (100-599)", r->status);
        r->phase = P_HEADERS;
        return 0;
    case P_HEADERS:
        return header_line(r, line, cb, arg);
    case P_CHUNK_SIZE:
        r->remaining = parse_number(line, 16);
        if (r->remaining < 0)
            return refuse(r, "a chunk size is not a hex number");
        r->phase = r->remaining ? P_CHUNK_DATA : P_TRAILER;
        return 0;
    case P_CHUNK_END:
        if (*line)
            return refuse(r, "a chunk does not end with CRLF");
        r->phase = P_CHUNK_SIZE;
        return 0;
    case P_TRAILER:
        if (!*line)
            finish(r, cb, arg);
        return 0;
    }
    return refuse(r, "internal: line in phase %d", r->phase);
}

static bool in_line_phase(const http_reader *r)
{
    return r->phase != P_BODY && r->phase != P_CHUNK_DATA;
}

int http_reader_feed(http_reader *r, const char *buf, size_t len, const http_reader_cb *cb,
                     void *arg)
{
    size_t i = 0;
    while (i < len) {
        if (r->phase == P_FAILED)
            return -1;
        if (!in_line_phase(r)) {
            size_t take = len - i;
            if ((int64_t)take > r->remaining)
                take = (size_t)r->remaining;
            if (cb->body)
                cb->body(buf + i, take, arg);
            i += take;
            r->remaining -= (int64_t)take;
            if (r->remaining == 0) {
                if (r->phase == P_CHUNK_DATA)
                    r->phase = P_CHUNK_END;
                else
                    finish(r, cb, arg);
            }
            continue;
        }
        char c = buf[i++];
        if (c != '\n') {
            if (r->line_len + 1 >= sizeof(r->line))
                return refuse(r, "a status or header line is over %d bytes", HTTP_LINE_MAX);
            r->line[r->line_len++] = c;
            continue;
        }
        if (r->line_len && r->line[r->line_len - 1] == '\r')
            r->line_len--;
        r->line[r->line_len] = '\0';
        r->line_len = 0;
        if (on_line(r, r->line, cb, arg) < 0)
            return -1;
    }
    return r->phase == P_FAILED ? -1 : 0;
}
