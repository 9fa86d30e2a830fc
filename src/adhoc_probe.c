/* Which of the usual local endpoints an ad hoc host has (see adhoc.h):
 * asked once, at connect, through the host's own SSH tunnel, on a loop of
 * its own before the console or the snapshot starts. Only what answers as
 * that kind of endpoint is kept; nothing is assumed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opsdeck/adhoc.h"
#include "opsdeck/loop.h"
#include "opsdeck/net/http.h"
#include "opsdeck/transport/transport.h"

#define PROBE_BODY_MAX (4u << 20)

typedef struct candidate {
    const char *what; /* for the note */
    const char *url;
    int port;
    size_t field;             /* offsetof(host_config, ...) */
    const char *must_contain; /* in the body, or NULL: any answer but 404 */
} candidate;

static const candidate candidates[] = {
    {"node_exporter", "http://127.0.0.1:9100/metrics", 9100, offsetof(host_config, node_metrics),
     "node_"},
    {"metrics", "http://127.0.0.1:8000/metrics", 8000, offsetof(host_config, metrics), "# TYPE"},
    {"health", "http://127.0.0.1:8000/api/v1/health", 8000, offsetof(host_config, health), NULL},
};
#define NCAND (sizeof(candidates) / sizeof(candidates[0]))

typedef struct probe probe;

typedef struct ask {
    probe *p;
    size_t host, cand;
    bool asked, done, found;
} ask;

struct probe {
    opsdeck_config *cfg;
    transport_t **t;
    ask *asks; /* nhosts * NCAND */
};

static void on_answer(const http_response *res, void *arg)
{
    ask *a = arg;
    const candidate *c = &candidates[a->cand];
    a->done = true;
    a->found = res->ok && res->status != 404 && res->status != 405 &&
               (!c->must_contain || (res->status == 200 && strstr(res->body, c->must_contain)));
}

/* Asks what can be asked; true when every host is done. */
static bool step(probe *p, http_client *http)
{
    bool all = true;
    for (size_t h = 0; h < p->cfg->nhosts; h++) {
        transport_state st = transport_get_state(p->t[h]);
        for (size_t k = 0; k < NCAND; k++) {
            ask *a = &p->asks[h * NCAND + k];
            if (a->done)
                continue;
            if (st == TRANSPORT_DOWN) {
                a->done = true;
                continue;
            }
            all = false;
            if (st != TRANSPORT_UP || a->asked)
                continue;
            char name[32];
            snprintf(name, sizeof(name), "probe/%d.sock", candidates[k].port);
            const char *sock = transport_tunnel(p->t[h], "127.0.0.1", candidates[k].port, name);
            a->asked = true;
            if (!sock ||
                !http_get(http, candidates[k].url, sock, PROBE_BODY_MAX, 5000, on_answer, a))
                a->done = true;
        }
    }
    return all;
}

static void note_host(const probe *p, size_t h, char *note, size_t notesize)
{
    if (!note)
        return;
    const host_config *hc = &p->cfg->hosts[h];
    size_t len = strlen(note);
    if (transport_get_state(p->t[h]) == TRANSPORT_DOWN) {
        snprintf(note + len, notesize - len, "%s: nothing looked for: %s\n", hc->name,
                 transport_error(p->t[h]));
        return;
    }
    len += (size_t)snprintf(note + len, notesize - len, "%s: containers", hc->name);
    for (size_t k = 0; k < NCAND && len < notesize; k++)
        if (p->asks[h * NCAND + k].found)
            len += (size_t)snprintf(note + len, notesize - len, ", %s", candidates[k].what);
    if (len < notesize)
        snprintf(note + len, notesize - len, "\n");
}

void adhoc_probe(opsdeck_config *cfg, int timeout_ms, char *note, size_t notesize)
{
    if (note && notesize)
        note[0] = '\0';
    loop_t *loop = loop_new();
    http_client *http = loop ? http_client_new(loop) : NULL;
    char rundir[] = "/tmp/opsdeck-probe-XXXXXX";
    probe p = {.cfg = cfg,
               .t = calloc(cfg->nhosts + 1, sizeof(*p.t)),
               .asks = calloc(cfg->nhosts * NCAND + 1, sizeof(*p.asks))};
    if (!http || !p.t || !p.asks || !mkdtemp(rundir))
        goto out;
    transport_options o = {.interactive = false,
                           .connect_timeout_ms = timeout_ms,
                           .keepalive_s = 15,
                           .runtime_dir = rundir};
    for (size_t h = 0; h < cfg->nhosts; h++) {
        for (size_t k = 0; k < NCAND; k++)
            p.asks[h * NCAND + k] = (ask){.p = &p, .host = h, .cand = k};
        p.t[h] = transport_new(loop, &cfg->hosts[h], &o, NULL, NULL);
        if (!p.t[h])
            goto out;
        transport_start(p.t[h]);
    }
    int64_t end = loop_update_time(loop) + timeout_ms;
    while (!step(&p, http) && loop_update_time(loop) < end)
        loop_run_once(loop, 50);
    for (size_t h = 0; h < cfg->nhosts; h++) {
        for (size_t k = 0; k < NCAND; k++) {
            char **field = (char **)((char *)&cfg->hosts[h] + candidates[k].field);
            if (p.asks[h * NCAND + k].found && !*field)
                *field = strdup(candidates[k].url);
        }
        note_host(&p, h, note, notesize);
    }
out:
    http_client_free(http); /* before the transports: no answer arrives after */
    for (size_t h = 0; p.t && h < cfg->nhosts; h++)
        transport_free(p.t[h]);
    free(p.t);
    free(p.asks);
    if (loop)
        loop_free(loop);
    rmdir(rundir); /* the transports removed their sockets and directories */
}
