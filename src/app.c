/* The app: per host a transport and its sources, refreshed in rounds.
 *
 * A round ticks every enabled source of every host. A source still busy
 * with the previous round is left alone, so a slow host never piles up
 * requests, and a host whose connection is down has its sources marked
 * failed with the connection's error at once instead of queueing work. */
#include "opsdeck/app.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opsdeck/runtime_dir.h"
#include "opsdeck/sources/http_source.h"

#define CONNECT_TIMEOUT_MS 10000
#define SILENCE_MIN_MS     3000

static void notify_changed(app_t *app)
{
    if (app->events.changed)
        app->events.changed(app, app->events.arg);
}

static app_host *host_of_transport(app_t *app, const transport_t *t, size_t *index)
{
    for (size_t i = 0; i < app->nhosts; i++) {
        if (app->hosts[i].transport == t) {
            *index = i;
            return &app->hosts[i];
        }
    }
    return NULL;
}

/* up, degraded (connected but some source failing), down, or connecting
 * (the first time). */
static void update_host_state(app_t *app, app_host *h)
{
    transport_state ts = transport_get_state(h->transport);
    host_model *hm = h->model;
    if (ts == TRANSPORT_DOWN) {
        model_set_host_state(&app->model, hm, HOST_DOWN, transport_error(h->transport));
        return;
    }
    if (ts != TRANSPORT_UP) {
        /* A host that went down stays down, with the failure's reason, while
         * it is reconnected: a connect into a black hole takes its whole
         * timeout, and "connecting" for most of every retry would hide that
         * the host is gone. Only a host never yet failed is "connecting". */
        if (hm->state != HOST_DOWN)
            model_set_host_state(&app->model, hm, HOST_CONNECTING, "");
        return;
    }
    if (transport_silence(h->transport)[0]) {
        /* the session is up but nothing comes back: down, with why */
        model_set_host_state(&app->model, hm, HOST_DOWN, transport_silence(h->transport));
        return;
    }
    for (int k = 0; k < SRC_COUNT; k++) {
        const source_status *s = &hm->status[k];
        if (s->configured && s->last_attempt_at > 0 && !s->ok) {
            model_set_host_state(&app->model, hm, HOST_DEGRADED, "");
            return;
        }
    }
    model_set_host_state(&app->model, hm, HOST_UP, "");
}

static void on_transport_state(transport_t *t, void *arg)
{
    app_t *app = arg;
    size_t i;
    app_host *h = host_of_transport(app, t, &i);
    if (!h)
        return;
    snprintf(h->model->remote_user, sizeof(h->model->remote_user), "%s", transport_remote_user(t));
    update_host_state(app, h);
    notify_changed(app);
}

static void on_hostkey_unknown(transport_t *t, const char *host, const char *keytype,
                               const char *fingerprint, void *arg)
{
    app_t *app = arg;
    size_t i;
    if (!host_of_transport(app, t, &i))
        return;
    if (app->events.hostkey_unknown)
        app->events.hostkey_unknown(app, i, transport_asking_for(t), keytype, fingerprint,
                                    app->events.arg);
    else
        transport_hostkey_answer(t, false);
}

static void on_passphrase_needed(transport_t *t, const char *identity, void *arg)
{
    app_t *app = arg;
    size_t i;
    if (!host_of_transport(app, t, &i))
        return;
    if (app->events.passphrase_needed)
        app->events.passphrase_needed(app, i, identity, app->events.arg);
    else
        transport_passphrase(t, NULL);
}

static const transport_events app_transport_events = {
    .state_changed = on_transport_state,
    .hostkey_unknown = on_hostkey_unknown,
    .passphrase_needed = on_passphrase_needed,
};

static void on_attempt_done(const source_ctx *ctx, source_kind kind)
{
    app_t *app = ctx->app;
    for (size_t i = 0; i < app->nhosts; i++) {
        app_host *h = &app->hosts[i];
        if (h->ctx != ctx)
            continue;
        if (h->busy[kind]) {
            h->busy[kind] = false;
            app->in_flight--;
        }
        update_host_state(app, h);
    }
    notify_changed(app);
}

void app_fail_busy_sources(app_t *app, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    double now = loop_wall_time();
    for (size_t i = 0; i < app->nhosts; i++)
        for (int k = 0; k < SRC_COUNT; k++)
            if (app->hosts[i].busy[k])
                model_source_failed(&app->model, app->hosts[i].model, (source_kind)k, now, "%s",
                                    why);
}

static bool host_selected(const host_config *hc, const app_options *opts)
{
    if (opts->only_env && strcmp(hc->env, opts->only_env) != 0)
        return false;
    if (!opts->only_hosts)
        return true;
    for (const char *const *n = opts->only_hosts; *n; n++)
        if (strcmp(*n, hc->name) == 0)
            return true;
    return false;
}

/* -e and -H must name something that exists: a typo must not silently show
 * an empty screen. */
static int check_selection(const opsdeck_config *cfg, const app_options *opts, char *err,
                           size_t errsize)
{
    if (opts->only_env) {
        bool found = config_env(cfg, opts->only_env) != NULL;
        for (size_t i = 0; !found && i < cfg->nhosts; i++)
            found = strcmp(cfg->hosts[i].env, opts->only_env) == 0;
        if (!found) {
            snprintf(err, errsize, "no environment named '%s' in %s", opts->only_env, cfg->path);
            return -1;
        }
    }
    for (const char *const *n = opts->only_hosts; n && *n; n++) {
        if (!config_host(cfg, *n)) {
            snprintf(err, errsize, "no host named '%s' in %s", *n, cfg->path);
            return -1;
        }
    }
    return 0;
}

static int make_runtime_dir(app_t *app, char *err, size_t errsize)
{
    const char *base = getenv("XDG_RUNTIME_DIR");
    struct stat st;
    if (!base || stat(base, &st) != 0 || !S_ISDIR(st.st_mode))
        base = "/tmp";
    runtime_dir_sweep(base); /* those left by our own processes that died */
    snprintf(app->runtime_dir, sizeof(app->runtime_dir), "%s/opsdeck-%d-XXXXXX", base,
             (int)getpid());
    /* mkdtemp creates it 0700: only this user reaches the tunnel sockets */
    if (!mkdtemp(app->runtime_dir)) {
        snprintf(err, errsize, "cannot create a runtime directory in %s: %s", base,
                 strerror(errno));
        app->runtime_dir[0] = '\0';
        return -1;
    }
    return 0;
}

/* A host is shown not answering after an interval and a half of silence
 * with a keepalive unanswered (within the two intervals a fault must take
 * to show), and never under SILENCE_MIN_MS: a loaded machine's sshd may
 * take a second or two to answer, and must not be called down for it. */
static int silence_ms(int interval_s)
{
    int ms = interval_s * 1500;
    return ms < SILENCE_MIN_MS ? SILENCE_MIN_MS : ms;
}

static int start_hosts(app_t *app, char *err, size_t errsize)
{
    transport_options topts = {
        .interactive = app->interactive,
        .connect_timeout_ms = CONNECT_TIMEOUT_MS,
        .keepalive_s = app->config->keepalive_s,
        .silence_ms = silence_ms(app->interval_s),
        .runtime_dir = app->runtime_dir,
    };
    app->hosts = calloc(app->nhosts, sizeof(*app->hosts));
    if (!app->hosts)
        return -1;
    for (size_t i = 0; i < app->nhosts; i++) {
        app_host *h = &app->hosts[i];
        h->model = &app->model.hosts[i];
        h->transport =
            transport_new(app->loop, h->model->config, &topts, &app_transport_events, app);
        source_ctx *ctx = calloc(1, sizeof(*ctx));
        if (!h->transport || !ctx) {
            free(ctx);
            snprintf(err, errsize, "%s: cannot set up its transport", h->model->config->name);
            return -1;
        }
        *ctx = (source_ctx){
            .loop = app->loop,
            .model = &app->model,
            .host = h->model,
            .transport = h->transport,
            .http = app->http,
            .config = app->config,
            .interval_s = app->interval_s,
            .attempt_done = on_attempt_done,
            .app = app,
        };
        h->ctx = ctx;
    }
    return 0;
}

int app_init(app_t *app, loop_t *loop, const opsdeck_config *cfg, const app_options *opts,
             char *err, size_t errsize)
{
    memset(app, 0, sizeof(*app));
    app->loop = loop;
    app->config = cfg;
    app->interactive = opts->interactive;
    app->interval_s = opts->interval_s > 0 ? opts->interval_s : cfg->interval_s;
    if (check_selection(cfg, opts, err, errsize) < 0)
        return APP_ERR_SELECTION;
    const host_config **selected = calloc(cfg->nhosts + 1, sizeof(*selected));
    if (!selected)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < cfg->nhosts; i++)
        if (host_selected(&cfg->hosts[i], opts))
            selected[n++] = &cfg->hosts[i];
    int rc = model_init(&app->model, cfg, selected, n);
    free(selected);
    if (rc < 0)
        return -1;
    app->nhosts = n;
    if (n == 0) {
        snprintf(err, errsize, "no host of %s matches the -e/-H given", cfg->path);
        return APP_ERR_SELECTION;
    }
    if (make_runtime_dir(app, err, errsize) < 0)
        return -1;
    app->http = http_client_new(loop);
    if (!app->http) {
        snprintf(err, errsize, "cannot set up the HTTP client");
        return -1;
    }
    /* every refresh reuses the connections (and tunnel channels) of the last */
    http_client_keep_connections(app->http, n * HTTP_SOURCE_CONNECTIONS_PER_HOST);
    return start_hosts(app, err, errsize);
}

static void tick_host(app_t *app, app_host *h)
{
    transport_state ts = transport_get_state(h->transport);
    double now = loop_wall_time();
    for (int k = 0; k < SRC_COUNT; k++) {
        if (!h->sources[k] || h->busy[k])
            continue;
        if (ts == TRANSPORT_DOWN) {
            /* no point queueing work behind a dead connection */
            model_source_failed(&app->model, h->model, (source_kind)k, now, "host unreachable: %s",
                                transport_error(h->transport));
            continue;
        }
        h->busy[k] = true;
        app->in_flight++;
        source_registry[k]->tick(h->sources[k]);
    }
    update_host_state(app, h);
}

void app_refresh(app_t *app)
{
    app->rounds++;
    for (size_t i = 0; i < app->nhosts; i++)
        tick_host(app, &app->hosts[i]);
    notify_changed(app);
}

static void on_tick_timer(loop_t *loop, void *arg)
{
    app_t *app = arg;
    /* the console refreshes every interval; --once runs its own two rounds
     * (a timer would start a third while it waits for the second to end) */
    if (app->interactive)
        app->tick_timer = loop_timer_add(loop, (int64_t)app->interval_s * 1000, on_tick_timer, app);
    app_refresh(app);
}

void app_start(app_t *app)
{
    for (size_t i = 0; i < app->nhosts; i++) {
        app_host *h = &app->hosts[i];
        for (int k = 0; k < SRC_COUNT; k++) {
            const source_ops *ops = source_registry[k];
            if (ops && ops->enabled(h->model->config))
                h->sources[k] = ops->start(h->ctx);
        }
        transport_start(h->transport);
    }
    on_tick_timer(app->loop, app);
}

size_t app_host_index(const app_t *app, const char *name)
{
    for (size_t i = 0; i < app->nhosts; i++)
        if (strcmp(app->hosts[i].model->config->name, name) == 0)
            return i;
    return app->nhosts;
}

const host_config *app_host_config(const app_t *app, size_t i)
{
    return app->hosts[i].model->config;
}

const host_model *app_host_model(const app_t *app, size_t i)
{
    return app->hosts[i].model;
}

transport_t *app_host_transport(const app_t *app, size_t i)
{
    return app->hosts[i].transport;
}

const source_ctx *app_host_source_ctx(const app_t *app, size_t i)
{
    return app->hosts[i].ctx;
}

void app_hostkey_answer(app_t *app, size_t i, bool accept)
{
    transport_hostkey_answer(app->hosts[i].transport, accept);
}

void app_passphrase(app_t *app, size_t i, const char *passphrase)
{
    transport_passphrase(app->hosts[i].transport, passphrase);
}

void app_free(app_t *app)
{
    if (app->tick_timer)
        loop_timer_cancel(app->loop, app->tick_timer);
    for (size_t i = 0; app->hosts && i < app->nhosts; i++) {
        app_host *h = &app->hosts[i];
        for (int k = 0; k < SRC_COUNT; k++)
            if (h->sources[k])
                source_registry[k]->stop(h->sources[k]);
        if (h->transport)
            transport_free(h->transport);
        free((void *)h->ctx);
    }
    free(app->hosts);
    http_client_free(app->http);
    model_free(&app->model);
    if (app->runtime_dir[0])
        rmdir(app->runtime_dir); /* the transports removed their sockets */
    memset(app, 0, sizeof(*app));
}
