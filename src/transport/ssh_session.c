/* One SSH session per host, non-blocking, driven by the loop: resolve,
 * connect, handshake, host key, authentication, then channels; keepalives
 * while up; on failure everything asked of it fails with the reason and a
 * reconnect follows with backoff. Every phase before "up" is bounded by the
 * connect timeout, except while a person is being asked something. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "transport_internal.h"

#define RESOLVE_POLL_MS  20
#define MAX_PASSES       64  /* per turn of the loop (see ssh_drive) */
#define LIVENESS_TICK_MS 250 /* the host's silence is looked at no more often */
#define KEEPALIVE_GAP_S  2   /* libssh2's shortest keepalive interval (1 is taken as 2) */

static const char *phase_doing(ssh_phase phase)
{
    switch (phase) {
    case SSH_RESOLVE:
        return "resolving the host name";
    case SSH_TCP:
        return "connecting";
    case SSH_HANDSHAKE:
        return "in the SSH handshake";
    default:
        return "authenticating";
    }
}

static void on_socket(loop_t *loop, int fd, int revents, void *arg);

static void cancel_timer(transport_t *t, uint64_t *timer)
{
    if (*timer)
        loop_timer_cancel(t->loop, *timer);
    *timer = 0;
}

/* Frees the session and everything that hangs off it, without a word to
 * the far side (it may be gone). */
static void disconnect(transport_t *t)
{
    cancel_timer(t, &t->connect_timer);
    cancel_timer(t, &t->keepalive_timer);
    cancel_timer(t, &t->resolve_timer);
    cancel_timer(t, &t->redrive_timer);
    if (t->resolving) {
        gai_cancel(t->resolving);
        /* a cancelled request may still be running: wait is not possible
         * without blocking, so the request is leaked rather than freed under
         * glibc's feet (rare: a connect timeout during a DNS lookup) */
        t->resolving = NULL;
    }
    for (exec_req *r = t->running; r; r = r->next)
        r->channel = NULL; /* libssh2_session_free frees them */
    t->ndead = 0;
    t->opening = NULL;
    t->orphan_open = 0;
    t->writer = NULL;
    t->silence[0] = '\0';
    ssh_jump_detach(t);
    ssh_tunnel_drop_clients(t);
    ssh_auth_reset(t);
    if (t->session) {
        /* with the socket shut, whatever libssh2 still wants to send fails
         * at once instead of returning EAGAIN, which would leave the
         * session half freed */
        if (t->fd >= 0)
            shutdown(t->fd, SHUT_RDWR);
        for (int i = 0; i < 100 && libssh2_session_free(t->session) == LIBSSH2_ERROR_EAGAIN; i++)
            ;
    }
    t->session = NULL;
    if (t->fd >= 0) {
        loop_unwatch(t->loop, t->fd);
        close(t->fd);
    }
    t->fd = -1;
    t->phase = SSH_NONE;
}

static void on_reconnect(loop_t *loop, void *arg)
{
    transport_t *t = arg;
    t->reconnect_timer = 0;
    ssh_start(t);
}

void ssh_fail(transport_t *t, bool retry, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (t->host->jump)
        retry = ssh_jump_explain(t, msg, sizeof(msg), retry);
    disconnect(t);
    if (!retry)
        t->no_retry = true;
    transport_fail(t, "%s", msg);
    /* --once takes one snapshot: a host that failed is reported, not retried */
    if (!t->freeing && !t->no_retry && t->opts.interactive && !t->reconnect_timer) {
        t->reconnect_timer = loop_timer_add(t->loop, t->backoff_ms, on_reconnect, t);
        t->backoff_ms = t->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : t->backoff_ms * 2;
    }
}

static void on_connect_timeout(loop_t *loop, void *arg)
{
    transport_t *t = arg;
    t->connect_timer = 0;
    ssh_fail(t, true, "timed out after %d s %s (%s)", t->opts.connect_timeout_ms / 1000,
             phase_doing(t->phase), t->where);
}

static void start_connect_timer(transport_t *t)
{
    cancel_timer(t, &t->connect_timer);
    t->connect_timer = loop_timer_add(t->loop, t->opts.connect_timeout_ms, on_connect_timeout, t);
}

static void watch_socket(transport_t *t)
{
    short events = POLLIN;
    if (t->phase == SSH_TCP)
        events = POLLOUT;
    else if (t->session &&
             (libssh2_session_block_directions(t->session) & LIBSSH2_SESSION_BLOCK_OUTBOUND))
        events |= POLLOUT;
    loop_watch(t->loop, t->fd, events, on_socket, t);
}

static void start_tcp(transport_t *t, const struct addrinfo *ai)
{
    t->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (t->fd < 0) {
        ssh_fail(t, true, "socket: %s", strerror(errno));
        return;
    }
    t->phase = SSH_TCP;
    if (connect(t->fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
        ssh_fail(t, true, "%s (%s)", strerror(errno), t->where);
        return;
    }
    watch_socket(t);
}

static void on_resolve_poll(loop_t *loop, void *arg)
{
    transport_t *t = arg;
    t->resolve_timer = 0;
    int rc = gai_error(t->resolving);
    if (rc == EAI_INPROGRESS) {
        t->resolve_timer = loop_timer_add(loop, RESOLVE_POLL_MS, on_resolve_poll, t);
        return;
    }
    struct gaicb *req = t->resolving;
    t->resolving = NULL;
    if (rc != 0 || !req->ar_result) {
        ssh_fail(t, true, "cannot resolve %s: %s", t->host->ssh_host, gai_strerror(rc));
    } else {
        start_tcp(t, req->ar_result);
        freeaddrinfo(req->ar_result);
    }
    free((void *)req->ar_name);
    free((void *)req->ar_service);
    free((void *)req->ar_request);
    free(req);
}

/* Numeric addresses connect at once; a name is resolved with
 * getaddrinfo_a, polled from the loop, so a slow resolver cannot stall the
 * screen. */
static void resolve_and_connect(transport_t *t)
{
    char port[16];
    snprintf(port, sizeof(port), "%d", t->host->ssh_port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    if (getaddrinfo(t->host->ssh_host, port, &hints, &ai) == 0) {
        start_tcp(t, ai);
        freeaddrinfo(ai);
        return;
    }
    struct gaicb *req = calloc(1, sizeof(*req));
    struct addrinfo *h = calloc(1, sizeof(*h));
    if (!req || !h) {
        free(req);
        free(h);
        ssh_fail(t, true, "out of memory");
        return;
    }
    h->ai_socktype = SOCK_STREAM;
    h->ai_flags = AI_NUMERICSERV;
    req->ar_name = strdup(t->host->ssh_host);
    req->ar_service = strdup(port);
    req->ar_request = h;
    struct gaicb *list[1] = {req};
    t->phase = SSH_RESOLVE;
    if (getaddrinfo_a(GAI_NOWAIT, list, 1, NULL) != 0) {
        free((void *)req->ar_name);
        free((void *)req->ar_service);
        free(h);
        free(req);
        ssh_fail(t, true, "cannot resolve %s", t->host->ssh_host);
        return;
    }
    t->resolving = req;
    t->resolve_timer = loop_timer_add(t->loop, RESOLVE_POLL_MS, on_resolve_poll, t);
}

void ssh_start(transport_t *t)
{
    if (t->session || t->fd >= 0 || t->resolving || t->phase == SSH_JUMP)
        return;
    static bool initialised;
    if (!initialised) {
        libssh2_init(0);
        initialised = true;
    }
    const char *fmt = strchr(t->host->ssh_host, ':') ? "[%s]:%d" : "%s:%d";
    snprintf(t->where, sizeof(t->where), fmt, t->host->ssh_host, t->host->ssh_port);
    transport_set_state(t, TRANSPORT_CONNECTING);
    if (t->host->jump) {
        /* the jump host's own connect timer bounds the wait for it */
        size_t n = strlen(t->where);
        snprintf(t->where + n, sizeof(t->where) - n, " through %.100s", t->host->jump);
        t->jump_why[0] = '\0';
        ssh_jump_start(t);
        return;
    }
    start_connect_timer(t);
    resolve_and_connect(t);
}

/* Liveness, as OpenSSH's ServerAliveInterval but on the console's time
 * scale: after silence_ms / 3 with nothing from the host, a keepalive (an
 * SSH global request the server must answer) goes out; when silence_ms have
 * passed with nothing at all, not even that answer, the host is taken as
 * not answering (shown down with the reason; the session is kept, so a
 * host that answers again is back at once); when that lasts the teardown
 * time, the session is dropped and reconnected with backoff. A slow source
 * is not a silent host: sshd answers the keepalive itself, whatever the
 * services behind it do. */
static int64_t teardown_ms(const transport_t *t)
{
    int64_t ka = (int64_t)t->opts.keepalive_s * 1000, twice = 2 * (int64_t)t->opts.silence_ms;
    return ka > twice ? ka : twice;
}

static void set_silence(transport_t *t, const char *why)
{
    if (strcmp(t->silence, why) == 0)
        return;
    snprintf(t->silence, sizeof(t->silence), "%s", why);
    if (t->events.state_changed)
        t->events.state_changed(t, t->arg);
}

/* When to look again: when something falls due (a keepalive to send, the
 * silence to tell), not every tick, which woke the whole console four
 * times a second per host for nothing (docs/BENCHMARKS.md, "Client
 * cost"). At least a tick, at most silence_ms / 3 (or libssh2's gap)
 * away; while the host is silent, every tick: the silent seconds are
 * counted on screen. */
static int next_look_ms(const transport_t *t, int64_t now)
{
    if (t->silence[0])
        return LIVENESS_TICK_MS;
    int64_t gap = t->opts.silence_ms / 3, wait;
    if (t->probe_sent_ms > t->last_recv_ms) {
        wait = t->last_recv_ms + t->opts.silence_ms - now; /* the silence to tell */
        if (wait > gap)
            wait = gap;
    } else {
        wait = t->last_recv_ms + gap - now; /* a keepalive to send, which libssh2 */
        /* sends only once its whole-second gap since the last one has passed */
        double lib_s = (double)t->probe_sent_s + KEEPALIVE_GAP_S - loop_wall_time();
        int64_t lib = lib_s > 0 ? (int64_t)(lib_s * 1000.0) + 1 : 0;
        if (lib > wait)
            wait = lib;
        if (wait > gap + KEEPALIVE_GAP_S * 1000)
            wait = gap + KEEPALIVE_GAP_S * 1000;
    }
    return wait < LIVENESS_TICK_MS ? LIVENESS_TICK_MS : (int)wait;
}

static void on_keepalive(loop_t *loop, void *arg)
{
    transport_t *t = arg;
    t->keepalive_timer = 0;
    int64_t now = loop_now_ms(loop);
    int64_t quiet = now - t->last_recv_ms;
    bool unanswered = t->probe_sent_ms > t->last_recv_ms;
    if (unanswered && quiet >= teardown_ms(t)) {
        ssh_fail(t, true, "connection lost: no answer for %.0f s (SSH keepalives unanswered)",
                 quiet / 1000.0);
        return;
    }
    if (unanswered && quiet >= t->opts.silence_ms) {
        char why[200];
        snprintf(why, sizeof(why), "%s: ssh: no answer for %.0f s (an SSH keepalive unanswered)",
                 t->host->name, quiet / 1000.0);
        set_silence(t, why);
    } else if (!unanswered) {
        set_silence(t, "");
    }
    /* another send half out: libssh2 allows no other (tried next tick) */
    bool may_send = !t->writer && !(libssh2_session_block_directions(t->session) &
                                    LIBSSH2_SESSION_BLOCK_OUTBOUND);
    /* libssh2 sends a keepalive only when KEEPALIVE_GAP_S whole seconds
     * (its time()) have passed since its last one, and does not say
     * whether it did: it is asked only then, so that it always does */
    time_t sec = time(NULL);
    if (!unanswered && quiet >= t->opts.silence_ms / 3 && may_send &&
        sec >= t->probe_sent_s + KEEPALIVE_GAP_S) {
        int next;
        int rc = libssh2_keepalive_send(t->session, &next);
        if (rc < 0 && rc != LIBSSH2_ERROR_EAGAIN) {
            ssh_fail(t, true, "connection lost (keepalive failed)");
            return;
        }
        t->probe_sent_ms = now;
        t->probe_sent_s = sec;
        watch_socket(t);
    }
    t->keepalive_timer = loop_timer_add(loop, next_look_ms(t, now), on_keepalive, t);
}

static void now_up(transport_t *t)
{
    t->phase = SSH_UP;
    cancel_timer(t, &t->connect_timer);
    t->backoff_ms = BACKOFF_FIRST_MS;
    libssh2_keepalive_config(t->session, 1, KEEPALIVE_GAP_S);
    t->last_recv_ms = loop_now_ms(t->loop);
    t->probe_sent_ms = 0;
    t->probe_sent_s = 0;
    t->silence[0] = '\0';
    t->keepalive_timer = loop_timer_add(t->loop, LIVENESS_TICK_MS, on_keepalive, t);
    transport_set_state(t, TRANSPORT_UP);
}

static const char *session_error(transport_t *t)
{
    char *msg = NULL;
    if (t->session)
        libssh2_session_last_error(t->session, &msg, NULL, 0);
    return msg && *msg ? msg : "unknown error";
}

/* libssh2's own recv(), counting: see transport_t.received. */
static ssize_t counting_recv(libssh2_socket_t fd, void *buf, size_t len, int flags, void **abstract)
{
    transport_t *t = *abstract;
    ssize_t n = recv(fd, buf, len, flags);
    if (n > 0) {
        t->received = true;
        t->last_recv_ms = loop_update_time(t->loop);
    }
    if (n < 0) /* as libssh2's default: minus errno, EWOULDBLOCK as EAGAIN */
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    return n;
}

static void tcp_connected(transport_t *t)
{
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    if (err) {
        ssh_fail(t, true, "%s (%s)", strerror(err), t->where);
        return;
    }
    t->session = libssh2_session_init_ex(NULL, NULL, NULL, t);
    if (!t->session) {
        ssh_fail(t, true, "cannot start an SSH session");
        return;
    }
    libssh2_session_set_blocking(t->session, 0);
    libssh2_session_callback_set(t->session, LIBSSH2_CALLBACK_RECV, (void *)counting_recv);
    t->phase = SSH_HANDSHAKE;
}

static bool waiting_on_person(const transport_t *t)
{
    return t->phase == SSH_HOSTKEY || t->phase == SSH_AUTH_PASSPHRASE;
}

/* One pass over the session: 1 something moved or libssh2 read from the
 * socket (another pass may move more: any libssh2 call can read packets
 * meant for other channels, ones visited earlier in this pass among them),
 * 0 nothing can move until the socket is ready, -1 the session is gone or a
 * person is being asked something. */
static int drive_pass(transport_t *t)
{
    t->received = false;
    if (t->phase == SSH_HANDSHAKE) {
        int rc = libssh2_session_handshake(t->session, t->fd);
        if (rc == LIBSSH2_ERROR_EAGAIN)
            return 0;
        if (rc < 0) {
            ssh_fail(t, true, "handshake failed: %s (%s)", session_error(t), t->where);
            return -1;
        }
        if (known_hosts_check(t) <= 0)
            return -1; /* refused (failed), or waiting on the user */
        t->phase = SSH_AUTH_AGENT;
    }
    if (t->phase == SSH_AUTH_AGENT || t->phase == SSH_AUTH_KEY) {
        int rc = ssh_auth_step(t);
        if (rc <= 0)
            return rc < 0 || waiting_on_person(t) ? -1 : 0;
        now_up(t);
    }
    if (t->phase != SSH_UP)
        return 0;
    ssh_free_dead_channels(t);
    t->socket_read = false;
    int a = ssh_orphan_drive(t);
    int b = a < 0 ? -1 : ssh_exec_drive(t);
    int c = b < 0 ? -1 : ssh_tunnel_drive(t);
    if (a < 0 || b < 0 || c < 0) {
        ssh_fail(t, true, "connection lost: %s", session_error(t));
        return -1;
    }
    return b > 0 || c > 0 || t->received;
}

static void on_redrive(loop_t *loop, void *arg)
{
    transport_t *t = arg;
    t->redrive_timer = 0;
    ssh_drive(t);
}

/* Advances whatever the session is doing, as far as it can go now. A
 * callback run from inside (an exec finishing) may ask for more work: that
 * is noted and done by the outer call, never by a nested one. */
void ssh_drive(transport_t *t)
{
    if (t->driving) {
        t->drive_again = true;
        return;
    }
    t->driving = true;
    int rc, passes = 0;
    do {
        t->drive_again = false;
        rc = drive_pass(t);
    } while ((rc > 0 || (rc == 0 && t->drive_again)) && ++passes < MAX_PASSES);
    t->driving = false;
    if (rc > 0 && passes >= MAX_PASSES && !t->redrive_timer) {
        /* a busy session must not keep the loop from everything else: the
         * rest waits for the next turn of the loop, not for the socket */
        t->redrive_timer = loop_timer_add(t->loop, 0, on_redrive, t);
    }
    if (rc == 0 && t->fd >= 0 && t->phase != SSH_NONE && !waiting_on_person(t))
        watch_socket(t);
}

static void on_socket(loop_t *loop, int fd, int revents, void *arg)
{
    transport_t *t = arg;
    if (t->phase == SSH_TCP) {
        tcp_connected(t);
        if (t->phase != SSH_HANDSHAKE)
            return;
    }
    ssh_drive(t);
}

/* A question of the jump host's was asked through this host: the answer is
 * the jump host's. */
static transport_t *take_asking(transport_t *t)
{
    transport_t *jump = t->asking;
    if (jump) {
        t->asking = NULL;
        if (t->phase == SSH_JUMP)
            transport_set_state(t, TRANSPORT_CONNECTING);
    }
    return jump;
}

void ssh_hostkey_answer(transport_t *t, bool accept)
{
    transport_t *jump = take_asking(t);
    if (jump) {
        ssh_hostkey_answer(jump, accept);
        return;
    }
    if (t->phase != SSH_HOSTKEY)
        return;
    char err[256];
    if (!accept) {
        ssh_fail(t, false, "host key of %s not accepted", t->where);
        return;
    }
    if (known_hosts_add(t, err, sizeof(err)) < 0) {
        ssh_fail(t, false, "%s", err);
        return;
    }
    t->phase = SSH_AUTH_AGENT;
    transport_set_state(t, TRANSPORT_CONNECTING);
    start_connect_timer(t);
    ssh_drive(t);
}

void ssh_passphrase(transport_t *t, const char *passphrase)
{
    transport_t *jump = take_asking(t);
    if (jump) {
        ssh_passphrase(jump, passphrase);
        return;
    }
    if (t->phase != SSH_AUTH_PASSPHRASE)
        return;
    if (!passphrase) {
        ssh_fail(t, false, "no passphrase given for %s", t->identity);
        return;
    }
    snprintf(t->passphrase, sizeof(t->passphrase), "%s", passphrase);
    t->passphrase_given = true;
    t->phase = SSH_AUTH_KEY;
    transport_set_state(t, TRANSPORT_CONNECTING);
    start_connect_timer(t);
    ssh_drive(t);
}

void ssh_stop(transport_t *t)
{
    cancel_timer(t, &t->reconnect_timer);
    disconnect(t);
}

void ssh_start_over(transport_t *t, int fd)
{
    t->fd = fd;
    t->phase = SSH_TCP; /* a socketpair is writable at once: on to the handshake */
    start_connect_timer(t);
    watch_socket(t);
}

void ssh_reconnect_now(transport_t *t)
{
    cancel_timer(t, &t->reconnect_timer);
    ssh_start(t);
}

void ssh_drive_soon(transport_t *t)
{
    if (!t->redrive_timer)
        t->redrive_timer = loop_timer_add(t->loop, 0, on_redrive, t);
}
