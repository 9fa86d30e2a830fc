/* The Prometheus exposition parser: text format 0.0.4 complete, plus what
 * OpenMetrics adds that a scrape can meet (# EOF, _created samples, exemplars
 * to skip, float timestamps in seconds, the unknown/info/stateset types).
 *
 * It works over the bytes it is given, without copying them and without an
 * allocation per sample: each sample is handed to a callback as pointers
 * into the buffer, valid only during the call. Malformed input stops the
 * parse with the line and the reason; nothing is guessed. */
#ifndef OPSDECK_PARSE_PROM_H
#define OPSDECK_PARSE_PROM_H

#include <stdbool.h>
#include <stddef.h>

#define PROM_MAX_LABELS 64

typedef enum {
    PROM_UNTYPED,
    PROM_COUNTER,
    PROM_GAUGE,
    PROM_HISTOGRAM,
    PROM_SUMMARY,
    PROM_GAUGEHISTOGRAM, /* OpenMetrics */
    PROM_STATESET,       /* OpenMetrics */
    PROM_INFO,           /* OpenMetrics */
} prom_type;

/* A string in the buffer; escaped is true when it holds backslash escapes
 * (use prom_unescape() or prom_str_eq() rather than the raw bytes). */
typedef struct prom_str {
    const char *p;
    size_t len;
    bool escaped;
} prom_str;

typedef struct prom_label {
    prom_str name, value;
} prom_label;

typedef struct prom_sample {
    prom_str name;
    prom_label labels[PROM_MAX_LABELS];
    size_t nlabels;
    double value;
    bool has_timestamp;
    double timestamp_ms; /* text format: integer ms; OpenMetrics: seconds * 1000 */
    /* the le and quantile labels, parsed as numbers when present */
    bool has_le, has_quantile;
    double le, quantile;
    int line;
} prom_sample;

typedef struct prom_handlers {
    /* every sample, in order; return non-zero to stop (prom_parse returns it) */
    int (*sample)(const prom_sample *s, void *arg);
    /* # TYPE and # HELP lines (help text still escaped); may be NULL */
    void (*type)(prom_str name, prom_type type, void *arg);
    void (*help)(prom_str name, prom_str text, void *arg);
} prom_handlers;

typedef struct prom_error {
    int line;
    char reason[160];
} prom_error;

typedef enum {
    PROM_FORMAT_TEXT,        /* text/plain; version=0.0.4 */
    PROM_FORMAT_OPENMETRICS, /* application/openmetrics-text */
} prom_format;

/* Parses len bytes. Returns 0 at the end (or at # EOF), the handler's
 * non-zero value when it stopped the parse, or -1 on malformed input with
 * err set (line numbers from 1). */
int prom_parse(const char *buf, size_t len, prom_format format, const prom_handlers *h, void *arg,
               prom_error *err);

/* Which format a Content-Type header announces (NULL or unknown: text). */
prom_format prom_format_of(const char *content_type);

/* Unescapes s into out (at most size-1 bytes, NUL-terminated); returns the
 * unescaped length (which may exceed size-1: then it was cut). */
size_t prom_unescape(prom_str s, char *out, size_t size);
/* Whether s, unescaped, equals the NUL-terminated text. */
bool prom_str_eq(prom_str s, const char *text);
/* The value of label name in s, or NULL. */
const prom_str *prom_label_get(const prom_sample *s, const char *name);

#endif
