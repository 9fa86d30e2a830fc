/* What every source does the same way at the end of a refresh. */
#include <stdio.h>

#include "opsdeck/sources/source.h"

void source_end_refresh(const source_ctx *ctx, source_kind kind, uint64_t *deadline,
                        const char *where, const char *fmt, va_list ap)
{
    if (deadline && *deadline)
        loop_timer_cancel(ctx->loop, *deadline);
    if (deadline)
        *deadline = 0;
    if (fmt) {
        char msg[512];
        vsnprintf(msg, sizeof(msg), fmt, ap);
        if (where && *where)
            model_source_failed(ctx->model, ctx->host, kind, loop_wall_time(), "%s (%s)", msg,
                                where);
        else
            model_source_failed(ctx->model, ctx->host, kind, loop_wall_time(), "%s", msg);
    }
    ctx->attempt_done(ctx, kind);
}

void source_end_refreshf(const source_ctx *ctx, source_kind kind, uint64_t *deadline,
                         const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    source_end_refresh(ctx, kind, deadline, where, fmt, ap);
    va_end(ap);
}
