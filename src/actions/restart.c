/* Restart a container (see restart.h). */
#include "opsdeck/actions/restart.h"
#include "opsdeck/shell_quote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUTPUT_CAP      (64 * 1024)
#define VERIFY_EVERY_MS 1000
#define VERIFY_EXEC_MS  10000

typedef struct restart_data {
    char name[128];
    char inspect[ACTION_COMMAND_MAX]; /* the command that reads its state back */
    action_run *run;
    exec_req *req;
    uint64_t timer;
    int64_t deadline_ms;
    char last_seen[128];
} restart_data;

static void free_data(void *p)
{
    free(p);
}

static restart_data *data_of(action_run *run)
{
    return action_run_plan(run)->data;
}

static void on_restarted(const exec_result *res, void *arg)
{
    action_run *run = arg;
    restart_data *d = data_of(run);
    d->req = NULL;
    if (res->err_len)
        action_output(run, res->err, res->err_len);
    action_ran(run, res->ran, res->exit_status, res->error);
}

static void on_output(int stream, const char *buf, size_t len, void *arg)
{
    if (stream == 1) /* stderr is added whole at the end, after stdout */
        action_output(arg, buf, len);
}

static void run_restart(action_run *run)
{
    const action_plan *plan = action_run_plan(run);
    restart_data *d = plan->data;
    d->run = run;
    d->req = transport_exec(action_run_transport(run), plan->command, OUTPUT_CAP, plan->timeout_ms,
                            on_restarted, on_output, run);
    if (!d->req)
        action_ran(run, false, -1, "the host's session could not take the command");
}

static void check_state(loop_t *loop, void *arg);

static void on_inspected(const exec_result *res, void *arg)
{
    action_run *run = arg;
    restart_data *d = data_of(run);
    app_t *app = action_run_app(run);
    d->req = NULL;
    if (res->ran && res->exit_status == 0) {
        char state[32] = "", health[32] = "";
        if (sscanf(res->out, "%31s %31s", state, health) == 2) {
            snprintf(d->last_seen, sizeof(d->last_seen), "%s%s%s", state,
                     strcmp(health, "none") ? ", " : "", strcmp(health, "none") ? health : "");
            if (!strcmp(state, "running") &&
                (!strcmp(health, "none") || !strcmp(health, "healthy"))) {
                action_verified(run, true, d->last_seen);
                return;
            }
        }
    }
    if (loop_update_time(app->loop) >= d->deadline_ms) {
        char verdict[512];
        snprintf(
            verdict, sizeof(verdict), "%s not running%s within %d s (last seen: %s)", d->name,
            strstr(d->last_seen, "health") || strstr(d->last_seen, "starting") ? " healthy" : "",
            action_run_plan(run)->timeout_ms / 1000, d->last_seen[0] ? d->last_seen : "nothing");
        action_verified(run, false, verdict);
        return;
    }
    d->timer = loop_timer_add(app->loop, VERIFY_EVERY_MS, check_state, run);
}

static void check_state(loop_t *loop, void *arg)
{
    action_run *run = arg;
    restart_data *d = data_of(run);
    d->timer = 0;
    d->req = transport_exec(action_run_transport(run), d->inspect, 4096, VERIFY_EXEC_MS,
                            on_inspected, NULL, run);
    if (!d->req)
        action_verified(run, false, "the host's session could not take the check");
}

static void verify_restart(action_run *run)
{
    restart_data *d = data_of(run);
    app_t *app = action_run_app(run);
    d->deadline_ms = loop_update_time(app->loop) + action_run_plan(run)->timeout_ms;
    check_state(app->loop, run);
}

static void cancel_restart(action_run *run)
{
    restart_data *d = data_of(run);
    if (d->req)
        transport_exec_cancel(d->req);
    if (d->timer)
        loop_timer_cancel(action_run_app(run)->loop, d->timer);
    d->req = NULL;
    d->timer = 0;
}

static const action_ops restart_ops = {
    .run = run_restart,
    .verify = verify_restart,
    .cancel = cancel_restart,
    .free_data = free_data,
};

static const container_info *find_container(const host_model *hm, const char *name)
{
    for (size_t i = 0; i < hm->containers.count; i++)
        if (!strcmp(hm->containers.items[i].name, name))
            return &hm->containers.items[i];
    return NULL;
}

action_plan *restart_plan(app_t *app, size_t host, const char *name, char *err, size_t errsize)
{
    const host_model *hm = app_host_model(app, host);
    const host_config *hc = hm->config;
    const container_info *c = find_container(hm, name);
    if (!c) {
        snprintf(err, errsize, "%s: no container named %s in the latest list", hc->name, name);
        return NULL;
    }
    action_plan *plan = calloc(1, sizeof(*plan));
    restart_data *d = calloc(1, sizeof(*d));
    char qname[300], qservice[300], qcompose[1200], docker[600];
    size_t dlen = 0;
    if (!plan || !d || !shell_quote(c->name, qname, sizeof(qname)) ||
        !shell_quote_docker(docker, sizeof(docker), &dlen, hc->docker)) {
        snprintf(err, errsize, "%s: cannot describe the restart of %s", hc->name, name);
        free(plan);
        free(d);
        return NULL;
    }
    snprintf(plan->action, sizeof(plan->action), "restart");
    plan->host = host;
    snprintf(plan->target, sizeof(plan->target), "%s", c->name);
    if (hc->compose && c->compose_service[0] &&
        shell_quote(c->compose_service, qservice, sizeof(qservice)) &&
        shell_quote(hc->compose, qcompose, sizeof(qcompose)))
        snprintf(plan->command, sizeof(plan->command), "%s compose -f %s restart %s", docker,
                 qcompose, qservice);
    else
        snprintf(plan->command, sizeof(plan->command), "%s restart %s", docker, qname);
    snprintf(plan->touches, sizeof(plan->touches), "container %s (%s), now %s", c->name, c->image,
             c->status);
    plan->timeout_ms = RESTART_TIMEOUT_MS;
    plan->ops = &restart_ops;
    snprintf(d->name, sizeof(d->name), "%s", c->name);
    snprintf(d->inspect, sizeof(d->inspect),
             "%s inspect --format '{{.State.Status}} "
             "{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' %s",
             docker, qname);
    plan->data = d;
    return plan;
}
