/* An HTTP connection to the Docker engine over `docker system dial-stdio`
 * (sources/engine_conn.h). */
#include "opsdeck/sources/engine_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/parse/http_reader.h"

/* stderr kept for the reason an engine connection ended */
#define ERR_KEEP 4096

struct engine_conn {
    exec_req *req;
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

static void end(engine_conn *c, const char *why)
{
    if (c->over)
        return;
    c->over = true;
    c->ev.ended(why, c->arg);
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
    end(c, why);
}

static void on_output(int stream, const char *buf, size_t len, void *arg)
{
    engine_conn *c = arg;
    if (stream != 1 || c->over)
        return; /* stderr is kept by the transport for on_done */
    http_reader_cb cb = {.head = c->ev.head, .body = c->ev.body, .done = c->ev.done};
    if (http_reader_feed(&c->reader, buf, len, &cb, c->arg) < 0) {
        char why[256];
        snprintf(why, sizeof(why), "the engine's answer is not HTTP: %s", c->reader.error);
        end(c, why);
    }
}

engine_conn *engine_conn_open(transport_t *t, const char *command, const engine_conn_events *ev,
                              void *arg)
{
    engine_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
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
    if (c->over || !c->req || n < 0 || (size_t)n >= sizeof(head))
        return -1;
    return transport_exec_write(c->req, head, (size_t)n);
}

void engine_conn_close(engine_conn *c)
{
    if (!c)
        return;
    if (c->req)
        transport_exec_cancel(c->req);
    free(c);
}
