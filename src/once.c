/* `opsdeck --once`: two refresh rounds one interval apart, then a report.
 *
 * One interval apart as the console's ticks are: the second round starts
 * one interval after the first started, or when the first ends if that is
 * later. Measured from the first round's end instead, a slow round would
 * be paid twice: the containers' first round takes one stats tick of the
 * engine (docs/HACKING.md, "Containers"), and a second round sent within
 * the engine's following second is answered at its next tick for every
 * container at once, one interval after the first round's samples.
 *
 * Every wait here is bounded: a round ends when every source has answered
 * or failed, and sources bound their own work, but a whole round is also
 * cut off at ROUND_LIMIT_MS so that no host, however broken, can hold the
 * snapshot back. What has not answered by then is reported as failed.
 *
 * SIGTERM, SIGINT and SIGHUP (`timeout 2 opsdeck --once`, Ctrl-C, a closed
 * terminal) stop the run through the loop: the handler only writes the
 * signal's number into a self-pipe, the loop sees it, and the run ends
 * with the tunnels closed and the runtime directory removed, exit status
 * 128 + the signal, and no snapshot (it would be partial). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "opsdeck/audit_changes.h"
#include "opsdeck/exit_status.h"
#include "opsdeck/snapshot.h"

#define ROUND_LIMIT_MS 30000

static const int stop_signals[] = {SIGTERM, SIGINT, SIGHUP};
#define NSTOP ((int)(sizeof(stop_signals) / sizeof(*stop_signals)))

typedef struct stop_watch {
    int fds[2];
    volatile int signal; /* the first signal read from the pipe; 0 none */
    struct sigaction old[NSTOP];
} stop_watch;

static stop_watch stop = {.fds = {-1, -1}};

static void on_stop_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (write(stop.fds[1], &b, 1) < 0) {
        /* full: a stop is already on its way */
    }
    errno = saved;
}

static void on_stop_pipe(loop_t *loop, int fd, int revents, void *arg)
{
    (void)loop;
    (void)revents;
    (void)arg;
    unsigned char b;
    while (read(fd, &b, 1) == 1)
        if (!stop.signal)
            stop.signal = b;
}

static int stop_watch_start(loop_t *loop)
{
    if (pipe(stop.fds) < 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(stop.fds[i], F_SETFL, fcntl(stop.fds[i], F_GETFL) | O_NONBLOCK);
        fcntl(stop.fds[i], F_SETFD, FD_CLOEXEC);
    }
    loop_watch(loop, stop.fds[0], POLLIN, on_stop_pipe, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < NSTOP; i++)
        sigaction(stop_signals[i], &sa, &stop.old[i]);
    return 0;
}

static void stop_watch_end(loop_t *loop)
{
    for (int i = 0; i < NSTOP; i++)
        sigaction(stop_signals[i], &stop.old[i], NULL);
    loop_unwatch(loop, stop.fds[0]);
    close(stop.fds[0]);
    close(stop.fds[1]);
    stop.fds[0] = stop.fds[1] = -1;
}

/* Runs the loop until the round in flight is over or the limit passes. */
static void finish_round(app_t *app)
{
    int64_t deadline = loop_update_time(app->loop) + ROUND_LIMIT_MS;
    while (app->in_flight > 0 && !stop.signal && loop_update_time(app->loop) < deadline)
        loop_run_once(app->loop, 100);
}

static void wait_ms(loop_t *loop, int64_t ms)
{
    int64_t deadline = loop_update_time(loop) + ms;
    while (!stop.signal && loop_update_time(loop) < deadline)
        loop_run_once(loop, (int)(deadline - loop_now_ms(loop)));
}

int snapshot_run(const opsdeck_config *cfg, const app_options *opts, bool json, FILE *out)
{
    loop_t *loop = loop_new();
    app_t app;
    char err[512] = "";
    if (!loop)
        return SNAPSHOT_FAILED;
    if (stop_watch_start(loop) < 0) {
        loop_free(loop);
        return SNAPSHOT_FAILED;
    }
    int init = app_init(&app, loop, cfg, opts, err, sizeof(err));
    if (init < 0) {
        fprintf(stderr, "opsdeck: %s\n", err[0] ? err : "out of memory");
        app_free(&app);
        stop_watch_end(loop);
        loop_free(loop);
        return init == APP_ERR_SELECTION ? EXIT_USAGE : EXIT_CONFIG;
    }
    int64_t second_round = loop_update_time(loop) + (int64_t)app.interval_s * 1000;
    app_start(&app); /* the first round starts at once */
    finish_round(&app);
    wait_ms(loop, second_round - loop_update_time(loop));
    if (!stop.signal)
        app_refresh(&app);
    finish_round(&app);
    if (stop.signal) {
        int sig = stop.signal;
        app_free(&app); /* tunnels closed, runtime directory removed */
        stop_watch_end(loop);
        loop_free(loop);
        stop.signal = 0;
        fprintf(stderr, "opsdeck: stopped by signal %d (%s); no snapshot\n", sig, strsignal(sig));
        return 128 + sig;
    }
    /* sources still busy after the limit: the snapshot says so */
    app_fail_busy_sources(&app, "no answer within %d s", ROUND_LIMIT_MS / 1000);

    audit_tail tail = {0}; /* the actions on these hosts join the changes */
    audit_changes_read(&app.model, &tail, cfg->audit_log);
    double now = loop_wall_time();
    int status = snapshot_status(&app.model, now);
    int rc = json ? snapshot_write_json(&app.model, app.interval_s, now, out)
                  : snapshot_write_text(&app.model, app.interval_s, now, out);
    fflush(out);
    app_free(&app);
    stop_watch_end(loop);
    loop_free(loop);
    return rc < 0 ? SNAPSHOT_FAILED : status;
}
