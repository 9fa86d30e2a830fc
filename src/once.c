/* `opsdeck --once`: two refresh rounds one interval apart, then a report.
 *
 * Every wait here is bounded: a round ends when every source has answered
 * or failed, and sources bound their own work, but a whole round is also
 * cut off at ROUND_LIMIT_MS so that no host, however broken, can hold the
 * snapshot back. What has not answered by then is reported as failed. */
#include "opsdeck/audit_changes.h"
#include "opsdeck/snapshot.h"

#define ROUND_LIMIT_MS 30000

/* Runs the loop until the round in flight is over or the limit passes. */
static void finish_round(app_t *app)
{
    int64_t deadline = loop_update_time(app->loop) + ROUND_LIMIT_MS;
    while (app->in_flight > 0 && loop_update_time(app->loop) < deadline)
        loop_run_once(app->loop, 100);
}

static void wait_ms(loop_t *loop, int64_t ms)
{
    int64_t deadline = loop_update_time(loop) + ms;
    while (loop_update_time(loop) < deadline)
        loop_run_once(loop, (int)(deadline - loop_now_ms(loop)));
}

/* Sources still busy after the limit: the snapshot says they did not answer. */
static void mark_unanswered(app_t *app)
{
    double now = loop_wall_time();
    for (size_t i = 0; i < app->nhosts; i++)
        for (int k = 0; k < SRC_COUNT; k++)
            if (app->hosts[i].busy[k])
                model_source_failed(&app->model, app->hosts[i].model, (source_kind)k, now,
                                    "no answer within %d s", ROUND_LIMIT_MS / 1000);
}

int snapshot_run(const opsdeck_config *cfg, const app_options *opts, bool json, FILE *out)
{
    loop_t *loop = loop_new();
    app_t app;
    char err[512] = "";
    if (!loop)
        return SNAPSHOT_FAILED;
    int init = app_init(&app, loop, cfg, opts, err, sizeof(err));
    if (init < 0) {
        fprintf(stderr, "opsdeck: %s\n", err[0] ? err : "out of memory");
        app_free(&app);
        loop_free(loop);
        return init == APP_ERR_SELECTION ? 64 : 78;
    }
    app_start(&app); /* the first round starts at once */
    finish_round(&app);
    wait_ms(loop, (int64_t)app.interval_s * 1000);
    app_refresh(&app);
    finish_round(&app);
    mark_unanswered(&app);

    audit_tail tail = {0}; /* the actions on these hosts join the changes */
    audit_changes_read(&app.model, &tail, cfg->audit_log);
    double now = loop_wall_time();
    int status = snapshot_status(&app.model, now);
    int rc = json ? snapshot_write_json(&app.model, app.interval_s, now, out)
                  : snapshot_write_text(&app.model, app.interval_s, now, out);
    fflush(out);
    app_free(&app);
    loop_free(loop);
    return rc < 0 ? SNAPSHOT_FAILED : status;
}
