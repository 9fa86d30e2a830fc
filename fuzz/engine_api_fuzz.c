/* libFuzzer target for what the containers source reads from the Docker
 * Engine API through `docker system dial-stdio`: the HTTP/1.1 reader
 * (status line, headers, Content-Length and chunked bodies, responses one
 * after another on one connection, as the endless /events stream) and the
 * JSON bodies (GET /containers/json, /containers/{id}/json, one-shot stats,
 * error bodies). The first byte picks the mode and the piece size:
 * - high bit clear: the rest is a connection's bytes, fed to the reader in
 *   pieces of (byte & 0x7f) + 1 bytes; every decoded body (bounded, as the
 *   source bounds it) goes to every body parser once its response is in;
 * - high bit set: the rest is one body, straight to the parsers.
 * Any bytes end in results or refusals with a reason, never a crash; after
 * a refusal the reader keeps refusing. */
#include <assert.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>

#include "fuzz_common.h"
#include "opsdeck/parse/docker_api.h"
#include "opsdeck/parse/docker_json.h"
#include "opsdeck/parse/http_reader.h"
#include "opsdeck/parse/json_pick.h"

#define BODY_MAX (1 << 20)

typedef struct conn {
    char *body;
    size_t len;
    bool in_head; /* head seen, done not yet */
    docker_cpu_sample prev;
} conn;

/* json_pick (the stats' reader) against jansson's tree: wherever jansson
 * reads the text, the picked numbers and array lengths are the tree's
 * (json_pick may take texts jansson refuses: bad UTF-8 inside a string, an
 * integer past int64, a NUL in a key). */
static void pick_as_jansson(const char *buf, size_t len)
{
    static const char *const total[] = {"cpu_stats", "cpu_usage", "total_usage", NULL};
    static const char *const percpu[] = {"cpu_stats", "cpu_usage", "percpu_usage", NULL};
    static const char *const inactive[] = {"memory_stats", "stats", "inactive_file", NULL};
    static const char *const usage[] = {"memory_stats", "usage", NULL};
    static const char *const *const paths[] = {total, percpu, inactive, usage};
    enum { N = sizeof(paths) / sizeof(*paths) };
    json_pick picks[N];
    for (size_t i = 0; i < N; i++)
        picks[i] = (json_pick){.path = paths[i]};
    int kind = json_pick_numbers(buf, len, picks, N);
    json_error_t err;
    json_t *root = json_loadb(buf, len, JSON_ALLOW_NUL, &err);
    if (!root)
        return;
    if (kind == -1 && memchr(buf, '\0', len)) {
        /* jansson (2.14) takes a NUL byte right after a number, outside
         * any string, and goes on; JSON has no NUL there and json_pick
         * refuses the text (found by this target: nul-after-number-*) */
        json_decref(root);
        return;
    }
    assert(kind == (json_is_object(root) ? 1 : 0));
    for (size_t i = 0; i < N; i++) {
        json_t *v = root;
        for (size_t k = 0; paths[i][k] && v; k++)
            v = json_object_get(v, paths[i][k]);
        assert(picks[i].found == json_is_number(v));
        assert(!picks[i].found || picks[i].value == json_number_value(v));
        assert(picks[i].array_len == (json_is_array(v) ? json_array_size(v) : 0));
    }
    json_decref(root);
}

static void parse_body(conn *c, const char *buf, size_t len)
{
    pick_as_jansson(buf, len);
    char why[256] = "";
    docker_list_entry *list = NULL;
    size_t n = 0;
    if (docker_api_parse_list(buf, len, &list, &n, why, sizeof(why)) == 0)
        assert(n == 0 || list);
    else
        assert(why[0]);
    free(list);

    docker_cpu_sample cpu = {0};
    int64_t mem = -1;
    why[0] = '\0';
    if (docker_api_parse_stats(buf, len, &cpu, &mem, why, sizeof(why)) == 0) {
        double pct = docker_cpu_percent(&c->prev, &cpu);
        assert(pct == -1 || (pct >= 0 && isfinite(pct))); /* unknown, or a figure */
        c->prev = cpu;
    } else {
        assert(why[0]);
    }

    container_info ci;
    memset(&ci, 0, sizeof(ci));
    why[0] = '\0';
    if (docker_parse_inspect_one(buf, len, &ci, why, sizeof(why)) == 0) {
        assert(memchr(ci.name, '\0', sizeof(ci.name)));
        docker_status_retell(&ci, ci.started_at + 3600.5);
        assert(memchr(ci.status, '\0', sizeof(ci.status)));
    } else {
        assert(why[0]);
    }

    char msg[256];
    docker_api_error_message(buf, len, msg, sizeof(msg));
    assert(memchr(msg, '\0', sizeof(msg)));
}

static void on_head(int status, void *arg)
{
    conn *c = arg;
    assert(status >= 100 && status <= 599);
    c->in_head = true;
    c->len = 0;
}

static void on_body(const char *buf, size_t len, void *arg)
{
    conn *c = arg;
    assert(c->in_head);
    size_t take = len < BODY_MAX - c->len ? len : BODY_MAX - c->len;
    memcpy(c->body + c->len, buf, take);
    c->len += take;
}

/* The parsers get the body in a buffer of exactly its size, so that a read
 * past its end is caught (the 1 MiB collecting buffer would hide it). */
static void parse_collected(conn *c)
{
    char *exact = malloc(c->len ? c->len : 1);
    if (!exact)
        return;
    memcpy(exact, c->body, c->len);
    parse_body(c, exact, c->len);
    free(exact);
}

static void on_done(void *arg)
{
    conn *c = arg;
    assert(c->in_head);
    parse_collected(c);
    c->in_head = false;
    c->len = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    /* One collecting buffer for the whole run: a fresh 1 MiB each execution
     * cost ASan most of the time (1,300 executions/s). */
    static char *collect;
    if (!collect && !(collect = malloc(BODY_MAX)))
        return 0;
    conn c = {.body = collect};
    unsigned mode = data[0];
    data++, size--;
    if (mode & 0x80) {
        char *body = malloc(size ? size : 1); /* exactly size bytes */
        if (body) {
            memcpy(body, data, size);
            parse_body(&c, body, size);
            free(body);
        }
        return 0;
    }
    size_t piece = (mode & 0x7f) + 1;
    static const http_reader_cb cb = {.head = on_head, .body = on_body, .done = on_done};
    http_reader r;
    http_reader_init(&r);
    bool refused = false;
    for (size_t off = 0; off < size; off += piece) {
        size_t len = size - off < piece ? size - off : piece;
        char *copy = malloc(len); /* each piece its own buffer: no read past it */
        if (!copy)
            break;
        memcpy(copy, data + off, len);
        int rc = http_reader_feed(&r, copy, len, &cb, &c);
        free(copy);
        assert(rc == 0 || rc == -1);
        if (rc < 0) {
            assert(r.error[0]);
            assert(memchr(r.error, '\0', sizeof(r.error)));
            refused = true;
        } else {
            assert(!refused); /* a refused stream stays refused */
        }
    }
    if (c.in_head) /* the connection ended inside a body: what came is parsed too */
        parse_collected(&c);
    return 0;
}
