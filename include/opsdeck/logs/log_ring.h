/* The lines of a log being followed, in bounded memory: a ring of at most
 * LOG_RING_MAX_LINES lines (the oldest dropped as new ones come), each
 * sanitized when it is pushed and cut to LOG_LINE_MAX bytes on a UTF-8
 * boundary, so the ring never holds more than about
 * capacity * LOG_LINE_MAX bytes whatever the host sends.
 *
 * Lines are numbered from 0 in the order pushed; a number stays the same
 * line while the ring keeps it (log_ring_first() says which is the oldest
 * kept), so a view can hold its place while lines are dropped. */
#ifndef OPSDECK_LOGS_LOG_RING_H
#define OPSDECK_LOGS_LOG_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOG_RING_MAX_LINES 10000
#define LOG_LINE_MAX       1024 /* bytes kept of one line, sanitized */

typedef struct log_line {
    char *text;     /* sanitized, one line, NUL-terminated */
    bool is_stderr; /* the command wrote it on its stderr */
} log_line;

typedef struct log_ring log_ring;

/* capacity lines, at most LOG_RING_MAX_LINES (0: the most). NULL on no memory. */
log_ring *log_ring_new(size_t capacity);
void log_ring_free(log_ring *r);
/* raw: one line as the host sent it, without its newline (any bytes). */
void log_ring_push(log_ring *r, const char *raw, size_t len, bool is_stderr);
uint64_t log_ring_end(const log_ring *r);   /* the next line's number: lines ever pushed */
uint64_t log_ring_first(const log_ring *r); /* the oldest line kept (== end when empty) */
/* Line n, or NULL when it is not kept (dropped, or not pushed yet). */
const log_line *log_ring_line(const log_ring *r, uint64_t n);
/* The bytes the ring holds for its lines' text. */
size_t log_ring_bytes(const log_ring *r);
/* The nearest line after from (forward) or before it (backward) holding
 * needle (ignoring case), going round the ring's ends, from itself last;
 * -1 when no line kept holds it. from outside the kept lines counts from
 * the nearest end. */
int64_t log_ring_search(const log_ring *r, const char *needle, uint64_t from, bool forward);

#endif
