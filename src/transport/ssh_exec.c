/* Exec channels over the host's one session. libssh2 1.10 opens one channel
 * at a time per session (its open state lives in the session), and OpenSSH
 * allows 10 sessions per connection: requests wait in the queue until no
 * open is in progress and fewer than SSH_MAX_CHANNELS run. Each request then
 * goes OPENING -> EXEC -> RUNNING (reading stdout and stderr to EOF) ->
 * CLOSING (exit status) -> done. */
#include <stdio.h>
#include <string.h>

#include "transport_internal.h"

#define READ_CHUNK 16384

bool ssh_error_is_fatal(int rc)
{
    switch (rc) {
    case LIBSSH2_ERROR_SOCKET_SEND:
    case LIBSSH2_ERROR_SOCKET_RECV:
    case LIBSSH2_ERROR_SOCKET_DISCONNECT:
    case LIBSSH2_ERROR_SOCKET_TIMEOUT:
    case LIBSSH2_ERROR_TIMEOUT:
    case LIBSSH2_ERROR_KEX_FAILURE:
    case LIBSSH2_ERROR_DECRYPT:
    case LIBSSH2_ERROR_PROTO:
    case LIBSSH2_ERROR_ALLOC:
    case LIBSSH2_ERROR_BAD_USE:
    case LIBSSH2_ERROR_INVALID_MAC:
        return true;
    default:
        return false;
    }
}

void ssh_note_blocked(transport_t *t, const void *who)
{
    if (t->session &&
        (libssh2_session_block_directions(t->session) & LIBSSH2_SESSION_BLOCK_OUTBOUND))
        t->writer = who;
}

bool ssh_may_drive(transport_t *t, const void *who)
{
    if (t->writer && t->writer != who)
        return false;
    t->writer = NULL; /* it is being driven again: it will say if it blocks */
    return true;
}

void ssh_channel_discard(transport_t *t, LIBSSH2_CHANNEL *ch)
{
    if (!ch || !t->session)
        return;
    if (libssh2_channel_free(ch) != LIBSSH2_ERROR_EAGAIN)
        return;
    if (t->ndead < (int)(sizeof(t->dead) / sizeof(t->dead[0])))
        t->dead[t->ndead++] = ch;
    /* else: leaked until the session ends (libssh2_session_free frees it) */
}

void ssh_free_dead_channels(transport_t *t)
{
    int kept = 0;
    for (int i = 0; i < t->ndead; i++)
        if (libssh2_channel_free(t->dead[i]) == LIBSSH2_ERROR_EAGAIN)
            t->dead[kept++] = t->dead[i];
    t->ndead = kept;
}

int ssh_orphan_drive(transport_t *t)
{
    if (!t->orphan_open)
        return 0;
    if (!ssh_may_drive(t, &t->orphan_open))
        return 1;
    /* libssh2 goes on with the open in progress, whatever the arguments */
    LIBSSH2_CHANNEL *ch = t->orphan_open == 1 ? libssh2_channel_open_session(t->session)
                          : t->orphan_open == 2
                              ? libssh2_channel_direct_tcpip_ex(t->session, "", 0, "127.0.0.1", 0)
                              : ssh_tunnel_channel_open(t, "", TUNNEL_UNIX);
    if (!ch) {
        int rc = libssh2_session_last_errno(t->session);
        if (rc == LIBSSH2_ERROR_EAGAIN) {
            ssh_note_blocked(t, &t->orphan_open);
            return 1;
        }
        if (ssh_error_is_fatal(rc))
            return -1;
    }
    ssh_channel_discard(t, ch);
    t->orphan_open = 0;
    t->opening = NULL;
    return 0;
}

void ssh_exec_cancel(exec_req *req)
{
    transport_t *t = req->t;
    if (t->writer == req)
        t->writer = NULL;
    if (t->opening == req) {
        t->opening = &t->orphan_open;
        t->orphan_open = 1;
    }
    ssh_channel_discard(t, req->channel);
    req->channel = NULL;
}

static int open_channels(const transport_t *t)
{
    int n = 0;
    for (const exec_req *r = t->running; r; r = r->next)
        n++;
    return n;
}

static void finish(exec_req *req)
{
    transport_t *t = req->t;
    exec_list_remove(&t->running, req);
    exec_complete(req);
}

static void fail_request(exec_req *req, const char *what)
{
    transport_t *t = req->t;
    char *msg = NULL;
    libssh2_session_last_error(t->session, &msg, NULL, 0);
    snprintf(req->res.error, sizeof(req->res.error), "%s: ssh: %s: %s", t->host->name, what,
             msg && *msg ? msg : "refused");
    req->res.ran = false;
    ssh_channel_discard(t, req->channel);
    req->channel = NULL;
    finish(req);
}

/* Reads what a stream has now. 1 read something, 0 nothing yet, <0 error.
 * As the tunnels do (ssh_tunnel.c, pump): every channel read first reads
 * the session's socket until it is dry, so once one has in this pass, a
 * channel is read only when a packet of its own is queued; a long-lived
 * stream (SFTP, dial-stdio) cost a recv() that found nothing per stream
 * and pass. */
static int read_stream(exec_req *req, int stream_id)
{
    char buf[READ_CHUNK];
    int got = 0;
    for (;;) {
        if (req->t->socket_read) {
            unsigned long queued = 0;
            libssh2_channel_window_read_ex(req->channel, &queued, NULL);
            if (!queued)
                return got;
        }
        req->t->socket_read = true;
        ssize_t n = libssh2_channel_read_ex(req->channel, stream_id, buf, sizeof(buf));
        if (n > 0) {
            exec_append(req, stream_id == 0 ? 1 : 2, buf, (size_t)n);
            got = 1;
            continue;
        }
        if (n == LIBSSH2_ERROR_EAGAIN || n == 0)
            return got;
        return (int)n;
    }
}

/* Sends what waits for the command's stdin. 1 sent some, 0 nothing could
 * go, <0 an error */
static int write_input(exec_req *req)
{
    int sent = 0;
    while (req->in_len > 0) {
        ssize_t n = libssh2_channel_write(req->channel, req->in, req->in_len);
        if (n == LIBSSH2_ERROR_EAGAIN) {
            ssh_note_blocked(req->t, req);
            return sent;
        }
        if (n < 0)
            return (int)n;
        memmove(req->in, req->in + n, req->in_len - (size_t)n);
        req->in_len -= (size_t)n;
        sent = 1;
    }
    return sent;
}

/* 2 finished (req is gone), 1 moved, 0 waits, -1 the session failed */
static int drive_request(exec_req *req)
{
    transport_t *t = req->t;
    LIBSSH2_SESSION *s = t->session;
    int rc;
    switch (req->phase) {
    case CH_QUEUED:
        return 0;
    case CH_OPENING:
        req->channel = libssh2_channel_open_session(s);
        if (!req->channel) {
            rc = libssh2_session_last_errno(s);
            if (rc == LIBSSH2_ERROR_EAGAIN) {
                ssh_note_blocked(t, req);
                return 0;
            }
            t->opening = NULL;
            if (ssh_error_is_fatal(rc))
                return -1;
            fail_request(req, "cannot open a channel");
            return 2;
        }
        t->opening = NULL;
        req->phase = CH_EXEC;
        /* fall through */
    case CH_EXEC:
        rc = req->subsystem ? libssh2_channel_subsystem(req->channel, req->command)
                            : libssh2_channel_exec(req->channel, req->command);
        if (rc == LIBSSH2_ERROR_EAGAIN) {
            ssh_note_blocked(t, req);
            return 0;
        }
        if (rc < 0) {
            if (ssh_error_is_fatal(rc))
                return -1;
            fail_request(req,
                         req->subsystem ? "the subsystem was refused" : "the command was refused");
            return 2;
        }
        req->phase = CH_RUNNING;
        req->res.ran = true;
        /* fall through */
    case CH_RUNNING: {
        int w = write_input(req);
        if (w < 0) {
            if (ssh_error_is_fatal(w))
                return -1;
            fail_request(req, "writing to the command");
            return 2;
        }
        if (req->t->writer == req)
            return w; /* its write is half sent: nothing else may go first */
        int a = read_stream(req, 0);
        int b = read_stream(req, SSH_EXTENDED_DATA_STDERR);
        if (a < 0 || b < 0) {
            if (ssh_error_is_fatal(a < 0 ? a : b))
                return -1;
            fail_request(req, "reading the output");
            return 2;
        }
        if (!libssh2_channel_eof(req->channel))
            return a || b || w;
        req->phase = CH_CLOSING;
    }
        /* fall through */
    case CH_CLOSING:
        rc = libssh2_channel_close(req->channel);
        if (rc == LIBSSH2_ERROR_EAGAIN) {
            ssh_note_blocked(t, req);
            return 0;
        }
        rc = libssh2_channel_wait_closed(req->channel);
        if (rc == LIBSSH2_ERROR_EAGAIN)
            return 0;
        req->res.exit_status = libssh2_channel_get_exit_status(req->channel);
        char *signal = NULL;
        libssh2_channel_get_exit_signal(req->channel, &signal, NULL, NULL, NULL, NULL, NULL);
        if (signal) {
            req->res.ran = false;
            snprintf(req->res.error, sizeof(req->res.error), "%s: killed by SIG%s", t->host->name,
                     signal);
            libssh2_free(s, signal);
        }
        ssh_channel_discard(t, req->channel);
        req->channel = NULL;
        finish(req);
        return 2;
    }
    return 0;
}

int ssh_exec_drive(transport_t *t)
{
    int moved = 0;
again:
    /* start the next queued request when the session allows one more open */
    if (!t->opening && t->queue && open_channels(t) < SSH_MAX_CHANNELS) {
        exec_req *req = t->queue;
        exec_list_remove(&t->queue, req);
        req->next = t->running;
        t->running = req;
        req->phase = CH_OPENING;
        t->opening = req;
        moved = 1;
    }
    for (exec_req *req = t->running; req; req = req->next) {
        if (!ssh_may_drive(t, req))
            continue;
        int rc = drive_request(req);
        if (rc < 0)
            return -1;
        if (rc > 0)
            moved = 1;
        if (rc == 2) /* its callback may have changed the lists: start over */
            goto again;
    }
    return moved;
}
