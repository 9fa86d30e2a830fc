/* The containers source: per refresh, one exec on the host's transport of
 * the command parse/docker_json.h builds from the host's `docker =` value,
 * its output parsed into the model.
 *
 * A failure says which of the usual ones it is, in docker's own words:
 * "Cannot connect to the Docker daemon at unix:///... (exit 1)", the docker
 * command not found (exit 127), a timeout, output cut off. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/parse/docker_json.h"
#include "opsdeck/sources/source.h"

/* docker stats --no-stream alone samples for about two seconds */
#define MIN_TIMEOUT_MS 10000

typedef struct containers_state {
    const source_ctx *ctx;
    exec_req *req; /* the refresh in flight */
    bool busy;     /* a refresh is in flight: its done will call attempt_done */
    char command[4096];
    bool command_ok;
} containers_state;

static bool containers_enabled(const host_config *host)
{
    (void)host; /* docker = has a default: every reachable host has containers */
    return true;
}

static void *containers_start(const source_ctx *ctx)
{
    containers_state *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->ctx = ctx;
    st->command_ok =
        docker_status_command(ctx->host->config->docker, st->command, sizeof(st->command)) >= 0;
    return st;
}

/* The last non-empty line of stderr: after sudo's or ssh's warnings, it is
 * the one that says what went wrong. */
static void last_line(const char *err, size_t len, char *out, size_t size)
{
    size_t end = len;
    while (end > 0 && (err[end - 1] == '\n' || err[end - 1] == '\r' || err[end - 1] == ' '))
        end--;
    size_t start = end;
    while (start > 0 && err[start - 1] != '\n')
        start--;
    snprintf(out, size, "%.*s", (int)(end - start), err + start);
}

static void fail(containers_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(containers_state *st, const char *fmt, ...)
{
    const source_ctx *ctx = st->ctx;
    char why[MODEL_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    model_source_failed(ctx->model, ctx->host, SRC_CONTAINERS, loop_wall_time(),
                        "%s: containers: %s", ctx->host->config->name, why);
}

/* An exit status other than 0 is the docker ps at the start: the engine
 * could not be asked at all. */
static void report_exit(containers_state *st, const exec_result *res)
{
    char line[200];
    last_line(res->err ? res->err : "", res->err ? res->err_len : 0, line, sizeof(line));
    if (res->exit_status == 127)
        fail(st, "docker command not found on the host: %s (exit 127)", line);
    else if (line[0])
        fail(st, "%s (exit %d)", line, res->exit_status);
    else
        fail(st, "docker exited with status %d and said nothing", res->exit_status);
}

static void publish(containers_state *st, const exec_result *res)
{
    const source_ctx *ctx = st->ctx;
    docker_parse_result pr;
    if (docker_parse_output(res->out ? res->out : "", res->out ? res->out_len : 0, &pr) < 0) {
        fail(st, "%s", pr.error);
        return;
    }
    model_set_containers(ctx->model, ctx->host, pr.items, pr.count);
    if (pr.skipped) {
        /* the list shown is incomplete: that must not look like a good sample */
        fail(st, "%zu container(s) unreadable: %s", pr.skipped, pr.warning);
        return;
    }
    model_source_ok(ctx->model, ctx->host, SRC_CONTAINERS, loop_wall_time());
}

static void on_exec_done(const exec_result *res, void *arg)
{
    containers_state *st = arg;
    st->req = NULL;
    st->busy = false;
    if (!res->ran)
        fail(st, "%s", res->error[0] ? res->error : "the command did not run");
    else if (res->out_truncated)
        fail(st, "output over %zu MiB: refused", DOCKER_OUTPUT_MAX >> 20);
    else if (res->exit_status != 0)
        report_exit(st, res);
    else
        publish(st, res);
    st->ctx->attempt_done(st->ctx, SRC_CONTAINERS);
}

static void containers_tick(void *state)
{
    containers_state *st = state;
    const source_ctx *ctx = st->ctx;
    if (st->busy)
        return; /* the refresh in flight will call attempt_done */
    if (!st->command_ok) {
        fail(st, "the docker value is too long (the command must fit in %zu bytes)",
             sizeof(st->command));
        ctx->attempt_done(ctx, SRC_CONTAINERS);
        return;
    }
    int timeout_ms = 3 * 1000 * (ctx->interval_s > 0 ? ctx->interval_s : 1);
    if (timeout_ms < MIN_TIMEOUT_MS)
        timeout_ms = MIN_TIMEOUT_MS;
    /* done may come before transport_exec returns (a request refused at
     * once): busy tells whether the request is still ours to keep */
    st->busy = true;
    exec_req *req = transport_exec(ctx->transport, st->command, DOCKER_OUTPUT_MAX, timeout_ms,
                                   on_exec_done, NULL, st);
    if (!st->busy)
        return;
    st->req = req;
    if (!req) {
        st->busy = false;
        fail(st, "cannot run a command: %s", transport_error(ctx->transport));
        ctx->attempt_done(ctx, SRC_CONTAINERS);
    }
}

static void containers_stop(void *state)
{
    containers_state *st = state;
    if (!st)
        return;
    if (st->busy && st->req)
        transport_exec_cancel(st->req);
    free(st);
}

const source_ops containers_source = {
    .kind = SRC_CONTAINERS,
    .enabled = containers_enabled,
    .start = containers_start,
    .tick = containers_tick,
    .stop = containers_stop,
};
