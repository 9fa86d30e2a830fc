/* The running program: the loop, the fleet model, and per host its
 * transport and sources. The console (ui/) and the snapshot (--once) both
 * drive an app; neither talks to a host directly. */
#ifndef OPSDECK_APP_H
#define OPSDECK_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "opsdeck/config.h"
#include "opsdeck/loop.h"
#include "opsdeck/model.h"
#include "opsdeck/sources/source.h"
#include "opsdeck/transport/transport.h"

typedef struct app app_t;

typedef struct app_options {
    bool interactive;              /* the console: host-key and passphrase questions allowed */
    int interval_s;                /* 0: the config's */
    const char *only_env;          /* -e: only this environment's hosts; NULL all */
    const char *const *only_hosts; /* -H: only these hosts; NULL-terminated or NULL */
} app_options;

/* What the console answers for the transports: set by the UI. */
typedef struct app_events {
    /* answer with app_hostkey_answer(); jump: the jump host the key is
     * of, NULL when it is the host's own */
    void (*hostkey_unknown)(app_t *app, size_t host, const char *jump, const char *keytype,
                            const char *fingerprint, void *arg);
    /* answer with app_passphrase() */
    void (*passphrase_needed)(app_t *app, size_t host, const char *identity, void *arg);
    /* every source attempt or host state change (the UI redraws) */
    void (*changed)(app_t *app, void *arg);
    void *arg;
} app_events;

typedef struct app_host {
    host_model *model;
    transport_t *transport;
    const source_ctx *ctx;
    void *sources[SRC_COUNT];
    bool busy[SRC_COUNT]; /* a refresh is in flight */
} app_host;

struct app {
    loop_t *loop;
    const opsdeck_config *config;
    http_client *http; /* every HTTP source of every host */
    fleet_model model; /* model.hosts[i] belongs to hosts[i] */
    app_host *hosts;
    size_t nhosts;
    int interval_s;
    bool interactive;
    char runtime_dir[256]; /* private 0700 directory for tunnel sockets */
    app_events events;
    uint64_t tick_timer;
    unsigned rounds; /* refresh rounds started */
    int in_flight;   /* source refreshes not finished yet */
};

#define APP_ERR_SELECTION (-2)

/* Selects the hosts (-e, -H), builds the model and the transports. Returns
 * 0; APP_ERR_SELECTION when -e/-H name nothing that exists or select no
 * host; -1 otherwise (the runtime directory, memory); err says why. On
 * failure app_free() must still be called. */
int app_init(app_t *app, loop_t *loop, const opsdeck_config *cfg, const app_options *opts,
             char *err, size_t errsize);
/* Connects every host and starts a round right away; the console (an
 * interactive app) then refreshes every interval, --once calls app_refresh(). */
void app_start(app_t *app);
/* Starts a refresh round now (the timer keeps its rhythm). */
void app_refresh(app_t *app);
/* Stops everything and removes the runtime directory. */
void app_free(app_t *app);

size_t app_host_index(const app_t *app, const char *name); /* nhosts when unknown */

/* Host i (< nhosts): its configuration, its model, its transport. Code
 * outside app.c (actions, the UI) goes through these, not app->hosts. */
const host_config *app_host_config(const app_t *app, size_t i);
const host_model *app_host_model(const app_t *app, size_t i);
transport_t *app_host_transport(const app_t *app, size_t i);
/* Its sources' context: what a runbook's health check GETs through (the
 * same tunnel and HTTP client as the health source). */
const source_ctx *app_host_source_ctx(const app_t *app, size_t i);

/* Every source still waiting for its answer is marked failed with this
 * reason (--once at its time limit). */
void app_fail_busy_sources(app_t *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The answers to the events' questions for host i: trust its unknown key
 * (append it to known_hosts) or not; the passphrase (NULL: give up). */
void app_hostkey_answer(app_t *app, size_t i, bool accept);
void app_passphrase(app_t *app, size_t i, const char *passphrase);

#endif
