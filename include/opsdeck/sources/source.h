/* The one interface every source implements (containers, golden signals,
 * health, ws, alerts, postgres, redis).
 *
 * A source lives per host. start() allocates its state; tick() begins one
 * refresh (the app calls it every interval); when that refresh has finished,
 * good or bad, the source has written the model (model_source_ok() or
 * model_source_failed(), then its sample) and calls ctx->attempt_done().
 * A tick that arrives while the previous refresh is still running starts
 * nothing new and does not call attempt_done() (that refresh will).
 * stop() cancels whatever is in flight and frees the state; attempt_done()
 * is not called after it. Sources register their own fds and timers on
 * ctx->loop and never block. */
#ifndef OPSDECK_SOURCE_H
#define OPSDECK_SOURCE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "opsdeck/config.h"
#include "opsdeck/loop.h"
#include "opsdeck/model.h"
#include "opsdeck/net/http.h"
#include "opsdeck/transport/transport.h"

typedef struct source_ctx source_ctx;

struct source_ctx {
    loop_t *loop;
    fleet_model *model;
    host_model *host;
    transport_t *transport;
    http_client *http; /* the app's one HTTP client, shared by every host */
    const opsdeck_config *config;
    int interval_s; /* the refresh interval in force (-i overrides config) */
    void (*attempt_done)(const source_ctx *ctx, source_kind kind);
    void *app; /* for attempt_done */
};

struct json_t;

/* Besides polling, a source owns its part of the model and of the snapshot:
 * whether a host has it (model_init() marks it configured), how its sample
 * is freed (model_free()), and how it is written in `--once` (the snapshot
 * writers loop over the registry; snapshot_fields.h has the pieces). */
typedef struct source_ops {
    source_kind kind;
    /* whether this host's config turns the source on */
    bool (*enabled)(const host_config *host);
    void *(*start)(const source_ctx *ctx);
    void (*tick)(void *state);
    void (*stop)(void *state);
    /* frees what the host's sample owns; NULL when it owns nothing */
    void (*clear)(host_model *h);
    /* its data, added to its JSON object after ok, error and age_s; known
     * is false when the source is not ok (every figure is then null) */
    void (*write_json)(struct json_t *o, const host_model *h, bool known);
    /* its figures as text lines (indented by four), once it has a sample;
     * NULL when the status line says all */
    void (*write_text)(FILE *out, const host_model *h);
} source_ops;

/* Ends a refresh of ctx's source kind: cancels its deadline timer (when
 * set, and zeroes it; deadline may be NULL), records the failure when fmt
 * is given (the message, then " (where)" unless where is NULL or empty: a
 * message that names the place itself), and tells the app the attempt is
 * over. */
void source_end_refresh(const source_ctx *ctx, source_kind kind, uint64_t *deadline,
                        const char *where, const char *fmt, va_list ap);
void source_end_refreshf(const source_ctx *ctx, source_kind kind, uint64_t *deadline,
                         const char *where, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The sources built into this program, indexed by source_kind; an entry is
 * NULL for a kind this build does not have yet. */
extern const source_ops *const source_registry[SRC_COUNT];

#endif
