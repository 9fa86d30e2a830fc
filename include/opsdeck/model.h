/* The state of the fleet. Sources write it; the UI and the snapshot read it.
 *
 * Every source has a source_status: whether its last attempt worked, why
 * not, and when it last produced a good sample. A sample that is not from
 * the last attempt is stale, and readers must show it so. Strings that came
 * from a host are stored as received (bounded) and sanitized at display. */
#ifndef OPSDECK_MODEL_H
#define OPSDECK_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opsdeck/config.h"

#define MODEL_ERROR_MAX   256
#define MODEL_HISTORY_LEN 120 /* samples kept for sparklines */

typedef enum {
    SRC_CONTAINERS,
    SRC_GOLDEN,
    SRC_HEALTH,
    SRC_WS,
    SRC_ALERTS,
    SRC_POSTGRES,
    SRC_REDIS,
    SRC_COUNT
} source_kind;

/* JSON key of each source in the snapshot ("containers", "golden", ...) */
const char *source_kind_name(source_kind kind);

typedef struct source_status {
    bool configured;
    bool ok;                     /* the last attempt produced a good sample */
    bool has_sample;             /* some attempt ever did */
    char error[MODEL_ERROR_MAX]; /* why the last attempt failed; "" when ok */
    double last_ok_at;           /* wall clock, seconds; 0 never */
    double last_attempt_at;
} source_status;

/* A fixed ring of recent values (for sparklines). */
typedef struct history {
    double values[MODEL_HISTORY_LEN];
    int count; /* how many are valid, up to MODEL_HISTORY_LEN */
    int head;  /* index of the next write */
} history;

void history_push(history *h, double value);
/* i = 0 is the oldest kept value */
double history_at(const history *h, int i);

typedef struct container_info {
    char name[128];
    char id[80];
    char image[256];
    char state[32];            /* running, exited, restarting, paused, created, dead */
    char health[32];           /* healthy, unhealthy, starting, "" when no health check */
    char status[128];          /* docker's status text: "Up 3 minutes (healthy)" */
    char compose_service[128]; /* com.docker.compose.service label, "" none */
    int restarts;
    /* from inspect, so that the status text can be told again as time
     * passes ("Up 3 minutes" -> "Up 4 minutes") without asking the host */
    double started_at, finished_at; /* wall clock, seconds; 0 unknown */
    int exit_code;
    int pid;            /* State.Pid: its first process on the host; 0 when not running */
    double cpu_percent; /* < 0: unknown (not running) */
    int64_t mem_bytes;  /* < 0: unknown */
} container_info;

typedef struct containers_sample {
    container_info *items;
    size_t count;
} containers_sample;

typedef struct golden_sample {
    char source[16]; /* "metrics" or "prometheus" */
    double rps, error_ratio;
    double latency_p50_s, latency_p95_s, latency_p99_s;
    /* < 0 when unknown */
    double cpu_percent, mem_percent, disk_free_percent;
    history rps_hist, error_hist, p95_hist, cpu_hist, mem_hist;
} golden_sample;

typedef struct health_sample {
    int http_status;
    double latency_s;
    char *body; /* raw body, bounded; NULL none */
} health_sample;

typedef struct ws_sample {
    double active_connections, total_messages_sent, total_broadcasts;
    char last_broadcast_at[64];
    double messages_per_s; /* < 0 until two samples */
} ws_sample;

typedef struct alert_info {
    char name[128];
    char severity[32];
    char state[32]; /* active, suppressed, unprocessed */
    char starts_at[40];
    double starts_at_epoch;
    char summary[512];
    char *labels_json;      /* the alert's labels, as JSON text */
    char *annotations_json; /* its annotations, as JSON text */
} alert_info;

typedef struct alerts_sample {
    alert_info *items;
    size_t count;
} alerts_sample;

typedef struct pg_backend {
    int pid;
    char user[64], database[64], application[64];
    char state[32], wait_event[64];
    double seconds;
    char *query;     /* full text as received, bounded */
    int *blocked_by; /* pids */
    size_t nblocked_by;
} pg_backend;

typedef struct postgres_sample {
    char server_version[32];
    int conn_total, conn_max, conn_active, conn_idle, conn_idle_in_txn;
    pg_backend *slow;
    size_t nslow;
    pg_backend *idle_in_txn;
    size_t nidle_in_txn;
    int64_t database_size_bytes;
} postgres_sample;

typedef struct redis_sample {
    char version[32];
    int64_t used_memory_bytes, maxmemory_bytes;
    int64_t connected_clients;
    double ops_per_sec;
    double hit_ratio; /* < 0 until two samples with lookups */
    int64_t evicted_keys, keys;
    history mem_hist, ops_hist;
} redis_sample;

typedef enum { HOST_CONNECTING, HOST_UP, HOST_DEGRADED, HOST_DOWN } host_state;

/* When each condition of a host that needs attention was first seen
 * (attention.h makes the keys), so the overview can say "for 3m12s" of
 * things the hosts give no start time for. Kept by model_observe(). */
#define MODEL_SEEN_MAX 64
typedef struct seen_entry {
    char key[160];
    double first; /* wall clock */
} seen_entry;

typedef struct seen_table {
    seen_entry items[MODEL_SEEN_MAX];
    size_t count;
} seen_table;

/* What the host looked like at its previous sample, to notice changes. */
typedef struct container_prev {
    char name[128], id[80], image[256], state[32], health[32];
    int restarts;
} container_prev;

typedef struct host_prev {
    container_prev *containers; /* NULL until the first sample */
    size_t ncontainers;
    bool have_containers;
    int health_status; /* 0: no answer */
    bool have_health;
    char **alerts; /* "name labels" of the firing alerts */
    size_t nalerts;
    bool have_alerts;
    int64_t evicted_keys;
    bool have_redis;
    bool evicting; /* Redis evicted keys between its last two samples */
} host_prev;

/* The last changes on the fleet, newest last: container (re)starts, image
 * changes, health flips, alerts that began or resolved, actions from the
 * audit log. A bounded ring: the oldest is dropped. */
#define MODEL_CHANGES_MAX 64
typedef enum {
    CHANGE_CONTAINER, /* started, restarted, stopped, health */
    CHANGE_DEPLOY,    /* a container's image changed */
    CHANGE_HEALTH,    /* the health check's answer flipped */
    CHANGE_ALERT,     /* began or resolved */
    CHANGE_ACTION,    /* an action or runbook step, from the audit log */
} change_kind;

const char *change_kind_name(change_kind kind); /* "container", "deploy", ... */

typedef struct change {
    double at;     /* wall clock */
    char host[64]; /* its host's name */
    change_kind kind;
    char what[256];  /* may hold remote text: sanitize at display */
    char who[64];    /* actions: the local user; "" otherwise */
    char result[64]; /* actions: "exit 0, verified", ...; "" otherwise */
} change;

typedef struct change_ring {
    change items[MODEL_CHANGES_MAX]; /* oldest first, by `at` */
    size_t count;
} change_ring;

/* Adds c in time order; when full, the oldest goes (c itself when it is
 * older than everything kept). */
void change_ring_add(change_ring *r, const change *c);
/* i = 0 is the newest; NULL past the end. */
const change *change_ring_newest(const change_ring *r, size_t i);

const char *host_state_name(host_state state); /* "connecting", "up", ... */

typedef struct host_model {
    const host_config *config; /* name, env, and what is configured */
    host_state state;
    char error[MODEL_ERROR_MAX]; /* the connection's error; "" none */
    char remote_user[64];
    source_status status[SRC_COUNT];
    containers_sample containers;
    golden_sample golden;
    health_sample health;
    ws_sample ws;
    alerts_sample alerts;
    postgres_sample postgres;
    redis_sample redis;
    seen_table seen; /* first-seen times of its attention items */
    host_prev prev;  /* its previous sample, for the changes */
} host_model;

typedef struct fleet_model {
    const opsdeck_config *config;
    host_model *hosts;
    size_t nhosts;
    uint64_t version; /* bumped at every write; the UI redraws on change */
    change_ring changes;
} fleet_model;

/* A model of the given hosts (all of cfg's, or the ones -e/-H selected). */
int model_init(fleet_model *m, const opsdeck_config *cfg, const host_config *const *hosts,
               size_t nhosts);
void model_free(fleet_model *m);
host_model *model_host(fleet_model *m, const char *name);

/* Recording the outcome of one attempt of a source. */
void model_source_ok(fleet_model *m, host_model *h, source_kind kind, double now);
void model_source_failed(fleet_model *m, host_model *h, source_kind kind, double now,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Seconds since the last good sample, or -1 when there never was one. */
double model_source_age(const host_model *h, source_kind kind, double now);

/* The setters a source writes its sample with (before model_source_ok()).
 * Replaces a host's container list (takes ownership of items). */
void model_set_containers(fleet_model *m, host_model *h, container_info *items, size_t count);
/* The health check's answer (body copied; NULL none). */
void model_set_health(fleet_model *m, host_model *h, int http_status, double latency_s,
                      const char *body);
void model_set_ws(fleet_model *m, host_model *h, const ws_sample *w);
/* Take what *alerts and *pg own, and leave them empty. */
void model_set_alerts(fleet_model *m, host_model *h, alerts_sample *alerts);
void model_set_postgres(fleet_model *m, host_model *h, postgres_sample *pg);
/* The figures of *figures (its histories are not read); each refresh with
 * a known traffic figure (golden) or any (redis) adds to the histories. */
void model_set_golden(fleet_model *m, host_model *h, const golden_sample *figures);
void model_set_redis(fleet_model *m, host_model *h, const redis_sample *figures);

void model_set_host_state(fleet_model *m, host_model *h, host_state state, const char *error);

/* After each attempt of a source (model_source_ok/failed call it): the
 * first-seen times of the host's attention items and the changes since its
 * previous sample (observe.c). */
void model_observe(fleet_model *m, host_model *h, source_kind kind, double now);
void host_prev_free(host_prev *p);

void containers_sample_clear(containers_sample *s);
/* The containers' summed use: CPU in % of one core, memory in bytes.
 * Returns how many containers had a CPU figure (0: the sums mean nothing). */
size_t containers_use(const containers_sample *s, double *cpu_percent, int64_t *mem_bytes);
void alerts_sample_clear(alerts_sample *s);
void postgres_sample_clear(postgres_sample *s);
void health_sample_clear(health_sample *s);

#endif
