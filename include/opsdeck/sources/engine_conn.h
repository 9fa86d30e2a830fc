/* One HTTP connection to a host's Docker engine, either
 *  - to the engine's Unix socket through an SSH direct-streamlocal tunnel
 *    (transport_tunnel_unix(): the host's sshd connects the socket itself,
 *    no process runs on the host), or straight to it on a local host; or
 *  - as a long-lived `docker system dial-stdio` on the host's transport,
 *    for a `docker =` that says more than where the socket is (`sudo
 *    docker`, a wrapper) or a host that refuses the tunnel: one docker CLI
 *    process on the host for the connection's life.
 * No process is started per request. Requests go one at a time; answers
 * come back through callbacks as they are decoded (parse/http_reader.h). */
#ifndef OPSDECK_SOURCES_ENGINE_CONN_H
#define OPSDECK_SOURCES_ENGINE_CONN_H

#include "opsdeck/transport/transport.h"

#define ENGINE_SOCKET_MAX 1024 /* the engine's socket path on the host */

typedef struct engine_conn engine_conn;

typedef struct engine_conn_events {
    void (*head)(int status, void *arg);
    void (*body)(const char *buf, size_t len, void *arg);
    void (*done)(void *arg); /* the answer is complete */
    /* the connection is over (the command ended, the socket closed, or the
     * engine's answer was not HTTP): why, in docker's own words where it
     * said any. refused: the host's sshd refused the tunnel's channel to
     * the socket (nothing reached the engine; dial-stdio may still work).
     * The connection must still be closed with engine_conn_close(). */
    void (*ended)(const char *why, bool refused, void *arg);
} engine_conn_events;

/* command: docker_shell_command()'s dial-stdio line. NULL on no memory. */
engine_conn *engine_conn_open(transport_t *t, const char *command, const engine_conn_events *ev,
                              void *arg);
/* To the engine's socket path on the host, through a tunnel named
 * tunnel_name in the runtime directory (one tunnel serves every connection
 * to the same path), or on a local host to path itself. NULL with err set
 * when it cannot even start (no tunnel, no connect on this machine). */
engine_conn *engine_conn_open_socket(transport_t *t, loop_t *loop, const char *path,
                                     const char *tunnel_name, const engine_conn_events *ev,
                                     void *arg, char *err, size_t errsize);
/* Whether c goes to a socket (not dial-stdio). */
bool engine_conn_is_socket(const engine_conn *c);
/* Sends "GET path". Returns 0, or -1 when the connection is over. */
int engine_conn_get(engine_conn *c, const char *path);
/* No callback comes after this (the command runs until closed): for an
 * owner failing inside one of the connection's callbacks. NULL is fine. */
void engine_conn_mute(engine_conn *c);
/* Stops the command; no callback comes after this. NULL is fine. Not from
 * inside the connection's own callbacks (mute it, close it from the loop). */
void engine_conn_close(engine_conn *c);

#endif
