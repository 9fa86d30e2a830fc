/* The transport object: its state, its exec requests, and the split
 * between this machine (local.c) and a host over SSH (ssh_*.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport_internal.h"

const char *transport_state_name(transport_state state)
{
    static const char *const names[] = {"idle", "connecting", "waiting", "up", "down"};
    return state <= TRANSPORT_DOWN ? names[state] : "?";
}

transport_t *transport_new(loop_t *loop, const host_config *host, const transport_options *opts,
                           const transport_events *events, void *arg)
{
    transport_t *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->loop = loop;
    t->host = host;
    t->opts = *opts;
    if (t->opts.connect_timeout_ms <= 0)
        t->opts.connect_timeout_ms = 10000;
    if (t->opts.keepalive_s <= 0)
        t->opts.keepalive_s = 15;
    if (t->opts.silence_ms <= 0)
        t->opts.silence_ms = 3000;
    if (events)
        t->events = *events;
    t->arg = arg;
    t->fd = -1;
    t->local = host->ssh == NULL;
    t->backoff_ms = BACKOFF_FIRST_MS;
    snprintf(t->remote_user, sizeof(t->remote_user), "%s", t->local ? "" : host->ssh_user);
    return t;
}

void transport_set_state(transport_t *t, transport_state state)
{
    t->state = state;
    if (state != TRANSPORT_DOWN)
        t->error[0] = '\0';
    if (!t->freeing && t->events.state_changed)
        t->events.state_changed(t, t->arg);
}

void transport_fail(transport_t *t, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(t->error, sizeof(t->error), "%s: ssh: %s", t->host->name, msg);
    snprintf(t->reason, sizeof(t->reason), "%s", msg);
    t->state = TRANSPORT_DOWN;
    exec_fail_all(t, t->error);
    if (!t->freeing && t->events.state_changed)
        t->events.state_changed(t, t->arg);
}

void transport_start(transport_t *t)
{
    if (t->local) {
        transport_set_state(t, TRANSPORT_UP);
        return;
    }
    ssh_start(t);
}

transport_state transport_get_state(const transport_t *t)
{
    return t->state;
}

const char *transport_error(const transport_t *t)
{
    return t->error;
}

const char *transport_remote_user(const transport_t *t)
{
    return t->remote_user;
}

const char *transport_silence(const transport_t *t)
{
    return t->state == TRANSPORT_UP ? t->silence : "";
}

bool transport_is_local(const transport_t *t)
{
    return t->local;
}

void transport_reconnect(transport_t *t)
{
    if (t->local)
        return;
    ssh_stop(t); /* the session, the reconnect timer */
    char why[400];
    snprintf(why, sizeof(why), "%s: ssh: cut off: reconnecting", t->host->name);
    exec_fail_all(t, why);
    t->no_retry = false;
    t->backoff_ms = BACKOFF_FIRST_MS;
    ssh_start(t);
}

void transport_hostkey_answer(transport_t *t, bool accept)
{
    if (!t->local)
        ssh_hostkey_answer(t, accept);
}

void transport_passphrase(transport_t *t, const char *passphrase)
{
    if (!t->local)
        ssh_passphrase(t, passphrase);
}

/* ---- exec requests ---- */

void exec_list_remove(exec_req **list, exec_req *req)
{
    for (exec_req **p = list; *p; p = &(*p)->next) {
        if (*p == req) {
            *p = req->next;
            req->next = NULL;
            return;
        }
    }
}

static void list_append(exec_req **list, exec_req *req)
{
    while (*list)
        list = &(*list)->next;
    req->next = NULL;
    *list = req;
}

static void on_exec_timeout(loop_t *loop, void *arg);

/* Output past the cap that nobody follows (no output callback) is of no
 * use: rather than read an endless answer until the timeout, the command
 * is stopped at once (from the loop, not from inside the read) and the
 * result says why. */
static void stop_overflowing(exec_req *req)
{
    transport_t *t = req->t;
    if (req->res.error[0])
        return; /* already stopping */
    snprintf(req->res.error, sizeof(req->res.error),
             "%s: output over %zu bytes: the command was stopped", t->host->name, req->out_cap);
    if (req->timer)
        loop_timer_cancel(t->loop, req->timer);
    req->timer = loop_timer_add(t->loop, 0, on_exec_timeout, req);
}

void exec_append(exec_req *req, int stream, const char *buf, size_t len)
{
    exec_result *r = &req->res;
    char **dst = stream == 1 ? &r->out : &r->err;
    size_t *dlen = stream == 1 ? &r->out_len : &r->err_len;
    bool *trunc = stream == 1 ? &r->out_truncated : &r->err_truncated;
    size_t room = req->out_cap - *dlen;
    size_t take = len < room ? len : room;
    if (take < len) {
        *trunc = true;
        if (!req->output)
            stop_overflowing(req);
    }
    if (take) {
        memcpy(*dst + *dlen, buf, take);
        *dlen += take;
        (*dst)[*dlen] = '\0';
    }
    if (req->output && len)
        req->output(stream, buf, len, req->arg);
}

void exec_complete(exec_req *req)
{
    transport_t *t = req->t;
    if (req->timer)
        loop_timer_cancel(t->loop, req->timer);
    req->res.duration_s = (double)(loop_update_time(t->loop) - req->asked_ms) / 1000.0;
    if (req->done)
        req->done(&req->res, req->arg);
    free(req->res.out);
    free(req->res.err);
    free(req->command);
    free(req->in);
    free(req);
}

/* Takes a request off every list and stops whatever runs it. */
static void exec_abandon(exec_req *req)
{
    transport_t *t = req->t;
    exec_list_remove(&t->queue, req);
    exec_list_remove(&t->running, req);
    if (t->local)
        local_exec_cancel(req);
    else
        ssh_exec_cancel(req);
}

static void on_exec_timeout(loop_t *loop, void *arg)
{
    exec_req *req = arg;
    transport_t *t = req->t;
    req->timer = 0;
    int64_t limit = loop_now_ms(loop) - req->asked_ms;
    if (!req->res.error[0]) /* a request refused at once keeps its reason */
        snprintf(req->res.error, sizeof(req->res.error), "%s: timed out after %.1f s",
                 t->host->name, (double)limit / 1000.0);
    req->res.ran = false;
    exec_abandon(req);
    exec_complete(req);
}

static exec_req *exec_new(transport_t *t, const char *command, size_t out_cap, int timeout_ms,
                          exec_done_fn done, exec_output_fn output, void *arg, bool stream,
                          bool subsystem)
{
    exec_req *req = calloc(1, sizeof(*req));
    if (!req)
        return NULL;
    req->t = t;
    req->command = strdup(command);
    req->out_cap = out_cap;
    req->res.out = malloc(out_cap + 1);
    req->res.err = malloc(out_cap + 1);
    if (!req->command || !req->res.out || !req->res.err) {
        free(req->command);
        free(req->res.out);
        free(req->res.err);
        free(req);
        return NULL;
    }
    req->res.out[0] = req->res.err[0] = '\0';
    req->done = done;
    req->output = output;
    req->arg = arg;
    req->pidfd = req->out_fd = req->err_fd = req->in_fd = -1;
    req->keep_stdin = stream;
    req->subsystem = subsystem;
    req->asked_ms = loop_update_time(t->loop);
    /* a stream has no deadline: its owner watches it for stalls */
    req->timer = stream ? 0 : loop_timer_add(t->loop, timeout_ms, on_exec_timeout, req);
    if (t->local) {
        list_append(&t->running, req);
        local_exec_start(req);
        return req;
    }
    if (t->state == TRANSPORT_DOWN) {
        /* fail from the loop, not from inside the caller */
        snprintf(req->res.error, sizeof(req->res.error), "%s", t->error);
        if (req->timer)
            loop_timer_cancel(t->loop, req->timer);
        req->timer = loop_timer_add(t->loop, 0, on_exec_timeout, req);
        list_append(&t->queue, req);
        return req;
    }
    req->phase = CH_QUEUED;
    list_append(&t->queue, req);
    if (t->state == TRANSPORT_UP)
        ssh_drive(t);
    return req;
}

exec_req *transport_exec(transport_t *t, const char *command, size_t out_cap, int timeout_ms,
                         exec_done_fn done, exec_output_fn output, void *arg)
{
    return exec_new(t, command, out_cap, timeout_ms, done, output, arg, false, false);
}

exec_req *transport_stream(transport_t *t, const char *command, size_t out_cap, exec_done_fn done,
                           exec_output_fn output, void *arg)
{
    return exec_new(t, command, out_cap, 0, done, output, arg, true, false);
}

exec_req *transport_subsystem(transport_t *t, const char *name, size_t out_cap, exec_done_fn done,
                              exec_output_fn output, void *arg)
{
    if (t->local)
        return NULL;
    return exec_new(t, name, out_cap, 0, done, output, arg, true, true);
}

int transport_exec_write(exec_req *req, const char *buf, size_t len)
{
    if (!req->keep_stdin || len > EXEC_INPUT_MAX - req->in_len)
        return -1;
    if (!req->in) {
        req->in = malloc(EXEC_INPUT_MAX);
        if (!req->in)
            return -1;
    }
    memcpy(req->in + req->in_len, buf, len);
    req->in_len += len;
    if (req->t->local)
        local_exec_flush_input(req);
    else if (req->t->state == TRANSPORT_UP)
        ssh_drive(req->t);
    return 0;
}

void transport_exec_cancel(exec_req *req)
{
    exec_abandon(req);
    req->done = NULL;
    exec_complete(req);
}

void exec_fail_all(transport_t *t, const char *why)
{
    while (t->queue || t->running) {
        exec_req *req = t->queue ? t->queue : t->running;
        exec_list_remove(req == t->queue ? &t->queue : &t->running, req);
        if (!t->local)
            ssh_exec_cancel(req);
        req->res.ran = false;
        snprintf(req->res.error, sizeof(req->res.error), "%s", why);
        exec_complete(req);
    }
}

const char *transport_tunnel(transport_t *t, const char *host, int port, const char *name)
{
    if (t->local)
        return NULL;
    return ssh_tunnel_open(t, host, port, name);
}

bool transport_tunnel_refused(const transport_t *t, const char *host, int port, int64_t since_ms,
                              char *why, size_t size)
{
    return !t->local && ssh_tunnel_refused(t, host, port, since_ms, why, size);
}

const char *transport_tunnel_unix(transport_t *t, const char *path, const char *name)
{
    if (t->local)
        return NULL;
    return ssh_tunnel_open(t, path, TUNNEL_UNIX, name);
}

bool transport_tunnel_unix_refused(const transport_t *t, const char *path, int64_t since_ms,
                                   char *why, size_t size)
{
    return !t->local && ssh_tunnel_refused(t, path, TUNNEL_UNIX, since_ms, why, size);
}

void transport_free(transport_t *t)
{
    if (!t)
        return;
    t->freeing = true;
    if (t->local) {
        while (t->running) {
            exec_req *req = t->running;
            exec_list_remove(&t->running, req);
            local_exec_cancel(req);
            snprintf(req->res.error, sizeof(req->res.error), "%s: opsdeck is closing",
                     t->host->name);
            exec_complete(req);
        }
    } else {
        char why[300];
        snprintf(why, sizeof(why), "%s: opsdeck is closing", t->host->name);
        exec_fail_all(t, why);
        ssh_tunnel_free_all(t);
        ssh_stop(t);
        ssh_jump_release(t);
    }
    free(t->pending_key);
    free(t);
}
