/* Following a container's log (see log_follow.h). */
#include "opsdeck/logs/log_follow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/logs/log_order.h"
#include "opsdeck/shell_quote.h"

/* Raw bytes kept of one line before it is sanitized into at most
 * LOG_LINE_MAX: more than any sanitized line can use (every raw byte
 * gives at least one), so the cut is made by the sanitizer, on a UTF-8
 * boundary. The rest of a longer line is dropped until its newline. */
#define RAW_LINE_MAX (LOG_LINE_MAX + 16)
/* What is kept of the command's own stderr for the reason it ended */
#define KEEP_FOR_DONE 1024
/* Lines are held this long, at most PENDING_MAX of them, and put into the
 * ring in the order of their times (log_order.h): stdout's and stderr's
 * lines of the same moment reach opsdeck apart. */
#define MERGE_MS    200
#define PENDING_MAX 1024

typedef struct pending_line {
    char *raw;
    size_t len;
    bool is_stderr;
    size_t arrival; /* the order they came in, for lines of the same time */
} pending_line;

typedef struct partial_line {
    char buf[RAW_LINE_MAX];
    size_t len;
    bool dropping; /* past RAW_LINE_MAX: the rest of the line goes */
} partial_line;

struct log_follow {
    loop_t *loop;
    exec_req *req;
    log_ring *ring;
    pending_line pending[PENDING_MAX];
    size_t npending, arrivals;
    uint64_t merge_timer;
    log_follow_fn changed;
    void *arg;
    partial_line out, err;
    char ended[520];
    bool ran; /* the command ran to its end: exit_status is its own */
    int exit_status;
};

/* `docker logs` of a container with its last `lines` lines and their
 * times, followed or not: compose's service when the host has compose =
 * and service is not "", else the container's own log. The docker = value
 * starts it as it starts every command for the engine (shell_quote_docker). */
static int docker_logs_command(const host_config *hc, const char *name, const char *service,
                               int lines, bool follow, char *out, size_t size)
{
    bool compose = hc->compose && service[0];
    const char *what = compose ? service : name;
    char opts[96];
    size_t len = 0;
    snprintf(opts, sizeof(opts), " --tail %d --timestamps%s ", lines, follow ? " --follow" : "");
    if (size)
        out[0] = '\0';
    bool ok = shell_quote_docker(out, size, &len, hc->docker);
    if (compose)
        ok = ok && shell_append(out, size, &len, " compose -f ") &&
             shell_quote_append(out, size, &len, hc->compose, strlen(hc->compose)) &&
             shell_append(out, size, &len, " logs --no-color");
    else
        ok = ok && shell_append(out, size, &len, " logs");
    ok = ok && shell_append(out, size, &len, opts) &&
         shell_quote_append(out, size, &len, what, strlen(what));
    return ok ? 0 : -1;
}

int log_follow_command(const host_config *hc, const container_info *c, char *out, size_t size)
{
    char logs[2048];
    if (docker_logs_command(hc, c->name, c->compose_service, LOG_TAIL_LINES, true, logs,
                            sizeof(logs)) < 0)
        return -1;
    /* `docker logs --follow` notices its reader is gone only when it next
     * writes, which on a quiet container is never: the shell keeps the
     * channel's stdin (fd 3) and, when it ends (the channel closed), stops
     * the command. The watcher's output goes nowhere, so it does not hold
     * the channel open after the command has ended by itself. */
    int n = snprintf(out, size,
                     "exec 3<&0; %s </dev/null & p=$!; "
                     "{ cat <&3 >/dev/null 2>&1; kill $p 2>/dev/null; } >/dev/null 2>&1 & "
                     "wait $p",
                     logs);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

int log_tail_command(const host_config *hc, const char *container, int lines, char *out,
                     size_t size)
{
    if (lines < 1 || lines > LOG_TAIL_LINES)
        return -1;
    return docker_logs_command(hc, container, "", lines, false, out, size);
}

static int by_time(const void *pa, const void *pb)
{
    const pending_line *a = pa, *b = pb;
    int c = log_line_time_cmp(a->raw, a->len, b->raw, b->len);
    if (c)
        return c;
    return a->arrival < b->arrival ? -1 : a->arrival > b->arrival;
}

static void flush_pending(log_follow *f)
{
    if (f->merge_timer)
        loop_timer_cancel(f->loop, f->merge_timer);
    f->merge_timer = 0;
    qsort(f->pending, f->npending, sizeof(f->pending[0]), by_time);
    for (size_t i = 0; i < f->npending; i++) {
        log_ring_push(f->ring, f->pending[i].raw, f->pending[i].len, f->pending[i].is_stderr);
        free(f->pending[i].raw);
    }
    f->npending = 0;
}

static void on_merge_timer(loop_t *loop, void *arg)
{
    log_follow *f = arg;
    f->merge_timer = 0;
    flush_pending(f);
    f->changed(f->arg);
}

static void add_line(log_follow *f, const char *raw, size_t len, bool is_stderr)
{
    if (f->npending == PENDING_MAX)
        flush_pending(f);
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return; /* the line is lost, the view goes on */
    memcpy(copy, raw, len);
    f->pending[f->npending++] = (pending_line){copy, len, is_stderr, f->arrivals++};
    if (!f->merge_timer)
        f->merge_timer = loop_timer_add(f->loop, MERGE_MS, on_merge_timer, f);
}

static void take_bytes(log_follow *f, partial_line *pl, const char *buf, size_t len, bool is_stderr)
{
    for (size_t i = 0; i < len; i++) {
        char ch = buf[i];
        if (ch == '\n') {
            if (pl->len && pl->buf[pl->len - 1] == '\r')
                pl->len--;
            add_line(f, pl->buf, pl->len, is_stderr);
            pl->len = 0;
            pl->dropping = false;
        } else if (pl->len < sizeof(pl->buf)) {
            pl->buf[pl->len++] = ch;
        } else {
            pl->dropping = true;
        }
    }
}

static void on_output(int stream, const char *buf, size_t len, void *arg)
{
    log_follow *f = arg;
    take_bytes(f, stream == 1 ? &f->out : &f->err, buf, len, stream == 2);
}

static void on_done(const exec_result *res, void *arg)
{
    log_follow *f = arg;
    f->req = NULL;
    /* a last line without its newline */
    if (f->out.len)
        take_bytes(f, &f->out, "\n", 1, false);
    if (f->err.len)
        take_bytes(f, &f->err, "\n", 1, true);
    flush_pending(f);
    f->ran = res->ran;
    f->exit_status = res->exit_status;
    if (!res->ran)
        snprintf(f->ended, sizeof(f->ended), "%s", res->error[0] ? res->error : "cut off");
    else
        snprintf(f->ended, sizeof(f->ended), "the log stream ended (exit %d)", res->exit_status);
    f->changed(f->arg);
}

static log_follow *follow_new(loop_t *loop, log_ring *ring, log_follow_fn changed, void *arg)
{
    log_follow *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->loop = loop;
    f->ring = ring;
    f->changed = changed;
    f->arg = arg;
    return f;
}

log_follow *log_follow_start(loop_t *loop, transport_t *t, const char *command, log_ring *ring,
                             log_follow_fn changed, void *arg)
{
    log_follow *f = follow_new(loop, ring, changed, arg);
    if (f)
        f->req = transport_stream(t, command, KEEP_FOR_DONE, on_done, on_output, f);
    if (f && !f->req) {
        free(f);
        return NULL;
    }
    return f;
}

log_follow *log_follow_once(loop_t *loop, transport_t *t, const char *command, int timeout_ms,
                            log_ring *ring, log_follow_fn changed, void *arg)
{
    log_follow *f = follow_new(loop, ring, changed, arg);
    if (f)
        f->req = transport_exec(t, command, KEEP_FOR_DONE, timeout_ms, on_done, on_output, f);
    if (f && !f->req) {
        free(f);
        return NULL;
    }
    return f;
}

const char *log_follow_ended(const log_follow *f)
{
    return f->ended;
}

bool log_follow_exit_status(const log_follow *f, int *exit_status)
{
    *exit_status = f->exit_status;
    return f->ran;
}

void log_follow_stop(log_follow *f)
{
    if (!f)
        return;
    if (f->req)
        transport_exec_cancel(f->req);
    if (f->merge_timer)
        loop_timer_cancel(f->loop, f->merge_timer);
    for (size_t i = 0; i < f->npending; i++)
        free(f->pending[i].raw);
    free(f);
}
