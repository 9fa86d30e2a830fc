/* The containers source, over the Docker Engine API (sources/engine_conn.h):
 *
 *   events:   GET /events, filtered to the container changes that matter;
 *             it stays open and says when something changed.
 *   requests: the list and inspect of every container (GET /containers/json,
 *             /containers/{id}/json) at start and again only after an
 *             event; each refresh, one one-shot stats request per running
 *             container (CPU from two samples an interval apart, as
 *             `docker stats` computes it between its own two).
 *
 * How the engine is reached: when `docker =` says only where its socket is
 * (docker_engine_socket()), each connection is a direct-streamlocal channel
 * to that socket (the host's sshd connects it; no process on the host), and
 * a stats round's requests go out at once over up to STATS_LANES_MAX kept
 * connections: the engine answers each at its stats collector's next tick
 * (once a second), so one after the other on one connection a round would
 * take a second per running container. Otherwise (`sudo docker`, a
 * wrapper, a host that refuses the channel) each connection is a long-lived
 * `docker system dial-stdio` (a docker CLI on the host), two per host, and
 * the stats go one after the other on the requests connection.
 *
 * So in steady state no process is started on the host per refresh (why
 * this and not `docker events` + streaming `docker stats`: docs/HACKING.md,
 * measured). A connection that ends, an answer that does not come, an
 * error from the engine: the source is shown failed with docker's own words,
 * every connection is closed and opened again with backoff. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/parse/docker_api.h"
#include "opsdeck/parse/docker_json.h"
#include "opsdeck/sources/cgroup_stats.h"
#include "opsdeck/sources/engine_conn.h"
#include "opsdeck/sources/source.h"
#include "opsdeck/bytes.h"
#include "opsdeck/snapshot_fields.h"

#define ANSWER_MAX      ((size_t)4 << 20) /* one API answer: list, inspect, stats */
#define EVENT_LINE_MAX  65536             /* one event; longer ones are skipped */
#define MIN_DEADLINE_MS 5000              /* the engine answers a request within this */
#define FIRST_ANSWER_MS 20000 /* ... but the first waits for the host to start dial-stdio */
#define BACKOFF_FIRST   1000
#define BACKOFF_MAX     8000
/* connections a stats round uses at once over the socket: a round of up to
 * this many running containers takes one collector tick */
#define STATS_LANES_MAX 8
#define TUNNEL_NAME     "docker/engine.sock"

/* The container changes that make the list and inspect worth asking again. */
#define EVENTS_PATH                                                                                \
    "/events?filters=%7B%22type%22%3A%5B%22container%22%5D%2C%22event%22%3A%5B%22start%22%2C"      \
    "%22stop%22%2C%22die%22%2C%22health_status%22%2C%22restart%22%2C%22create%22%2C%22destroy"     \
    "%22%2C%22rename%22%2C%22pause%22%2C%22unpause%22%2C%22oom%22%5D%7D"

typedef enum { JOB_IDLE, JOB_LIST, JOB_INSPECT, JOB_STATS } job_kind;

typedef struct containers_state containers_state;

/* One requests connection and the request in flight on it. Lane 0 carries
 * the list and inspect too; the others only stats. */
typedef struct lane {
    containers_state *st;
    engine_conn *conn;
    job_kind job; /* JOB_IDLE: nothing in flight */
    size_t index; /* the container (list entry, or item) asked about */
    int status;
    char *body;
    size_t body_len, body_cap;
    bool body_over;
    bool answered; /* its connection has answered once: its channel is open */
    uint64_t deadline_timer;
} lane;

struct containers_state {
    const source_ctx *ctx;
    char command[4096];
    bool command_ok;
    /* the engine's socket on the host ("" when the docker value says more
     * than that); refused: the host refused the channel to it, so this
     * connection is dial-stdio (retried over the socket after a failure) */
    char socket[ENGINE_SOCKET_MAX];
    bool socket_refused;
    char refused_why[300];
    engine_conn *events;
    lane lanes[STATS_LANES_MAX];
    int nlanes;        /* lanes usable now: 1 over dial-stdio */
    bool connected;    /* the connections asked for, none ended */
    bool have_list;    /* a whole list + inspect has come in since connecting */
    bool dirty;        /* an event came: list and inspect again */
    bool want_stats;   /* a refresh waits for a stats round */
    bool pending;      /* a tick waits: attempt_done is owed */
    job_kind job;      /* what is in flight: a fetch (on lane 0) or a stats round */
    size_t round_next; /* the stats round: the next item to ask about */
    /* the list being fetched, and the containers being built from it */
    docker_list_entry *list;
    size_t nlist;
    container_info *fresh;
    size_t nfresh;
    /* what the source knows: sorted by name, with each one's last CPU
     * counters (parallel) */
    container_info *items;
    docker_cpu_sample *prev;
    size_t count;
    double stats_at; /* when the last stats round ended; 0 none */
    /* the events body, split in lines */
    char *evline;
    size_t evlen;
    bool evskip;
    /* failure and restart */
    int backoff_ms;
    uint64_t restart_timer, teardown_timer;
    /* closed from the loop, never inside their callbacks */
    engine_conn *dead[STATS_LANES_MAX + 1];
    int ndead;
    /* CPU and memory from the host's cgroup files over SFTP, for the
     * containers whose files it found (sources/cgroup_stats.h); the others,
     * and every container when it is NULL, from the engine's stats */
    cgroup_stats *cg;
    bool cg_off;         /* the host refused SFTP or it misbehaved: the engine only */
    bool cg_answered;    /* it has answered a round: steady deadlines */
    bool cg_round;       /* this round's cgroup reads are in flight */
    bool round_waits_cg; /* this round waits for the containers' files to be found */
    bool sending_round;  /* run_round() is sending: answers that come at once wait for it */
    uint64_t cg_timer;   /* the deadline of either */
    cgroup_stats *cg_dead;
    uint64_t cg_end_timer;
};

static void start_fetch(containers_state *st);
static void next_job(containers_state *st);
static void schedule_restart(containers_state *st);
static void connect_engine(containers_state *st);

/* docker = has a default, so every host has containers unless its config
 * says it runs no engine (docker = none): then nothing is polled and the
 * host is not called degraded for lacking one. */
static bool containers_enabled(const host_config *host)
{
    return !host->docker || strcmp(host->docker, "none") != 0;
}

static const char *host_name(const containers_state *st)
{
    return st->ctx->host->config->name;
}

static bool via_socket(const containers_state *st)
{
    return st->socket[0] && !st->socket_refused;
}

/* A connection's first answer waits for its SSH channel to open (one open
 * at a time per session, a round trip each: after a reconnect, all the
 * lanes' opens queue behind each other) or for dial-stdio to start: held to
 * the steady-state deadline, a slow link or a loaded host would fail every
 * reconnect's first stats round, and the source never come back. */
static int deadline_ms(const lane *l)
{
    const containers_state *st = l->st;
    if (!st->have_list || !l->answered)
        return FIRST_ANSWER_MS;
    int ms = 2 * 1000 * (st->ctx->interval_s > 0 ? st->ctx->interval_s : 1);
    return ms < MIN_DEADLINE_MS ? MIN_DEADLINE_MS : ms;
}

/* The same rule for the cgroup reads over SFTP. */
static int cg_deadline_ms(const containers_state *st)
{
    if (!st->have_list || !st->cg_answered)
        return FIRST_ANSWER_MS;
    int ms = 2 * 1000 * (st->ctx->interval_s > 0 ? st->ctx->interval_s : 1);
    return ms < MIN_DEADLINE_MS ? MIN_DEADLINE_MS : ms;
}

static void cancel_cg_deadline(containers_state *st)
{
    if (st->cg_timer)
        loop_timer_cancel(st->ctx->loop, st->cg_timer);
    st->cg_timer = 0;
}

static void settle_tick(containers_state *st)
{
    if (!st->pending)
        return;
    st->pending = false;
    st->ctx->attempt_done(st->ctx, SRC_CONTAINERS);
}

/* ---- failure ---- */

static void close_dead(containers_state *st)
{
    for (int i = 0; i < st->ndead; i++)
        engine_conn_close(st->dead[i]);
    st->ndead = 0;
}

static void on_teardown(loop_t *loop, void *arg)
{
    containers_state *st = arg;
    st->teardown_timer = 0;
    close_dead(st);
}

static void bury(containers_state *st, engine_conn *c)
{
    if (!c)
        return;
    engine_conn_mute(c);
    st->dead[st->ndead++] = c;
}

static void drop_connections(containers_state *st)
{
    /* this may run inside one of their callbacks: closed from the loop */
    close_dead(st); /* from an earlier failure: not in a callback */
    bury(st, st->events);
    st->events = NULL;
    for (int i = 0; i < STATS_LANES_MAX; i++) {
        lane *l = &st->lanes[i];
        if (l->deadline_timer)
            loop_timer_cancel(st->ctx->loop, l->deadline_timer);
        l->deadline_timer = 0;
        bury(st, l->conn);
        l->conn = NULL;
        l->job = JOB_IDLE;
        l->answered = false;
        l->body_len = 0;
    }
    if (!st->teardown_timer)
        st->teardown_timer = loop_timer_add(st->ctx->loop, 0, on_teardown, st);
    st->nlanes = 0;
    st->connected = false;
    st->have_list = false;
    st->job = JOB_IDLE;
    /* the cgroup reader stays (it does not go through the engine); only
     * this round is over */
    st->cg_round = st->round_waits_cg = false;
    cancel_cg_deadline(st);
    free(st->list);
    free(st->fresh);
    st->list = NULL;
    st->fresh = NULL;
    st->nlist = st->nfresh = 0;
}

static void fail(containers_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(containers_state *st, const char *fmt, ...)
{
    char why[MODEL_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    const source_ctx *ctx = st->ctx;
    /* a transport's error already starts with the host's name: once is enough */
    const char *name = host_name(st);
    size_t n = strlen(name);
    const char *rest =
        strncmp(why, name, n) == 0 && strncmp(why + n, ": ", 2) == 0 ? why + n + 2 : why;
    /* over dial-stdio because the socket was refused: both reasons */
    if (st->socket[0] && st->socket_refused)
        model_source_failed(ctx->model, ctx->host, SRC_CONTAINERS, loop_wall_time(),
                            "%s: containers: %s (through dial-stdio; %s)", name, rest,
                            st->refused_why);
    else
        model_source_failed(ctx->model, ctx->host, SRC_CONTAINERS, loop_wall_time(),
                            "%s: containers: %s", name, rest);
    drop_connections(st);
    schedule_restart(st);
    settle_tick(st);
}

/* ---- publishing ---- */

static int cmp_name(const void *a, const void *b)
{
    const container_info *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->id, y->id);
}

/* Hands the model a copy, status texts told for now. */
static void publish(containers_state *st, bool fresh_sample)
{
    const source_ctx *ctx = st->ctx;
    container_info *copy = st->count ? malloc(st->count * sizeof(*copy)) : NULL;
    if (st->count && !copy)
        return;
    double now = loop_wall_time();
    for (size_t i = 0; i < st->count; i++) {
        docker_status_retell(&st->items[i], now);
        copy[i] = st->items[i];
    }
    model_set_containers(ctx->model, ctx->host, copy, st->count);
    if (fresh_sample)
        model_source_ok(ctx->model, ctx->host, SRC_CONTAINERS, st->stats_at);
}

/* Tells the cgroup reader which containers run now (their host PIDs). */
static void track_cgroups(containers_state *st)
{
    if (!st->cg)
        return;
    cgroup_target *targets = st->count ? calloc(st->count, sizeof(*targets)) : NULL;
    size_t n = 0;
    for (size_t i = 0; targets && i < st->count; i++)
        if (strcmp(st->items[i].state, "running") == 0 && st->items[i].pid > 0)
            targets[n++] = (cgroup_target){.id = st->items[i].id, .pid = st->items[i].pid};
    cgroup_stats_track(st->cg, targets, n);
    free(targets);
}

/* The list and inspect are in: they replace the known containers, each
 * keeping its last figures and CPU counters. */
static void adopt_fresh(containers_state *st)
{
    if (st->nfresh > 1)
        qsort(st->fresh, st->nfresh, sizeof(*st->fresh), cmp_name);
    docker_cpu_sample *prev = st->nfresh ? calloc(st->nfresh, sizeof(*prev)) : NULL;
    if (st->nfresh && !prev) {
        fail(st, "out of memory for %zu containers", st->nfresh);
        return;
    }
    for (size_t i = 0; i < st->nfresh; i++) {
        container_info *c = &st->fresh[i];
        c->cpu_percent = -1;
        c->mem_bytes = -1;
        for (size_t k = 0; k < st->count; k++) {
            if (strcmp(st->items[k].id, c->id) != 0)
                continue;
            /* started again since: its counters began again from zero, and
             * a difference with the old ones would read as 0 % */
            if (strcmp(c->state, "running") == 0 && c->started_at == st->items[k].started_at) {
                c->cpu_percent = st->items[k].cpu_percent;
                c->mem_bytes = st->items[k].mem_bytes;
                prev[i] = st->prev[k];
            }
            break;
        }
    }
    free(st->items);
    free(st->prev);
    st->items = st->fresh;
    st->prev = prev;
    st->count = st->nfresh;
    st->fresh = NULL;
    st->nfresh = 0;
    free(st->list);
    st->list = NULL;
    st->nlist = 0;
    st->have_list = true;
    st->backoff_ms = 0;
    track_cgroups(st);
    publish(st, false);
}

/* ---- the requests connections ---- */

static bool is_running(const container_info *c)
{
    return strcmp(c->state, "running") == 0;
}

static void on_deadline(loop_t *loop, void *arg)
{
    lane *l = arg;
    l->deadline_timer = 0;
    if (l->job == JOB_IDLE)
        return; /* answered in the same turn: not late */
    fail(l->st, "the engine did not answer within %.0f s", deadline_ms(l) / 1000.0);
}

static void send_job(lane *l, job_kind job, size_t index, const char *path)
{
    containers_state *st = l->st;
    l->job = job;
    l->index = index;
    l->status = 0;
    l->body_len = 0;
    l->body_over = false;
    /* armed before the send: over dial-stdio the write drives the session
     * at once, and a connection that ends there fails the source, which
     * cancels this timer (armed after, it would outlive the failure and cut
     * the next, healthy connection); one timer per lane, always */
    if (l->deadline_timer)
        loop_timer_cancel(st->ctx->loop, l->deadline_timer);
    l->deadline_timer = loop_timer_add(st->ctx->loop, deadline_ms(l), on_deadline, l);
    if (engine_conn_get(l->conn, path) < 0)
        fail(st, "cannot send a request to the engine");
}

static void send_for(lane *l, job_kind job, size_t index, const char *id)
{
    char path[256];
    if (job == JOB_INSPECT)
        snprintf(path, sizeof(path), "/containers/%s/json", id);
    else
        snprintf(path, sizeof(path), "/containers/%s/stats?stream=false&one-shot=true", id);
    send_job(l, job, index, path);
}

static void start_fetch(containers_state *st)
{
    st->dirty = false;
    st->job = JOB_LIST;
    send_job(&st->lanes[0], JOB_LIST, 0, "/containers/json?all=1");
}

/* Whether this round reads the container's cgroup files, not the engine. */
static bool read_by_cgroup(const containers_state *st, size_t i)
{
    return st->cg_round && cgroup_stats_has(st->cg, st->items[i].id);
}

/* Gives an idle lane the round's next running container; false when the
 * round has none left. */
static bool lane_take_stats(lane *l)
{
    containers_state *st = l->st;
    for (size_t i = st->round_next; i < st->count; i++)
        if (is_running(&st->items[i]) && !read_by_cgroup(st, i)) {
            st->round_next = i + 1;
            send_for(l, JOB_STATS, i, st->items[i].id);
            return true;
        }
    st->round_next = st->count;
    return false;
}

static void round_over_if_done(containers_state *st)
{
    if (st->cg_round || st->round_waits_cg)
        return;
    for (int k = 0; k < st->nlanes; k++)
        if (st->lanes[k].job != JOB_IDLE)
            return;
    st->job = JOB_IDLE;
    st->want_stats = false;
    st->stats_at = loop_wall_time();
    publish(st, true);
    settle_tick(st);
    next_job(st);
}

static const engine_conn_events api_events;

/* Over the socket, opens the lanes a round of running containers can use
 * at once (kept open for the next rounds). A lane that cannot open is done
 * without: the round only takes longer. */
static void open_lanes(containers_state *st, size_t running)
{
    if (!via_socket(st))
        return;
    size_t want = running < STATS_LANES_MAX ? running : STATS_LANES_MAX;
    while ((size_t)st->nlanes < want) {
        lane *l = &st->lanes[st->nlanes];
        char err[300];
        l->conn = engine_conn_open_socket(st->ctx->transport, st->ctx->loop, st->socket,
                                          TUNNEL_NAME, &api_events, l, err, sizeof(err));
        if (!l->conn)
            return;
        st->nlanes++;
    }
}

static void run_round(containers_state *st);

/* After the reader ended (or was given up): closed from the loop, and a
 * round that waited on it is served by the engine instead. */
static void on_cg_end(loop_t *loop, void *arg)
{
    containers_state *st = arg;
    st->cg_end_timer = 0;
    cgroup_stats_close(st->cg_dead);
    st->cg_dead = NULL;
    if (st->job != JOB_STATS || (!st->cg_round && !st->round_waits_cg))
        return;
    cancel_cg_deadline(st);
    st->cg_round = false;
    st->round_next = 0; /* those read by cgroup: asked of the engine now */
    run_round(st);
}

static void drop_cg(containers_state *st)
{
    if (!st->cg)
        return;
    cgroup_stats_close(st->cg_dead); /* an earlier one: not in a callback */
    st->cg_dead = st->cg;
    st->cg = NULL;
    if (!st->cg_end_timer)
        st->cg_end_timer = loop_timer_add(st->ctx->loop, 0, on_cg_end, st);
}

static void on_cg_deadline(loop_t *loop, void *arg)
{
    containers_state *st = arg;
    st->cg_timer = 0;
    if (!st->cg_round && !st->round_waits_cg)
        return;
    /* a host whose SFTP server stops answering while the host itself does:
     * the engine's stats from now on (a host gone silent is asked again
     * when it comes back) */
    transport_t *t = st->ctx->transport;
    st->cg_off = transport_get_state(t) == TRANSPORT_UP && !transport_silence(t)[0];
    drop_cg(st);
    fail(st, "the host's SFTP server did not answer within %.0f s (its cgroup counters)",
         cg_deadline_ms(st) / 1000.0);
}

static void arm_cg_deadline(containers_state *st)
{
    if (st->cg_timer)
        loop_timer_cancel(st->ctx->loop, st->cg_timer);
    st->cg_timer = loop_timer_add(st->ctx->loop, cg_deadline_ms(st), on_cg_deadline, st);
}

static void cg_round_done(containers_state *st);

/* Sends the round: one batch of cgroup reads for the containers whose
 * files are open, engine stats requests for the others. */
static void run_round(containers_state *st)
{
    st->round_waits_cg = false;
    /* sending drives the session, and the cgroup reads' answers can all be
     * in before cgroup_stats_round() returns: taken after, below */
    st->sending_round = true;
    st->cg_round = st->cg && cgroup_stats_round(st->cg) > 0;
    if (st->cg_round)
        arm_cg_deadline(st);
    size_t running = 0;
    for (size_t i = 0; i < st->count; i++)
        running += is_running(&st->items[i]) && !read_by_cgroup(st, i);
    open_lanes(st, running);
    for (int k = 0; k < st->nlanes && st->connected; k++)
        if (st->lanes[k].job == JOB_IDLE && !lane_take_stats(&st->lanes[k]))
            break;
    st->sending_round = false;
    if (st->cg_round)
        cg_round_done(st); /* if its answers are all in already */
    else if (st->connected)
        round_over_if_done(st);
}

static void start_round(containers_state *st)
{
    st->job = JOB_STATS;
    st->round_next = 0;
    if (st->cg && cgroup_stats_settling(st->cg)) {
        /* a container's files are being found: a moment (a few round
         * trips), and the engine's stats would take a collector tick */
        st->round_waits_cg = true;
        arm_cg_deadline(st);
        return;
    }
    run_round(st);
}

/* ---- the cgroup reader ---- */

/* Takes the round's cgroup figures once all their answers are in. */
static void cg_round_done(containers_state *st)
{
    if (!st->cg_round || !st->cg || cgroup_stats_busy(st->cg))
        return;
    cancel_cg_deadline(st);
    st->cg_answered = true;
    for (size_t i = 0; i < st->count; i++) {
        container_info *c = &st->items[i];
        docker_cpu_sample cpu;
        int64_t mem;
        if (!is_running(c) || !cgroup_stats_sample(st->cg, c->id, &cpu, &mem))
            continue;
        /* the engine's own formula, between this and the last sample
         * (either way: the engine reads the same counters) */
        c->cpu_percent = docker_cpu_percent(&st->prev[i], &cpu);
        c->mem_bytes = mem;
        st->prev[i] = cpu;
    }
    st->cg_round = false;
    round_over_if_done(st);
}

static void cg_changed(void *arg)
{
    containers_state *st = arg;
    if (st->sending_round)
        return; /* run_round() looks when it is done sending */
    if (st->round_waits_cg && !cgroup_stats_settling(st->cg)) {
        cancel_cg_deadline(st);
        run_round(st);
        return;
    }
    cg_round_done(st);
}

/* SFTP is over. A host that refused it (or spoke something else) keeps to
 * the engine's stats; a channel or session that went away is asked again
 * at the source's next connect. */
static void cg_ended(const char *why, bool for_good, void *arg)
{
    containers_state *st = arg;
    (void)why;
    if (for_good)
        st->cg_off = true;
    drop_cg(st);
}

static const cgroup_stats_events cg_events = {.changed = cg_changed, .ended = cg_ended};

/* Starts what is owed: a fetch after an event (first), then a stats round. */
static void next_job(containers_state *st)
{
    if (st->job != JOB_IDLE || !st->connected)
        return;
    if (st->dirty || !st->have_list)
        start_fetch(st);
    else if (st->want_stats)
        start_round(st);
}

static void inspect_from(containers_state *st, size_t index)
{
    if (index < st->nlist) {
        send_for(&st->lanes[0], JOB_INSPECT, index, st->list[index].id);
        return;
    }
    st->job = JOB_IDLE;
    adopt_fresh(st);
    next_job(st);
}

static void list_answered(lane *l)
{
    containers_state *st = l->st;
    char why[256];
    free(st->list);
    st->list = NULL;
    if (docker_api_parse_list(l->body, l->body_len, &st->list, &st->nlist, why, sizeof(why)) < 0) {
        fail(st, "%s", why);
        return;
    }
    free(st->fresh);
    st->fresh = st->nlist ? calloc(st->nlist, sizeof(*st->fresh)) : NULL;
    st->nfresh = 0;
    if (st->nlist && !st->fresh) {
        fail(st, "out of memory for %zu containers", st->nlist);
        return;
    }
    st->job = JOB_INSPECT;
    inspect_from(st, 0);
}

static void inspect_answered(lane *l)
{
    containers_state *st = l->st;
    size_t i = l->index;
    char why[256];
    /* 404: removed between the list and now; the next event says so */
    if (l->status == 200) {
        container_info *c = &st->fresh[st->nfresh];
        if (docker_parse_inspect_one(l->body, l->body_len, c, why, sizeof(why)) == 0) {
            snprintf(c->status, sizeof(c->status), "%s", st->list[i].status);
            st->nfresh++;
        }
    }
    inspect_from(st, i + 1);
}

static void stats_answered(lane *l)
{
    containers_state *st = l->st;
    size_t i = l->index;
    container_info *c = &st->items[i];
    docker_cpu_sample cpu;
    int64_t mem;
    char why[256];
    if (l->status == 200 &&
        docker_api_parse_stats(l->body, l->body_len, &cpu, &mem, why, sizeof(why)) == 0) {
        c->cpu_percent = docker_cpu_percent(&st->prev[i], &cpu);
        c->mem_bytes = mem;
        st->prev[i] = cpu;
    }
    if (!lane_take_stats(l))
        round_over_if_done(st);
}

static void api_head(int status, void *arg)
{
    lane *l = arg;
    l->status = status;
}

static void api_body(const char *buf, size_t len, void *arg)
{
    lane *l = arg;
    if (l->body_over || len > ANSWER_MAX - l->body_len) {
        l->body_over = true;
        return;
    }
    if (l->body_len + len > l->body_cap) {
        size_t cap = l->body_cap ? l->body_cap : 16384;
        while (cap < l->body_len + len)
            cap *= 2;
        if (cap > ANSWER_MAX)
            cap = ANSWER_MAX;
        char *body = realloc(l->body, cap);
        if (!body) {
            l->body_over = true;
            return;
        }
        l->body = body;
        l->body_cap = cap;
    }
    memcpy(l->body + l->body_len, buf, len);
    l->body_len += len;
}

static void api_done(void *arg)
{
    lane *l = arg;
    containers_state *st = l->st;
    if (l->deadline_timer)
        loop_timer_cancel(st->ctx->loop, l->deadline_timer);
    l->deadline_timer = 0;
    job_kind job = l->job;
    l->job = JOB_IDLE;
    l->answered = true;
    if (l->body_over) {
        fail(st, "an answer over %zu MiB: refused", ANSWER_MAX >> 20);
        return;
    }
    bool gone = l->status == 404 && job != JOB_LIST;
    if (l->status != 200 && !gone) {
        char msg[256];
        docker_api_error_message(l->body, l->body_len, msg, sizeof(msg));
        fail(st, "the engine answered %d: %s", l->status, msg);
        return;
    }
    switch (job) {
    case JOB_LIST:
        list_answered(l);
        break;
    case JOB_INSPECT:
        inspect_answered(l);
        break;
    case JOB_STATS:
        stats_answered(l);
        break;
    case JOB_IDLE:
        fail(st, "the engine answered a request that was not asked");
        break;
    }
}

/* A connection ended. The channel to the socket refused by the host: the
 * same connections again over dial-stdio at once, the source not failed
 * (the next failure tries the socket again). */
static void ended(containers_state *st, const char *why, bool refused)
{
    if (refused && via_socket(st)) {
        st->socket_refused = true;
        snprintf(st->refused_why, sizeof(st->refused_why), "%s", why);
        drop_connections(st);
        connect_engine(st);
        return;
    }
    fail(st, "%s", why);
}

static void api_ended(const char *why, bool refused, void *arg)
{
    lane *l = arg;
    ended(l->st, why, refused);
}

static const engine_conn_events api_events = {
    .head = api_head, .body = api_body, .done = api_done, .ended = api_ended};

/* ---- the events connection ---- */

static void events_head(int status, void *arg)
{
    containers_state *st = arg;
    if (status != 200)
        fail(st, "the engine refused its events (HTTP %d)", status);
}

static void event_line(containers_state *st)
{
    if (st->evlen == 0 || st->evline[0] != '{')
        return;
    st->dirty = true;
    next_job(st);
}

static void events_body(const char *buf, size_t len, void *arg)
{
    containers_state *st = arg;
    for (size_t i = 0; i < len && st->connected; i++) {
        if (buf[i] == '\n') {
            if (!st->evskip)
                event_line(st);
            st->evlen = 0;
            st->evskip = false;
        } else if (st->evlen < EVENT_LINE_MAX) {
            st->evline[st->evlen++] = buf[i];
        } else {
            st->evskip = true; /* too long to be an event we read: skipped */
            st->dirty = true;  /* but something happened */
        }
    }
}

static void events_done(void *arg)
{
    fail(arg, "the engine ended its events");
}

static void events_ended(const char *why, bool refused, void *arg)
{
    ended(arg, why, refused);
}

static const engine_conn_events event_events = {
    .head = events_head, .body = events_body, .done = events_done, .ended = events_ended};

/* ---- connecting ---- */

static engine_conn *open_conn(containers_state *st, const engine_conn_events *ev, void *arg,
                              char *err, size_t errsize)
{
    transport_t *t = st->ctx->transport;
    if (via_socket(st))
        return engine_conn_open_socket(t, st->ctx->loop, st->socket, TUNNEL_NAME, ev, arg, err,
                                       errsize);
    engine_conn *c = engine_conn_open(t, st->command, ev, arg);
    if (!c)
        snprintf(err, errsize, "cannot run a command: %s", transport_error(t));
    return c;
}

static void connect_engine(containers_state *st)
{
    char err[400];
    if (!st->cg && !st->cg_off && !st->cg_dead)
        st->cg = cgroup_stats_open(st->ctx->transport, &cg_events, st);
    st->lanes[0].conn = open_conn(st, &api_events, &st->lanes[0], err, sizeof(err));
    st->events = st->lanes[0].conn ? open_conn(st, &event_events, st, err, sizeof(err)) : NULL;
    if (!st->lanes[0].conn || !st->events) {
        if (via_socket(st)) {
            /* no tunnel (or, on this machine, no such socket): dial-stdio */
            engine_conn_close(st->lanes[0].conn);
            engine_conn_close(st->events);
            st->lanes[0].conn = st->events = NULL;
            st->socket_refused = true;
            snprintf(st->refused_why, sizeof(st->refused_why), "%.299s", err);
            connect_engine(st);
            return;
        }
        st->nlanes = st->lanes[0].conn ? 1 : 0;
        fail(st, "%s", err);
        return;
    }
    st->nlanes = 1;
    st->connected = true;
    st->evlen = 0;
    st->evskip = false;
    if (engine_conn_get(st->events, EVENTS_PATH) < 0) {
        fail(st, "cannot ask the engine for its events");
        return;
    }
    start_fetch(st);
}

static void on_restart(loop_t *loop, void *arg)
{
    containers_state *st = arg;
    st->restart_timer = 0;
    st->socket_refused = false; /* the socket first again */
    connect_engine(st);
}

static void schedule_restart(containers_state *st)
{
    if (st->restart_timer)
        return;
    st->backoff_ms = st->backoff_ms ? st->backoff_ms * 2 : BACKOFF_FIRST;
    if (st->backoff_ms > BACKOFF_MAX)
        st->backoff_ms = BACKOFF_MAX;
    st->restart_timer = loop_timer_add(st->ctx->loop, st->backoff_ms, on_restart, st);
}

/* ---- the source interface ---- */

static void *containers_start(const source_ctx *ctx)
{
    containers_state *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->ctx = ctx;
    for (int i = 0; i < STATS_LANES_MAX; i++)
        st->lanes[i].st = st;
    st->evline = malloc(EVENT_LINE_MAX);
    if (!st->evline) {
        free(st);
        return NULL;
    }
    st->command_ok =
        docker_shell_command(ctx->host->config->docker, "exec \"$@\" system dial-stdio",
                             st->command, sizeof(st->command)) >= 0;
    if (!docker_engine_socket(ctx->host->config->docker, st->socket, sizeof(st->socket)))
        st->socket[0] = '\0';
    if (st->command_ok)
        connect_engine(st);
    return st;
}

static void containers_tick(void *state)
{
    containers_state *st = state;
    const source_ctx *ctx = st->ctx;
    if (!st->command_ok) {
        model_source_failed(ctx->model, ctx->host, SRC_CONTAINERS, loop_wall_time(),
                            "%s: containers: the docker value is too long (the command must fit "
                            "in %zu bytes)",
                            host_name(st), sizeof(st->command));
        ctx->attempt_done(ctx, SRC_CONTAINERS);
        return;
    }
    if (!st->connected) {
        /* failed and waiting to reconnect: the failure is in the model. A
         * copy: the model formats into the very buffer it would be read from */
        char why[MODEL_ERROR_MAX];
        snprintf(why, sizeof(why), "%s", ctx->host->status[SRC_CONTAINERS].error);
        model_source_failed(ctx->model, ctx->host, SRC_CONTAINERS, loop_wall_time(), "%s", why);
        ctx->attempt_done(ctx, SRC_CONTAINERS);
        return;
    }
    st->pending = true;
    st->want_stats = true;
    next_job(st);
}

static void containers_stop(void *state)
{
    containers_state *st = state;
    if (!st)
        return;
    loop_t *loop = st->ctx->loop;
    if (st->restart_timer)
        loop_timer_cancel(loop, st->restart_timer);
    if (st->teardown_timer)
        loop_timer_cancel(loop, st->teardown_timer);
    if (st->cg_timer)
        loop_timer_cancel(loop, st->cg_timer);
    if (st->cg_end_timer)
        loop_timer_cancel(loop, st->cg_end_timer);
    cgroup_stats_close(st->cg);
    cgroup_stats_close(st->cg_dead);
    close_dead(st);
    for (int i = 0; i < STATS_LANES_MAX; i++) {
        if (st->lanes[i].deadline_timer)
            loop_timer_cancel(loop, st->lanes[i].deadline_timer);
        engine_conn_close(st->lanes[i].conn);
        free(st->lanes[i].body);
    }
    engine_conn_close(st->events);
    free(st->list);
    free(st->fresh);
    free(st->items);
    free(st->prev);
    free(st->evline);
    free(st);
}

static void containers_clear(host_model *h)
{
    containers_sample_clear(&h->containers);
}

static void containers_json(json_t *o, const host_model *h, bool known)
{
    json_t *items = json_array();
    for (size_t i = 0; i < h->containers.count; i++) {
        const container_info *ci = &h->containers.items[i];
        json_t *it = json_object();
        json_object_set_new(it, "name", snapshot_remote_string(ci->name));
        json_object_set_new(it, "image", snapshot_remote_string(ci->image));
        json_object_set_new(it, "state", snapshot_remote_string(ci->state));
        json_object_set_new(it, "health",
                            ci->health[0] ? snapshot_remote_string(ci->health) : json_null());
        json_object_set_new(it, "status", snapshot_remote_string(ci->status));
        json_object_set_new(it, "restarts", json_integer(ci->restarts));
        json_object_set_new(it, "cpu_percent", snapshot_number(ci->cpu_percent));
        json_object_set_new(it, "mem_bytes",
                            ci->mem_bytes < 0 ? json_null() : json_integer(ci->mem_bytes));
        json_array_append_new(items, it);
    }
    json_object_set_new(o, "items", snapshot_list(known, items));
}

static void containers_text(FILE *out, const host_model *h)
{
    for (size_t i = 0; i < h->containers.count; i++) {
        const container_info *ci = &h->containers.items[i];
        char mem[32];
        fmt_bytes(ci->mem_bytes, mem, sizeof(mem));
        fputs("    ", out);
        snapshot_put_clean(out, ci->name);
        fputs("  ", out);
        snapshot_put_clean(out, ci->state);
        if (ci->health[0]) {
            fputs(" (", out);
            snapshot_put_clean(out, ci->health);
            fputc(')', out);
        }
        fprintf(out, "  restarts %d", ci->restarts);
        if (ci->cpu_percent >= 0)
            fprintf(out, "  cpu %.1f%%", ci->cpu_percent);
        fprintf(out, "  mem %s  ", mem);
        snapshot_put_clean(out, ci->image);
        fputc('\n', out);
    }
}

const source_ops containers_source = {
    .kind = SRC_CONTAINERS,
    .enabled = containers_enabled,
    .start = containers_start,
    .tick = containers_tick,
    .stop = containers_stop,
    .clear = containers_clear,
    .write_json = containers_json,
    .write_text = containers_text,
};
