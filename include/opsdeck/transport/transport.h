/* How opsdeck reaches a host: one per host, reused by every source and action.
 *
 * A host with `ssh =` is reached through one libssh2 session (non-blocking,
 * driven by the loop). A host without it is this machine: commands run
 * through /bin/sh, and tunnels are not needed (clients connect directly).
 *
 * Nothing here blocks: every call returns at once and reports later through
 * a callback from the loop. */
#ifndef OPSDECK_TRANSPORT_H
#define OPSDECK_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opsdeck/config.h"
#include "opsdeck/loop.h"

typedef struct transport transport_t;
typedef struct exec_req exec_req;

typedef enum {
    TRANSPORT_IDLE,       /* not started */
    TRANSPORT_CONNECTING, /* TCP connect, handshake, host key, auth */
    TRANSPORT_WAITING,    /* waiting on the user: unknown host key or passphrase */
    TRANSPORT_UP,
    TRANSPORT_DOWN /* failed; transport_error() says why; reconnects with backoff */
} transport_state;

const char *transport_state_name(transport_state state);

typedef struct transport_events {
    /* the state changed (also on every failure, with the error set) */
    void (*state_changed)(transport_t *t, void *arg);
    /* an unknown host key: answer with transport_hostkey_answer(). Not
     * called in non-interactive mode (the connection fails instead, the
     * error carrying the SHA256 fingerprint). */
    void (*hostkey_unknown)(transport_t *t, const char *host, const char *keytype,
                            const char *fingerprint_sha256, void *arg);
    /* the identity file is encrypted: answer with transport_passphrase(). */
    void (*passphrase_needed)(transport_t *t, const char *identity, void *arg);
} transport_events;

typedef struct transport_options {
    bool interactive;       /* false in --once: never wait on a person, never reconnect */
    int connect_timeout_ms; /* TCP + handshake + auth, default 10000 */
    /* A host that has sent nothing for silence_ms while a keepalive waits
     * for its answer is taken as not answering (transport_silence()); the
     * session is kept, and dropped (reconnect with backoff) once that lasts
     * keepalive_s (or twice silence_ms, whichever is longer). Keepalives
     * go out only after silence_ms / 3 with nothing received. Default 3000. */
    int silence_ms;
    int keepalive_s;         /* default 15 */
    const char *runtime_dir; /* private 0700 directory for tunnel sockets */
} transport_options;

transport_t *transport_new(loop_t *loop, const host_config *host, const transport_options *opts,
                           const transport_events *events, void *arg);
/* Closes everything; pending exec callbacks are called with an error first. */
void transport_free(transport_t *t);

void transport_start(transport_t *t);
transport_state transport_get_state(const transport_t *t);
const char *transport_error(const transport_t *t); /* "" when none */
const char *transport_remote_user(const transport_t *t);
bool transport_is_local(const transport_t *t);
/* "" while the host answers; else why it is taken as not answering
 * ("no answer for 3.0 s (an SSH keepalive unanswered)") while the session
 * is still up: packets are dropped on the way, or the host is frozen.
 * state_changed is called when this starts and when it ends. */
const char *transport_silence(const transport_t *t);

/* Drops the session (whatever its state) and connects again at once,
 * skipping the backoff; also after a failure that is otherwise final (a
 * refused login, a refused or unanswered passphrase): the person asks. A
 * passphrase that was refused is asked for again. Commands still running
 * fail with "reconnecting". Nothing on a local host. */
void transport_reconnect(transport_t *t);
void transport_hostkey_answer(transport_t *t, bool accept); /* accept: append to known_hosts */
/* The jump host a question (hostkey_unknown, passphrase_needed) is about,
 * when it is the jump host's and not the host's own; NULL otherwise. */
const char *transport_asking_for(const transport_t *t);
void transport_passphrase(transport_t *t, const char *passphrase); /* NULL: give up */

/* ---- exec channels ---- */

typedef struct exec_result {
    bool ran;        /* false: it never ran or was cut off; error says why */
    int exit_status; /* valid when ran */
    char *out;       /* stdout, NUL-terminated, at most out_cap bytes */
    size_t out_len;
    bool out_truncated; /* more was sent than out_cap; the rest was dropped */
    char *err;          /* stderr, likewise */
    size_t err_len;
    bool err_truncated;
    double duration_s;
    char error[512]; /* "" when ran */
} exec_result;

typedef void (*exec_done_fn)(const exec_result *res, void *arg);
/* Output as it arrives (stream 1 stdout, 2 stderr); may be NULL. */
typedef void (*exec_output_fn)(int stream, const char *buf, size_t len, void *arg);

/* Runs command on the host (a shell command line). Opens are queued: the
 * request waits until the session is up and a channel is free. out_cap
 * bounds each of stdout and stderr; timeout_ms bounds the whole run from the
 * moment it was asked for. done is called exactly once (unless cancelled). */
exec_req *transport_exec(transport_t *t, const char *command, size_t out_cap, int timeout_ms,
                         exec_done_fn done, exec_output_fn output, void *arg);
/* done is not called after this. */
void transport_exec_cancel(exec_req *req);

/* A long-lived command (a stream: `docker events`, `docker system
 * dial-stdio`): like transport_exec() but with no deadline and its stdin
 * kept open for transport_exec_write(). Output reaches the caller only
 * through output; out_cap bounds what is kept of each stream for done (keep
 * it small: stderr's first words say why a stream ended). */
exec_req *transport_stream(transport_t *t, const char *command, size_t out_cap, exec_done_fn done,
                           exec_output_fn output, void *arg);
/* A stream like transport_stream()'s to an SSH subsystem of the host's sshd
 * ("sftp"): no shell, no command line; with OpenSSH's internal-sftp not
 * even a program run. NULL on a local host. A host without it refuses the
 * channel: done comes with "the subsystem was refused". */
exec_req *transport_subsystem(transport_t *t, const char *name, size_t out_cap, exec_done_fn done,
                              exec_output_fn output, void *arg);
/* Queues bytes for a stream's stdin, sent in order as the channel allows.
 * At most EXEC_INPUT_MAX bytes wait at once: returns 0, or -1 when they do
 * not fit (the caller sends too fast for the host). */
#define EXEC_INPUT_MAX ((size_t)65536)
int transport_exec_write(exec_req *req, const char *buf, size_t len);

/* ---- tunnels ---- */

/* A Unix socket in the private runtime directory that, for every connection
 * made to it, opens a direct-tcpip channel to host:port as seen from the
 * remote host. name is the socket's file name (for libpq it must be
 * ".s.PGSQL.<port>" in a directory of its own: pass "pg/.s.PGSQL.5432").
 * Returns the socket path (owned by the transport), or NULL on a local host
 * (connect to host:port directly) or on error (transport_error()). Calling
 * it again with the same arguments returns the same path. */
const char *transport_tunnel(transport_t *t, const char *host, int port, const char *name);

/* A client of a tunnel sees only its socket close when the host's side
 * cannot connect to host:port. Whether that happened at or after since_ms
 * (loop_now_ms()), and why, in words that name the target, the host and
 * the path: "connection refused by 127.0.0.1:5432 on prod-api (through
 * ssh)". False on a local host or when no channel was refused since. */
bool transport_tunnel_refused(const transport_t *t, const char *host, int port, int64_t since_ms,
                              char *why, size_t size);

/* A tunnel like transport_tunnel()'s to a Unix socket on the host (path,
 * absolute): each connection gets a direct-streamlocal@openssh.com channel
 * (`ssh -L local:/remote.sock`), which the host's sshd connects itself as
 * the login user, no process started. NULL on a local host (connect to path
 * directly) or on error. Hosts whose sshd says AllowStreamLocalForwarding
 * no (or no-port-forwarding) refuse every channel: see below. */
const char *transport_tunnel_unix(transport_t *t, const char *path, const char *name);
/* transport_tunnel_refused() for such a tunnel: whether the host refused a
 * channel to path at or after since_ms, and why ("administratively
 * prohibited", or its sshd could not connect to the socket). */
bool transport_tunnel_unix_refused(const transport_t *t, const char *path, int64_t since_ms,
                                   char *why, size_t size);

#endif
