/* The ring of log lines (see log_ring.h). */
#include "opsdeck/logs/log_ring.h"

#include <stdlib.h>
#include <string.h>

#include "opsdeck/sanitize.h"

struct log_ring {
    log_line *slots; /* line n is in slots[n % capacity] */
    size_t capacity;
    uint64_t end; /* lines ever pushed */
    size_t count; /* lines kept: the last count before end */
    size_t bytes;
};

log_ring *log_ring_new(size_t capacity)
{
    if (capacity == 0 || capacity > LOG_RING_MAX_LINES)
        capacity = LOG_RING_MAX_LINES;
    log_ring *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->slots = calloc(capacity, sizeof(*r->slots));
    if (!r->slots) {
        free(r);
        return NULL;
    }
    r->capacity = capacity;
    return r;
}

void log_ring_free(log_ring *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->capacity; i++)
        free(r->slots[i].text);
    free(r->slots);
    free(r);
}

void log_ring_push(log_ring *r, const char *raw, size_t len, bool is_stderr)
{
    char clean[LOG_LINE_MAX + 1];
    /* sanitize_text stops short of a UTF-8 sequence that would not fit */
    size_t n = sanitize_text(raw, len, clean, sizeof(clean), SANITIZE_ONE_LINE);
    char *text = malloc(n + 1);
    if (!text)
        return; /* the line is lost, the ring stays whole */
    memcpy(text, clean, n + 1);
    log_line *slot = &r->slots[r->end % r->capacity];
    if (slot->text) {
        r->bytes -= strlen(slot->text) + 1;
        free(slot->text);
    } else {
        r->count++;
    }
    *slot = (log_line){text, is_stderr};
    r->bytes += n + 1;
    r->end++;
}

uint64_t log_ring_end(const log_ring *r)
{
    return r->end;
}

uint64_t log_ring_first(const log_ring *r)
{
    return r->end - r->count;
}

const log_line *log_ring_line(const log_ring *r, uint64_t n)
{
    if (n < log_ring_first(r) || n >= r->end)
        return NULL;
    return &r->slots[n % r->capacity];
}

size_t log_ring_bytes(const log_ring *r)
{
    return r->bytes;
}

int64_t log_ring_search(const log_ring *r, const char *needle, uint64_t from, bool forward)
{
    if (!r->count || !needle || !*needle)
        return -1;
    uint64_t first = log_ring_first(r), last = r->end - 1;
    /* from outside: start where the first line looked at is the nearest end */
    if (from < first || from > last)
        from = forward ? last : first;
    uint64_t n = from;
    for (size_t step = 0; step < r->count; step++) {
        if (forward)
            n = n == last ? first : n + 1;
        else
            n = n == first ? last : n - 1;
        if (strcasestr(r->slots[n % r->capacity].text, needle))
            return (int64_t)n;
    }
    return -1;
}
