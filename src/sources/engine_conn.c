/* An HTTP connection to the Docker engine: the engine's Unix socket through
 * an SSH streamlocal tunnel, or `docker system dial-stdio`
 * (sources/engine_conn.h). */
#include "opsdeck/sources/engine_conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "opsdeck/parse/http_reader.h"

/* stderr kept for the reason an engine connection ended */
#define ERR_KEEP 4096
/* requests written but not yet taken by the socket: one or two GET lines */
#define OUT_MAX 4096

struct engine_conn {
    exec_req *req; /* dial-stdio */
    /* or a connected Unix socket: the tunnel's, or the engine's own on a
     * local host */
    transport_t *t;
    loop_t *loop;
    int fd;
    char remote[ENGINE_SOCKET_MAX]; /* the engine's socket on the host */
    int64_t opened_ms;
    char out[OUT_MAX];
    size_t out_len;
    engine_conn_events ev;
    void *arg;
    http_reader reader;
    bool over; /* ended was called (or is being): no more requests */
};

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

static void stop_watching(engine_conn *c)
{
    if (c->fd >= 0)
        loop_unwatch(c->loop, c->fd);
}

static void end(engine_conn *c, const char *why, bool refused)
{
    if (c->over)
        return;
    c->over = true;
    stop_watching(c);
    c->ev.ended(why, refused, c->arg);
}

static void on_done(const exec_result *res, void *arg)
{
    engine_conn *c = arg;
    c->req = NULL;
    char line[300], why[512];
    last_line(res->err ? res->err : "", res->err ? res->err_len : 0, line, sizeof(line));
    if (!res->ran)
        snprintf(why, sizeof(why), "%s", res->error[0] ? res->error : "the command did not run");
    else if (res->exit_status == 127)
        snprintf(why, sizeof(why), "docker command not found on the host: %s (exit 127)", line);
    else if (line[0])
        snprintf(why, sizeof(why), "%s (exit %d)", line, res->exit_status);
    else
        snprintf(why, sizeof(why), "the engine closed the connection (docker exited with %d)",
                 res->exit_status);
    end(c, why, false);
}

/* The owner's callbacks, until it muted the connection: one answer's bytes
 * may hold more callbacks than the owner still wants after a failure. */
static void w_head(int status, void *arg)
{
    engine_conn *c = arg;
    if (!c->over)
        c->ev.head(status, c->arg);
}

static void w_body(const char *buf, size_t len, void *arg)
{
    engine_conn *c = arg;
    if (!c->over)
        c->ev.body(buf, len, c->arg);
}

static void w_done(void *arg)
{
    engine_conn *c = arg;
    if (!c->over)
        c->ev.done(c->arg);
}

/* Decoded bytes to the owner; false when the connection is over. */
static bool feed(engine_conn *c, const char *buf, size_t len)
{
    static const http_reader_cb cb = {.head = w_head, .body = w_body, .done = w_done};
    if (http_reader_feed(&c->reader, buf, len, &cb, c) < 0) {
        char why[256];
        snprintf(why, sizeof(why), "the engine's answer is not HTTP: %s", c->reader.error);
        end(c, why, false);
    }
    return !c->over;
}

static void on_output(int stream, const char *buf, size_t len, void *arg)
{
    engine_conn *c = arg;
    if (stream != 1 || c->over)
        return; /* stderr is kept by the transport for on_done */
    feed(c, buf, len);
}

/* ---- over a Unix socket ---- */

static void socket_ended(engine_conn *c, int err)
{
    char why[512];
    if (transport_tunnel_unix_refused(c->t, c->remote, c->opened_ms, why, sizeof(why))) {
        end(c, why, true);
        return;
    }
    if (!transport_is_local(c->t) && transport_get_state(c->t) != TRANSPORT_UP &&
        transport_error(c->t)[0]) {
        /* the session went away under the tunnel: that is the reason */
        snprintf(why, sizeof(why), "%s", transport_error(c->t));
        end(c, why, false);
        return;
    }
    if (err)
        snprintf(why, sizeof(why), "the connection to the engine's socket %.300s failed: %s",
                 c->remote, strerror(err));
    else
        snprintf(why, sizeof(why), "the engine closed the connection (socket %.300s)", c->remote);
    end(c, why, false);
}

static void socket_watch(engine_conn *c);

static void on_socket_io(loop_t *loop, int fd, int revents, void *arg)
{
    engine_conn *c = arg;
    if (c->over) {
        stop_watching(c);
        return;
    }
    while (c->out_len) {
        ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n < 0) {
            socket_ended(c, errno);
            return;
        }
        memmove(c->out, c->out + n, c->out_len - (size_t)n);
        c->out_len -= (size_t)n;
    }
    char buf[16384];
    for (int rounds = 0; rounds < 16; rounds++) { /* then the loop's other users */
        ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
        if (n > 0) {
            if (!feed(c, buf, (size_t)n))
                return;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        socket_ended(c, n < 0 ? errno : 0);
        return;
    }
    socket_watch(c);
}

static void socket_watch(engine_conn *c)
{
    loop_watch(c->loop, c->fd, POLLIN | (c->out_len ? POLLOUT : 0), on_socket_io, c);
}

engine_conn *engine_conn_open_socket(transport_t *t, loop_t *loop, const char *path,
                                     const char *tunnel_name, const engine_conn_events *ev,
                                     void *arg, char *err, size_t errsize)
{
    const char *local = transport_tunnel_unix(t, path, tunnel_name);
    if (!local && !transport_is_local(t)) {
        snprintf(err, errsize, "%s", transport_error(t));
        return NULL;
    }
    if (!local)
        local = path; /* this machine: the engine's socket itself */
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    engine_conn *c = calloc(1, sizeof(*c));
    if (!c || strlen(local) >= sizeof(sa.sun_path) || strlen(path) >= sizeof(c->remote)) {
        snprintf(err, errsize, "%s", c ? "the socket path is too long" : "out of memory");
        free(c);
        return NULL;
    }
    memcpy(sa.sun_path, local, strlen(local) + 1);
    c->t = t;
    c->loop = loop;
    c->ev = *ev;
    c->arg = arg;
    c->opened_ms = loop_now_ms(loop);
    snprintf(c->remote, sizeof(c->remote), "%s", path);
    http_reader_init(&c->reader);
    /* a Unix socket's connect ends at once (or fails with EAGAIN when its
     * backlog is full: failed too, tried again later by the owner) */
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        snprintf(err, errsize, "cannot connect to %s: %s", local, strerror(errno));
        if (c->fd >= 0)
            close(c->fd);
        free(c);
        return NULL;
    }
    socket_watch(c);
    return c;
}

engine_conn *engine_conn_open(transport_t *t, const char *command, const engine_conn_events *ev,
                              void *arg)
{
    engine_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->fd = -1;
    c->ev = *ev;
    c->arg = arg;
    http_reader_init(&c->reader);
    c->req = transport_stream(t, command, ERR_KEEP, on_done, on_output, c);
    if (!c->req) {
        free(c);
        return NULL;
    }
    return c;
}

int engine_conn_get(engine_conn *c, const char *path)
{
    char head[1024];
    int n = snprintf(head, sizeof(head), "GET %s HTTP/1.1\r\nHost: docker\r\n\r\n", path);
    if (c->over || n < 0 || (size_t)n >= sizeof(head))
        return -1;
    if (c->fd < 0)
        return c->req ? transport_exec_write(c->req, head, (size_t)n) : -1;
    if ((size_t)n > sizeof(c->out) - c->out_len)
        return -1;
    memcpy(c->out + c->out_len, head, (size_t)n);
    c->out_len += (size_t)n;
    socket_watch(c); /* written when the socket takes it, from the loop */
    return 0;
}

bool engine_conn_is_socket(const engine_conn *c)
{
    return c && c->fd >= 0;
}

void engine_conn_mute(engine_conn *c)
{
    if (!c)
        return;
    c->over = true;
    stop_watching(c);
}

void engine_conn_close(engine_conn *c)
{
    if (!c)
        return;
    if (c->req)
        transport_exec_cancel(c->req);
    if (c->fd >= 0) {
        stop_watching(c);
        close(c->fd);
    }
    free(c);
}
