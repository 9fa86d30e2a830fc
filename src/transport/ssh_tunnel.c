/* Tunnels: a Unix socket in the private runtime directory (0700, no TCP
 * listener anywhere) for each (host, port) a source asks for; every local
 * connection to it gets its own direct-tcpip channel to host:port as seen
 * from the remote host (or, for a tunnel to a Unix socket on the host, a
 * direct-streamlocal@openssh.com channel to that path), and bytes are
 * pumped both ways through bounded buffers. A client that connects while the session is still
 * coming up waits for it; when the session goes away, its clients are closed (they see the
 * connection end and report it). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "transport_internal.h"

#define MAX_CLIENTS_PER_TUNNEL 32

typedef enum { TC_WAITING, TC_OPENING, TC_PUMPING } tc_phase;

struct tunnel_client {
    tunnel *tun;
    int fd;
    tc_phase phase;
    LIBSSH2_CHANNEL *channel;
    char up[TUNNEL_BUF]; /* local -> remote */
    size_t up_len, up_off;
    char down[TUNNEL_BUF]; /* remote -> local */
    size_t down_len, down_off;
    bool local_eof, remote_eof, eof_sent, local_shut;
    bool local_half_shut; /* the client shut its writing before the channel opened */
    uint64_t seq;         /* order of arrival: channels open newest first */
    /* the local socket may have bytes: poll() said so since recv() last
     * found none. Every client is pumped whenever the session moves, and
     * recv() on each idle one was most of the console's system calls. */
    bool readable;
    /* a pipe (ssh_tunnel_pipe): who is told when it ends, and why */
    pipe_closed_fn closed;
    void *closed_arg;
    char why[300];
    tunnel_client *next;
};

static void on_client_io(loop_t *loop, int fd, int revents, void *arg);

/* A tunnel that cannot be made is the source's problem, not the session's:
 * the error is set, the state left alone. */
static void __attribute__((format(printf, 2, 3))) tunnel_error(transport_t *t, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(t->error, sizeof(t->error), "%s: %s", t->host->name, msg);
}

static void client_close(tunnel_client *c)
{
    tunnel *tun = c->tun;
    transport_t *t = tun->t;
    for (tunnel_client **p = &tun->clients; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            break;
        }
    }
    if (t->writer == c)
        t->writer = NULL;
    if (t->opening == c) {
        t->opening = &t->orphan_open;
        t->orphan_open = tun->port == TUNNEL_UNIX ? 3 : 2;
    }
    ssh_channel_discard(t, c->channel);
    loop_unwatch(t->loop, c->fd);
    close(c->fd);
    if (c->closed)
        c->closed(c->closed_arg, c->why);
    free(c);
}

static void client_watch(tunnel_client *c)
{
    short events = 0;
    if (c->phase == TC_PUMPING && !c->local_eof && c->up_len < sizeof(c->up))
        events |= POLLIN;
    /* before its channel is open, whether the local client is still there
     * (its bytes wait in the socket: POLLIN would wake the loop for them;
     * POLLRDHUP wakes it when the client shuts down, POLLHUP comes with it
     * when the client closed) */
    if (c->phase != TC_PUMPING && !c->local_half_shut)
        events |= POLLRDHUP;
    if (c->down_len > c->down_off)
        events |= POLLOUT;
    loop_watch(c->tun->t->loop, c->fd, events, on_client_io, c);
}

static void on_client_io(loop_t *loop, int fd, int revents, void *arg)
{
    tunnel_client *c = arg;
    transport_t *t = c->tun->t;
    if (c->phase != TC_PUMPING && (revents & (POLLHUP | POLLERR))) {
        /* gone before its channel opened (its request timed out while the
         * opens queued: one at a time per session, a round trip each):
         * opening one for it would only hold up the clients still waiting */
        client_close(c);
        return;
    }
    if (c->phase != TC_PUMPING && (revents & POLLRDHUP)) {
        c->local_half_shut = true; /* only shut its writing: still waits for the answer */
        client_watch(c);
    }
    if (revents & (POLLIN | POLLHUP | POLLERR | POLLRDHUP))
        c->readable = true;
    if (t->state != TRANSPORT_UP) {
        client_watch(c);
        return;
    }
    ssh_drive(t);
}

static void on_accept(loop_t *loop, int fd, int revents, void *arg)
{
    tunnel *tun = arg;
    transport_t *t = tun->t;
    for (;;) {
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0)
            return;
        int n = 0;
        for (tunnel_client *c = tun->clients; c; c = c->next)
            n++;
        tunnel_client *c =
            n < MAX_CLIENTS_PER_TUNNEL && t->state != TRANSPORT_DOWN ? calloc(1, sizeof(*c)) : NULL;
        if (!c) {
            close(cfd); /* the client sees the connection end at once */
            continue;
        }
        c->tun = tun;
        c->fd = cfd;
        c->readable = true;
        c->phase = TC_WAITING;
        c->seq = ++t->client_seq;
        c->next = tun->clients;
        tun->clients = c;
        client_watch(c);
        if (t->state == TRANSPORT_UP)
            ssh_drive(t);
    }
}

/* Creates each directory of rel under base, 0700. */
static int make_dirs(const char *base, const char *rel, char *err, size_t errsize)
{
    char path[512];
    int n = snprintf(path, sizeof(path), "%s/%s", base, rel);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        snprintf(err, errsize, "tunnel path too long");
        return -1;
    }
    for (char *p = path + strlen(base) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        if (mkdir(path, 0700) < 0 && errno != EEXIST) {
            snprintf(err, errsize, "cannot create %s: %s", path, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    return 0;
}

const char *ssh_tunnel_open(transport_t *t, const char *host, int port, const char *name)
{
    for (tunnel *tun = t->tunnels; tun; tun = tun->next)
        if (tun->listen_fd >= 0 && tun->port == port && strcmp(tun->host, host) == 0 &&
            strcmp(tun->name, name) == 0)
            return tun->path;
    char err[600];
    if (!t->opts.runtime_dir || strstr(name, "..")) {
        tunnel_error(t, "no private directory for tunnels");
        return NULL;
    }
    if (port == TUNNEL_UNIX && strlen(host) > TUNNEL_UNIX_PATH_MAX) {
        tunnel_error(t, "the host's socket path is too long: %s", host);
        return NULL;
    }
    char rel[400];
    snprintf(rel, sizeof(rel), "%s/%s", t->host->name, name);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", t->opts.runtime_dir, rel);
    if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
        tunnel_error(t, "tunnel socket path too long: %s/%s", t->opts.runtime_dir, rel);
        return NULL;
    }
    if (make_dirs(t->opts.runtime_dir, rel, err, sizeof(err)) < 0) {
        tunnel_error(t, "%s", err);
        return NULL;
    }
    tunnel *tun = calloc(1, sizeof(*tun));
    if (!tun)
        return NULL;
    tun->t = t;
    tun->host = strdup(host);
    tun->name = strdup(name);
    tun->port = port;
    snprintf(tun->path, sizeof(tun->path), "%s", sa.sun_path);
    unlink(tun->path); /* a socket left by an opsdeck that was killed */
    tun->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (!tun->host || !tun->name || tun->listen_fd < 0 ||
        bind(tun->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        chmod(tun->path, 0600) < 0 || listen(tun->listen_fd, 16) < 0) {
        tunnel_error(t, "cannot listen on %s: %s", tun->path, strerror(errno));
        if (tun->listen_fd >= 0)
            close(tun->listen_fd);
        free(tun->host);
        free(tun->name);
        free(tun);
        return NULL;
    }
    loop_watch(t->loop, tun->listen_fd, POLLIN, on_accept, tun);
    tun->next = t->tunnels;
    t->tunnels = tun;
    return tun->path;
}

/* 2 the client is gone, 1 moved, 0 waits, -1 the session failed */
static int pump(tunnel_client *c)
{
    transport_t *t = c->tun->t;
    int moved = 0;
    /* local -> buffer */
    while (c->readable && !c->local_eof && c->up_len < sizeof(c->up)) {
        ssize_t n = recv(c->fd, c->up + c->up_len, sizeof(c->up) - c->up_len, 0);
        if (n > 0) {
            c->up_len += (size_t)n;
            moved = 1;
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            c->local_eof = true;
            moved = 1;
        } else if (errno == EAGAIN) {
            c->readable = false;
            break;
        }
    }
    /* buffer -> channel */
    while (c->up_off < c->up_len) {
        ssize_t n = libssh2_channel_write(c->channel, c->up + c->up_off, c->up_len - c->up_off);
        if (n == LIBSSH2_ERROR_EAGAIN) {
            ssh_note_blocked(t, c);
            break;
        }
        if (n < 0)
            return ssh_error_is_fatal((int)n) ? -1 : (client_close(c), 2);
        c->up_off += (size_t)n;
        moved = 1;
    }
    if (c->up_off == c->up_len)
        c->up_off = c->up_len = 0;
    if (c->local_eof && c->up_len == 0 && !c->eof_sent) {
        int rc = libssh2_channel_send_eof(c->channel);
        if (rc == LIBSSH2_ERROR_EAGAIN)
            ssh_note_blocked(t, c);
        else if (rc < 0 && ssh_error_is_fatal(rc))
            return -1;
        else
            c->eof_sent = true;
    }
    /* channel -> buffer. A channel read first reads the session's socket
     * until it is dry, queueing every channel's packets: one such read per
     * pass is enough, and the other channels are read only when a packet of
     * theirs (or their end) is queued, with no recv() each. The queue is
     * asked through window_read_ex, which skips other packets (a keepalive's
     * reply); libssh2_poll_channel_read fails on the first short one. */
    if (c->down_off == c->down_len)
        c->down_off = c->down_len = 0;
    while (!c->remote_eof && c->down_len < sizeof(c->down)) {
        unsigned long queued = 0;
        if (t->socket_read) {
            libssh2_channel_window_read_ex(c->channel, &queued, NULL);
            if (!queued && !libssh2_channel_eof(c->channel))
                break;
        }
        t->socket_read = true;
        ssize_t n =
            libssh2_channel_read(c->channel, c->down + c->down_len, sizeof(c->down) - c->down_len);
        if (n > 0) {
            c->down_len += (size_t)n;
            moved = 1;
            continue;
        }
        if (n < 0 && n != LIBSSH2_ERROR_EAGAIN)
            return ssh_error_is_fatal((int)n) ? -1 : (client_close(c), 2);
        if (libssh2_channel_eof(c->channel)) {
            c->remote_eof = true;
            moved = 1;
        }
        break;
    }
    /* buffer -> local */
    while (c->down_off < c->down_len) {
        ssize_t n = send(c->fd, c->down + c->down_off, c->down_len - c->down_off, MSG_NOSIGNAL);
        if (n > 0) {
            c->down_off += (size_t)n;
            moved = 1;
        } else if (n < 0 && errno == EAGAIN) {
            break;
        } else if (n < 0 && errno != EINTR) {
            client_close(c); /* the local client went away */
            return 2;
        }
    }
    if (c->remote_eof && c->down_off == c->down_len && !c->local_shut) {
        shutdown(c->fd, SHUT_WR);
        c->local_shut = true;
    }
    if (c->local_shut && c->local_eof && c->eof_sent) {
        client_close(c);
        return 2;
    }
    client_watch(c);
    return moved;
}

/* "127.0.0.1:5432", or a socket's path for a tunnel to a Unix socket */
static void tunnel_target(const tunnel *tun, char *buf, size_t size)
{
    if (tun->port == TUNNEL_UNIX)
        snprintf(buf, size, "%s", tun->host);
    else
        snprintf(buf, size, "%s:%d", tun->host, tun->port);
}

/* The words for a channel open the host's sshd refused. libssh2 keeps only
 * the reason code's name ("Channel open failure (connect failed)"), not
 * the server's text: "connect failed" is the host's connect() to the
 * target failing, which on a host's own service means nothing listens (on
 * a Unix socket: no such socket, nothing listening, or no permission for
 * the login user). */
static void tunnel_refusal(tunnel *tun, const char *libssh2_msg)
{
    transport_t *t = tun->t;
    const char *msg = libssh2_msg && *libssh2_msg ? libssh2_msg : "channel refused";
    char target[200];
    tunnel_target(tun, target, sizeof(target));
    const char *what = tun->port == TUNNEL_UNIX ? "unix socket forwarding" : "forwarding";
    if (strstr(msg, "connect failed") && tun->port == TUNNEL_UNIX)
        snprintf(tun->refused, sizeof(tun->refused),
                 "%s not reached by the sshd of %s (no such socket, nothing listening, or "
                 "no permission for the login user; through ssh)",
                 target, t->host->name);
    else if (strstr(msg, "connect failed"))
        snprintf(tun->refused, sizeof(tun->refused), "connection refused by %s on %s (through ssh)",
                 target, t->host->name);
    else if (strstr(msg, "administratively prohibited"))
        snprintf(tun->refused, sizeof(tun->refused),
                 "%s to %s refused by the sshd of %s (administratively prohibited; through ssh)",
                 what, target, t->host->name);
    else
        snprintf(tun->refused, sizeof(tun->refused), "%s not reached from %s: %s (through ssh)",
                 target, t->host->name, msg);
    tun->refused_ms = loop_now_ms(t->loop);
}

bool ssh_tunnel_refused(const transport_t *t, const char *host, int port, int64_t since_ms,
                        char *why, size_t size)
{
    for (const tunnel *tun = t->tunnels; tun; tun = tun->next)
        if (tun->refused[0] && tun->refused_ms >= since_ms && tun->port == port &&
            strcmp(tun->host, host) == 0) {
            snprintf(why, size, "%s", tun->refused);
            return true;
        }
    return false;
}

LIBSSH2_CHANNEL *ssh_tunnel_channel_open(transport_t *t, const char *host, int port)
{
    if (port != TUNNEL_UNIX)
        return libssh2_channel_direct_tcpip_ex(t->session, host, port, "127.0.0.1", 0);
    /* libssh2 1.10 has no call for it: the open's type-specific part, as
     * OpenSSH's PROTOCOL (2.4) says, is string socket path, string reserved
     * (""), uint32 reserved (0); an SSH string is a big-endian uint32
     * length and the bytes. sshd checks that nothing else follows. */
    unsigned char msg[4 + TUNNEL_UNIX_PATH_MAX + 4 + 4];
    size_t len = strlen(host);
    if (len > TUNNEL_UNIX_PATH_MAX)
        len = TUNNEL_UNIX_PATH_MAX; /* refused by ssh_tunnel_open: never here */
    msg[0] = (unsigned char)(len >> 24);
    msg[1] = (unsigned char)(len >> 16);
    msg[2] = (unsigned char)(len >> 8);
    msg[3] = (unsigned char)len;
    memcpy(msg + 4, host, len);
    memset(msg + 4 + len, 0, 8); /* the empty reserved string and the reserved 0 */
    static const char type[] = "direct-streamlocal@openssh.com";
    return libssh2_channel_open_ex(t->session, type, sizeof(type) - 1,
                                   LIBSSH2_CHANNEL_WINDOW_DEFAULT, LIBSSH2_CHANNEL_PACKET_DEFAULT,
                                   (const char *)msg, (unsigned int)(4 + len + 8));
}

/* The client of every tunnel that came last: opens go one at a time, a
 * round trip each, so on a slow link the clients queue, and their requests
 * time out while they wait. The newest has the most of its time left: its
 * request is answered, its connection kept, and its source done with
 * waiting; the oldest would be opened just in time to be given up on, one
 * after the other. A client that gives up is dropped without its open
 * (on_client_io). */
static const tunnel_client *newest_waiting(const transport_t *t)
{
    const tunnel_client *newest = NULL;
    for (const tunnel *tun = t->tunnels; tun; tun = tun->next)
        for (const tunnel_client *c = tun->clients; c; c = c->next)
            if (c->phase == TC_WAITING && (!newest || c->seq > newest->seq))
                newest = c;
    return newest;
}

static int drive_client(tunnel_client *c)
{
    transport_t *t = c->tun->t;
    if (c->phase == TC_WAITING) {
        if (t->opening || newest_waiting(t) != c)
            return 0;
        t->opening = c;
        c->phase = TC_OPENING;
    }
    if (c->phase == TC_OPENING) {
        c->channel = ssh_tunnel_channel_open(t, c->tun->host, c->tun->port);
        if (!c->channel) {
            int rc = libssh2_session_last_errno(t->session);
            if (rc == LIBSSH2_ERROR_EAGAIN) {
                ssh_note_blocked(t, c);
                return 0;
            }
            t->opening = NULL;
            if (ssh_error_is_fatal(rc))
                return -1;
            char *msg = NULL;
            libssh2_session_last_error(t->session, &msg, NULL, 0);
            char target[200];
            tunnel_target(c->tun, target, sizeof(target));
            snprintf(c->why, sizeof(c->why), "%s cannot reach %s: %s", t->host->name, target,
                     msg && *msg ? msg : "channel refused");
            tunnel_refusal(c->tun, msg);
            client_close(c); /* refused on the far side: the client sees it end */
            return 2;
        }
        t->opening = NULL;
        c->phase = TC_PUMPING;
        c->readable = true; /* what the client sent while it waited */
    }
    return pump(c);
}

int ssh_tunnel_drive(transport_t *t)
{
    int moved = 0;
again:
    for (tunnel *tun = t->tunnels; tun; tun = tun->next) {
        for (tunnel_client *c = tun->clients; c; c = c->next) {
            if (!ssh_may_drive(t, c))
                continue;
            int rc = drive_client(c);
            if (rc < 0)
                return -1;
            if (rc > 0)
                moved = 1;
            if (rc == 2)
                goto again;
        }
    }
    return moved;
}

void ssh_tunnel_drop_clients(transport_t *t)
{
    for (tunnel *tun = t->tunnels; tun; tun = tun->next) {
        while (tun->clients) {
            tunnel_client *c = tun->clients;
            c->channel = NULL; /* the session frees its channels */
            if (t->opening == c)
                t->opening = NULL;
            client_close(c);
        }
    }
}

void ssh_tunnel_free_all(transport_t *t)
{
    ssh_tunnel_drop_clients(t);
    while (t->tunnels) {
        tunnel *tun = t->tunnels;
        t->tunnels = tun->next;
        if (tun->listen_fd < 0) { /* the pipes' */
            free(tun->host);
            free(tun->name);
            free(tun);
            continue;
        }
        loop_unwatch(t->loop, tun->listen_fd);
        close(tun->listen_fd);
        unlink(tun->path);
        /* the directories made for it, innermost first; left if not empty */
        char dir[512];
        snprintf(dir, sizeof(dir), "%s", tun->path);
        for (char *slash;
             (slash = strrchr(dir, '/')) && strlen(dir) > strlen(t->opts.runtime_dir);) {
            *slash = '\0';
            if (strlen(dir) <= strlen(t->opts.runtime_dir) || rmdir(dir) < 0)
                break;
        }
        free(tun->host);
        free(tun->name);
        free(tun);
    }
}

/* Pipes share a listener-less tunnel per destination, so the channel open
 * and the pumping are the tunnels' own. */
static tunnel *pipe_tunnel(transport_t *t, const char *host, int port)
{
    for (tunnel *tun = t->tunnels; tun; tun = tun->next)
        if (tun->listen_fd < 0 && tun->port == port && strcmp(tun->host, host) == 0)
            return tun;
    tunnel *tun = calloc(1, sizeof(*tun));
    if (!tun)
        return NULL;
    tun->t = t;
    tun->host = strdup(host);
    tun->name = strdup("");
    tun->port = port;
    tun->listen_fd = -1;
    if (!tun->host || !tun->name) {
        free(tun->host);
        free(tun->name);
        free(tun);
        return NULL;
    }
    tun->next = t->tunnels;
    t->tunnels = tun;
    return tun;
}

tunnel_client *ssh_tunnel_pipe(transport_t *t, const char *host, int port, int *fd,
                               pipe_closed_fn closed, void *arg)
{
    int sv[2];
    tunnel *tun = pipe_tunnel(t, host, port);
    tunnel_client *c = tun ? calloc(1, sizeof(*c)) : NULL;
    if (!c)
        return NULL;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
        free(c);
        return NULL;
    }
    c->tun = tun;
    c->fd = sv[0];
    c->readable = true;
    c->phase = TC_WAITING;
    c->seq = ++t->client_seq;
    c->closed = closed;
    c->closed_arg = arg;
    c->next = tun->clients;
    tun->clients = c;
    *fd = sv[1];
    client_watch(c);
    /* from the loop: a drive now could end the pipe before its owner holds it */
    ssh_drive_soon(t);
    return c;
}

void ssh_tunnel_pipe_detach(tunnel_client *c)
{
    c->closed = NULL;
}
