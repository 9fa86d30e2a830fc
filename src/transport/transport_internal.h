/* What the pieces of the transport share: the transport itself, exec
 * requests, tunnels. Not part of the interface (transport/transport.h). */
#ifndef OPSDECK_TRANSPORT_INTERNAL_H
#define OPSDECK_TRANSPORT_INTERNAL_H

#include <libssh2.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "opsdeck/transport/transport.h"

#define SSH_MAX_CHANNELS 8     /* OpenSSH allows 10 sessions per connection */
#define TUNNEL_BUF       65536 /* per direction, per client */
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS   30000

typedef enum {
    CH_QUEUED,  /* waiting for the session or a free channel */
    CH_OPENING, /* libssh2_channel_open_session */
    CH_EXEC,    /* libssh2_channel_exec */
    CH_RUNNING, /* reading until EOF */
    CH_CLOSING, /* libssh2_channel_close, then the exit status */
} channel_phase;

struct exec_req {
    transport_t *t;
    char *command;
    size_t out_cap;
    exec_done_fn done;
    exec_output_fn output;
    void *arg;
    uint64_t timer;
    int64_t asked_ms;
    exec_result res;
    /* bytes for the command's stdin not yet sent (transport_exec_write) */
    char *in;
    size_t in_len;
    bool keep_stdin; /* a stream: stdin stays open for transport_exec_write */
    bool subsystem;  /* command names an SSH subsystem ("sftp"), not a shell command */
    /* local */
    int in_fd;
    pid_t pid;
    int pidfd, out_fd, err_fd;
    bool exited;
    /* ssh */
    channel_phase phase;
    LIBSSH2_CHANNEL *channel;
    exec_req *next;
};

typedef struct tunnel_client tunnel_client;

/* A tunnel's port when it reaches a Unix socket on the host (its host is
 * then the socket's path) through a direct-streamlocal@openssh.com channel */
#define TUNNEL_UNIX          (-1)
#define TUNNEL_UNIX_PATH_MAX 1024

typedef struct tunnel {
    transport_t *t;
    char *host;
    int port;
    char *name;
    char path[512];
    int listen_fd;
    tunnel_client *clients;
    /* the host's side refused the last channel asked for (its connect to
     * host:port failed): why, in words, and when (loop_now_ms), so the
     * source whose client saw only the socket close can say it */
    char refused[600];
    int64_t refused_ms;
    struct tunnel *next;
} tunnel;

typedef enum {
    SSH_NONE,
    SSH_JUMP,      /* waiting for the jump host's session, then its channel */
    SSH_RESOLVE,   /* getaddrinfo_a for a host name */
    SSH_TCP,       /* non-blocking connect in progress */
    SSH_HANDSHAKE, /* libssh2_session_handshake */
    SSH_HOSTKEY,   /* waiting on the user's answer */
    SSH_AUTH_AGENT,
    SSH_AUTH_KEY,
    SSH_AUTH_PASSPHRASE, /* waiting on the user's passphrase */
    SSH_UP,
} ssh_phase;

struct transport {
    loop_t *loop;
    const host_config *host;
    transport_options opts;
    transport_events events;
    void *arg;
    transport_state state;
    char error[512];
    char remote_user[64];
    bool local;
    bool freeing;
    /* exec requests: waiting, and running (local: every one runs at once) */
    exec_req *queue, *running;
    /* ssh */
    ssh_phase phase;
    int fd;
    LIBSSH2_SESSION *session;
    LIBSSH2_AGENT *agent;
    struct libssh2_agent_publickey *agent_identity;
    bool agent_tried;
    char identity[1024]; /* the key file being tried */
    char passphrase[256];
    bool passphrase_given;
    char tried[1024]; /* what auth tried, for the error */
    int keyfile_index;
    uint64_t connect_timer, reconnect_timer, keepalive_timer;
    /* liveness (ssh_session.c): when a byte last came from the host, when
     * the last keepalive went out, and, while the host is taken as not
     * answering, why */
    int64_t last_recv_ms, probe_sent_ms;
    time_t probe_sent_s; /* the same, in libssh2's time() */
    char silence[200];
    int backoff_ms;
    int64_t phase_started_ms;
    unsigned char *pending_key; /* an unknown host key waiting on the user */
    size_t pending_key_len;
    int pending_key_type;
    tunnel *tunnels;
    bool no_retry;             /* a refused host key: reconnecting cannot help */
    const void *opening;       /* the exec or tunnel client whose channel is opening */
    uint64_t client_seq;       /* tunnel clients so far (their order of arrival) */
    LIBSSH2_CHANNEL *dead[64]; /* channels given up on, freed as the session allows */
    int ndead;
    char where[300];         /* "127.0.0.3:2222", for errors */
    struct gaicb *resolving; /* a host name being resolved */
    uint64_t resolve_timer;
    /* libssh2 1.10 keeps one partly sent packet per session and refuses a
     * different send until it is out: the object whose call last blocked on
     * output is driven alone until it gets through */
    const void *writer;
    /* a channel open nobody waits for any more: libssh2 keeps its state in
     * the session, so it is driven to its end and the channel discarded */
    int orphan_open;           /* 0 none, 1 session channel, 2 direct-tcpip, 3 streamlocal */
    bool driving, drive_again; /* ssh_drive() re-entered from a callback */
    /* libssh2 read bytes off the socket during this pass (counting_recv):
     * the packets may be for a channel already visited in the pass, which
     * the socket will not wake up again */
    bool received;
    /* a channel's read (an exec's or a tunnel's) has read the session's
     * socket during this pass (ssh_tunnel.c, pump; ssh_exec.c, read_stream) */
    bool socket_read;
    uint64_t redrive_timer; /* a drive cut short, continued from the loop */
    char reason[400];       /* the last failure without the "name: ssh: " prefix */
    /* ProxyJump (ssh_jump.c): the jump host's transport, shared by every
     * host behind it; the channel through it that carries this session */
    struct bastion *bastion;
    tunnel_client *jump_pipe;
    char jump_why[300];  /* why the jump host closed the channel, "" none */
    transport_t *asking; /* a question of the jump host's, asked through this host */
};

/* transport.c */
void transport_set_state(transport_t *t, transport_state state);
void transport_fail(transport_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ends a request: calls done once, frees it (it must be off every list). */
void exec_complete(exec_req *req);
void exec_append(exec_req *req, int stream, const char *buf, size_t len);
void exec_list_remove(exec_req **list, exec_req *req);
void exec_fail_all(transport_t *t, const char *why);

/* local.c */
void local_exec_start(exec_req *req);
void local_exec_flush_input(exec_req *req);
void local_exec_cancel(exec_req *req);

/* ssh_session.c */
void ssh_start(transport_t *t);
/* The session failed: tears it down, fails what was asked, retries later. */
void ssh_fail(transport_t *t, bool retry, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ssh_stop(transport_t *t);
void ssh_drive(transport_t *t);
void ssh_hostkey_answer(transport_t *t, bool accept);
void ssh_passphrase(transport_t *t, const char *passphrase);

/* ssh_auth.c: advances authentication; 1 done, 0 in progress, -1 failed */
int ssh_auth_step(transport_t *t);
void ssh_auth_reset(transport_t *t);

/* known_hosts.c: 1 known, 0 unknown (asks or fails), -1 refused */
int known_hosts_check(transport_t *t);
int known_hosts_add(transport_t *t, char *err, size_t errsize);
/* "SHA256:..." of a host key blob */
void known_hosts_fingerprint(const unsigned char *key, size_t len, char *out, size_t size);

/* ssh_exec.c: 1 something moved, 0 nothing can, -1 the session itself
 * failed (the error is in the session) */
int ssh_exec_drive(transport_t *t);
/* Whether a libssh2 error code means the session is gone, not one channel */
bool ssh_error_is_fatal(int rc);
/* After a call that returned EAGAIN: remember who must send next */
void ssh_note_blocked(transport_t *t, const void *who);
/* Whether who may call libssh2 now (no other object's send is pending) */
bool ssh_may_drive(transport_t *t, const void *who);
/* Drives an orphaned channel open; 1 still going, 0 none, -1 session failed */
int ssh_orphan_drive(transport_t *t);
void ssh_channel_discard(transport_t *t, LIBSSH2_CHANNEL *ch);
void ssh_free_dead_channels(transport_t *t);
void ssh_exec_cancel(exec_req *req);

/* ssh_tunnel.c */
const char *ssh_tunnel_open(transport_t *t, const char *host, int port, const char *name);
int ssh_tunnel_drive(transport_t *t); /* as ssh_exec_drive() */
/* Opens (or, called again after EAGAIN, goes on opening) a tunnel's channel:
 * direct-tcpip to host:port, or direct-streamlocal to the path host when
 * port is TUNNEL_UNIX. NULL with the session's error set, as libssh2's. */
LIBSSH2_CHANNEL *ssh_tunnel_channel_open(transport_t *t, const char *host, int port);
void ssh_tunnel_drop_clients(transport_t *t); /* the session went away */
void ssh_tunnel_free_all(transport_t *t);
bool ssh_tunnel_refused(const transport_t *t, const char *host, int port, int64_t since_ms,
                        char *why, size_t size); /* transport_tunnel_refused() */
/* A channel to host:port over t's session whose near end is *fd (one end of
 * a socketpair, for another session to run over). closed is called once
 * when the channel ends, why saying how ("" when the session went away or
 * the far side simply closed) unless the pipe was detached first. */
typedef void (*pipe_closed_fn)(void *arg, const char *why);
tunnel_client *ssh_tunnel_pipe(transport_t *t, const char *host, int port, int *fd,
                               pipe_closed_fn closed, void *arg);
void ssh_tunnel_pipe_detach(tunnel_client *c);

/* ssh_session.c, for jump hosts: the session starts over fd (already
 * connected) as over a TCP socket; reconnect now instead of after backoff */
void ssh_start_over(transport_t *t, int fd);
void ssh_reconnect_now(transport_t *t);
void ssh_drive_soon(transport_t *t); /* from the loop's next turn */

/* ssh_jump.c */
void ssh_jump_start(transport_t *t);
/* The jump host's channel is let go (this host's session is being torn down) */
void ssh_jump_detach(transport_t *t);
/* This host no longer needs its jump host (freed with the last one) */
void ssh_jump_release(transport_t *t);
/* Rewrites a failure of a host behind a jump host so it names the jump
 * host's reason when that is the cause; returns whether to retry */
bool ssh_jump_explain(transport_t *t, char *msg, size_t size, bool retry);

#endif
