/* One HTTP connection to a host's Docker engine, opened as a long-lived
 * `docker system dial-stdio` on the host's transport: the `docker =` prefix
 * says how the engine is reached (`sudo docker`, `docker -H ...`), and no
 * process is started per request. Requests go one at a time; answers come
 * back through callbacks as they are decoded (parse/http_reader.h). */
#ifndef OPSDECK_SOURCES_ENGINE_CONN_H
#define OPSDECK_SOURCES_ENGINE_CONN_H

#include "opsdeck/transport/transport.h"

typedef struct engine_conn engine_conn;

typedef struct engine_conn_events {
    void (*head)(int status, void *arg);
    void (*body)(const char *buf, size_t len, void *arg);
    void (*done)(void *arg); /* the answer is complete */
    /* the connection is over (the command ended, or the engine's answer
     * was not HTTP): why, in docker's own words where it said any. The
     * connection must still be closed with engine_conn_close(). */
    void (*ended)(const char *why, void *arg);
} engine_conn_events;

/* command: docker_shell_command()'s dial-stdio line. NULL on no memory. */
engine_conn *engine_conn_open(transport_t *t, const char *command, const engine_conn_events *ev,
                              void *arg);
/* Sends "GET path". Returns 0, or -1 when the connection is over. */
int engine_conn_get(engine_conn *c, const char *path);
/* Stops the command; no callback comes after this. NULL is fine. */
void engine_conn_close(engine_conn *c);

#endif
