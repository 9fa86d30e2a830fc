/* The containers source kept running against the sandbox's staging engine,
 * over ssh, as the console runs it (a tick every interval of 1 s):
 *
 * - a container started, stopped, killed, made unhealthy, restarted and
 *   restarted by its policy shows up with no refresh at all: the change
 *   comes from the engine's events, so it is on screen within an interval
 *   (asserted: the state within one interval of docker returning, a health
 *   verdict within one interval of the container's own health check);
 * - CPU and memory come from the containers' cgroup files, held open by the
 *   host's SFTP server (sources/cgroup_stats.h), and agree with `docker
 *   stats` for a container busy on one core, also after it restarted;
 * - in steady state no process is started on the host between refreshes:
 *   sshd logs no new session, and no new process appears below it; and
 *   with the staging value (`docker -H unix://...`) no process at all: the
 *   engine's socket is reached through direct-streamlocal channels, no
 *   `docker system dial-stdio` runs below the session's sshd;
 * - a docker value that says more than where the socket is (here an `env`
 *   wrapper, as `sudo docker` would be) still works, over two kept
 *   dial-stdio processes, and starts nothing between refreshes either;
 * - the engine stopped: the source fails with docker's own words; started
 *   again (as up.sh starts it): the source recovers by itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opsdeck/loop.h"
#include "opsdeck/model.h"
#include "opsdeck/sources/source.h"
#include "opsdeck/transport/transport.h"
#include "support/sandbox_env.h"

#define WAIT_MS  40000 /* the machine is shared: generous, polled */
#define EVENT_MS 10000 /* an event's change on a busy machine */
#define PROBE    "opsdeck_probe_live"
#define INTERVAL 1
#define HEALTH_S 1 /* the probe's --health-interval */

typedef struct fixture {
    host_config hc;
    opsdeck_config cfg;
    fleet_model m;
    char rundir[64];
    loop_t *loop;
    transport_t *t;
    source_ctx ctx;
    void *st;
    bool done;
    char docker[512];
    char docker_value[600]; /* the host's docker =, when a test changes it */
    bool engine_stopped;
} fixture;

static fixture fx;

static void on_attempt_done(const source_ctx *ctx, source_kind kind)
{
    (void)ctx;
    assert_int_equal(kind, SRC_CONTAINERS);
    fx.done = true;
}

static void on_state(transport_t *t, void *arg)
{
    (void)t;
    (void)arg;
}

static const source_status *status(void)
{
    return &fx.m.hosts[0].status[SRC_CONTAINERS];
}

/* The source answered; its error said when not. */
static void expect_ok(void)
{
    if (!status()->ok)
        fail_msg("the source failed: %s", status()->error);
}

static const container_info *find(const char *name)
{
    const containers_sample *s = &fx.m.hosts[0].containers;
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->items[i].name, name) == 0)
            return &s->items[i];
    return NULL;
}

/* One refresh, as the app runs it, waited for. */
static void refresh(void)
{
    fx.done = false;
    source_registry[SRC_CONTAINERS]->tick(fx.st);
    int64_t end = loop_update_time(fx.loop) + WAIT_MS;
    while (!fx.done && loop_update_time(fx.loop) < end)
        loop_run_once(fx.loop, 100);
    assert_true(fx.done);
}

/* Runs the loop (no refresh) until pred holds; its time in ms, or -1. */
static int64_t wait_without_refresh(bool (*pred)(const char *arg), const char *arg, int64_t max)
{
    int64_t start = loop_update_time(fx.loop);
    while (!pred(arg)) {
        if (loop_update_time(fx.loop) - start > max)
            return -1;
        loop_run_once(fx.loop, 50);
    }
    return loop_update_time(fx.loop) - start;
}

static void docker(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void docker(const char *fmt, ...)
{
    char args[512], cmd[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof(cmd), "%s %s >/dev/null", fx.docker, args);
    if (system(cmd) != 0)
        fail_msg("failed: %s", cmd);
}

static int setup(void **state)
{
    if (sandbox_load(state) < 0)
        return -1;
    memset(&fx, 0, sizeof(fx));
    sandbox_host(&fx.hc, "staging");
    snprintf(fx.docker, sizeof(fx.docker), "%s", sbx("SBX_STAGING_DOCKER"));
    fx.cfg.interval_s = INTERVAL;
    const host_config *hosts[] = {&fx.hc};
    if (model_init(&fx.m, &fx.cfg, hosts, 1) < 0)
        return -1;
    snprintf(fx.rundir, sizeof(fx.rundir), "/tmp/opsdeck-test-live-XXXXXX");
    if (!mkdtemp(fx.rundir))
        return -1;
    fx.loop = loop_new();
    transport_options topts = {.interactive = false,
                               .connect_timeout_ms = 20000,
                               .keepalive_s = 15,
                               .runtime_dir = fx.rundir};
    transport_events ev = {.state_changed = on_state};
    fx.t = transport_new(fx.loop, &fx.hc, &topts, &ev, NULL);
    fx.ctx = (source_ctx){.loop = fx.loop,
                          .model = &fx.m,
                          .host = &fx.m.hosts[0],
                          .transport = fx.t,
                          .config = &fx.cfg,
                          .interval_s = INTERVAL,
                          .attempt_done = on_attempt_done};
    fx.st = source_registry[SRC_CONTAINERS]->start(&fx.ctx);
    transport_start(fx.t);
    return fx.st ? 0 : -1;
}

/* A failed check must not leave a probe behind (an exited container
 * would keep the engine test's restart waiting for it). */
static void remove_container(const char *name)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "%s rm -f %s >/dev/null 2>&1", fx.docker, name);
    if (system(cmd) != 0) { /* not there: fine */
    }
}

static int remove_probe(void **state)
{
    (void)state;
    remove_container(PROBE);
    return 0;
}

static int teardown(void **state)
{
    remove_probe(state);
    source_registry[SRC_CONTAINERS]->stop(fx.st);
    transport_free(fx.t);
    loop_free(fx.loop);
    rmdir(fx.rundir);
    model_free(&fx.m);
    return 0;
}

/* ---- changes arrive by events ---- */

static bool probe_is(const char *want) /* "state" or "state/health" */
{
    const container_info *c = find(PROBE);
    if (!c)
        return strcmp(want, "absent") == 0;
    char have[80];
    snprintf(have, sizeof(have), "%s%s%s", c->state, c->health[0] ? "/" : "", c->health);
    return strcmp(have, want) == 0 || strcmp(c->state, want) == 0;
}

static bool restarted_by_policy(const char *arg)
{
    (void)arg;
    const container_info *c = find(PROBE);
    return c && c->restarts >= 1 && strcmp(c->state, "running") == 0;
}

static bool started_again(const char *started_before)
{
    const container_info *c = find(PROBE);
    char now[32];
    snprintf(now, sizeof(now), "%.3f", c ? c->started_at : 0);
    return c && strcmp(c->state, "running") == 0 && strcmp(now, started_before) != 0;
}

/* Waits (no refresh) until the probe is `want`, and fails unless that took
 * at most within_ms after docker returned. */
static void expect_within(const char *what, const char *want, int64_t within_ms)
{
    int64_t ms = wait_without_refresh(probe_is, want, EVENT_MS);
    const container_info *c = find(PROBE);
    if (ms < 0)
        fail_msg("%s: the source still shows %s/%s, not %s, %d s later without a refresh", what,
                 c ? c->state : "nothing", c ? c->health : "", want, EVENT_MS / 1000);
    printf("# %s: %s shown %lld ms after docker returned, no refresh in between\n", what, want,
           (long long)ms);
    if (ms > within_ms)
        fail_msg("%s: %s shown after %lld ms, more than %lld ms", what, want, (long long)ms,
                 (long long)within_ms);
}

/* The state within one interval (the engine's event); the health verdict
 * within one interval of the container's own health check (HEALTH_S). */
static void expect(const char *what, const char *state, const char *health)
{
    expect_within(what, state, INTERVAL * 1000);
    if (!health)
        return;
    char both[80];
    snprintf(both, sizeof(both), "%s/%s", state, health);
    expect_within(what, both, (HEALTH_S + INTERVAL) * 1000);
}

static void changes_arrive_by_events(void **state)
{
    (void)state;
    refresh();
    if (!status()->ok)
        fail_msg("the source failed: %s", status()->error);
    assert_non_null(find("grupo_gad_api"));

    docker("run -d --name " PROBE " --init --network none "
           "--health-cmd 'test ! -e /tmp/sick' --health-interval 1s --health-retries 1 "
           "sbx/busybox:latest sh -c 'rm -f /tmp/die; while [ ! -e /tmp/die ]; do sleep 0.2; done; "
           "exit 3'");
    expect("started", "running", "healthy");
    assert_int_equal(strncmp(find(PROBE)->status, "Up ", 3), 0);

    docker("stop -t 2 " PROBE);
    expect("stopped", "exited", "unhealthy");
    docker("start " PROBE);
    expect("started again", "running", "healthy");
    docker("kill " PROBE);
    expect("killed", "exited", "unhealthy");
    assert_int_equal(find(PROBE)->exit_code, 137);
    assert_non_null(strstr(find(PROBE)->status, "Exited (137)"));
    docker("start " PROBE);
    expect("started after the kill", "running", "healthy");

    docker("exec " PROBE " touch /tmp/sick");
    expect_within("made unhealthy", "running/unhealthy", (HEALTH_S + INTERVAL) * 1000);
    assert_non_null(strstr(find(PROBE)->status, "(unhealthy)"));

    char before[32];
    snprintf(before, sizeof(before), "%.3f", find(PROBE)->started_at);
    docker("restart -t 1 " PROBE);
    int64_t ms = wait_without_refresh(started_again, before, EVENT_MS);
    assert_true(ms >= 0);
    printf("# restarted: shown %lld ms after docker returned\n", (long long)ms);
    assert_true(ms <= INTERVAL * 1000);

    /* it exits 3 once; restarted by its policy it removes /tmp/die and runs
     * on (else each restart would exit again and, after three, stay down) */
    docker("update --restart on-failure:3 " PROBE);
    docker("exec " PROBE " touch /tmp/die");
    ms = wait_without_refresh(restarted_by_policy, NULL, EVENT_MS);
    if (ms < 0)
        fail_msg("restart count still %d", find(PROBE) ? find(PROBE)->restarts : -1);
    printf("# restarted by its policy: count %d, shown %lld ms later\n", find(PROBE)->restarts,
           (long long)ms);

    docker("rm -f " PROBE);
    expect("removed", "absent", NULL);
    refresh();
    expect_ok();
    /* figures stay as today's: every running container measured */
    const container_info *api = find("grupo_gad_api");
    assert_true(api->cpu_percent >= 0);
    assert_true(api->mem_bytes > 0);
}

/* ---- nothing started on the host between refreshes ---- */

static size_t count_sessions(void)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/staging/sshd.log", getenv("SANDBOX_DIR"));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[1024];
    size_t n = 0;
    while (fgets(line, sizeof(line), f))
        n += strstr(line, "Starting session:") != NULL;
    fclose(f);
    return n;
}

/* Every process below pid, appended to pids (pids < max). */
static size_t below(int pid, int *pids, size_t n, size_t max)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return n;
    int c;
    while (n < max && fscanf(f, "%d", &c) == 1) {
        pids[n++] = c;
        n = below(c, pids, n, max);
    }
    fclose(f);
    return n;
}

/* How many of pids are a docker CLI running `system dial-stdio` (not the
 * shells that started it). */
static size_t dial_stdio_count(const int *pids, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        char path[64], comm[64] = "", cmd[4096];
        snprintf(path, sizeof(path), "/proc/%d/comm", pids[i]);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (!fgets(comm, sizeof(comm), f))
            comm[0] = '\0';
        fclose(f);
        snprintf(path, sizeof(path), "/proc/%d/cmdline", pids[i]);
        f = fopen(path, "r");
        if (!f)
            continue;
        size_t len = fread(cmd, 1, sizeof(cmd) - 1, f);
        fclose(f);
        for (size_t k = 0; k < len; k++)
            if (cmd[k] == '\0')
                cmd[k] = ' '; /* the arguments, one string */
        cmd[len] = '\0';
        count += strcmp(comm, "docker\n") == 0 && strstr(cmd, "system dial-stdio") != NULL;
    }
    return count;
}

static bool known(const int *pids, size_t n, int pid)
{
    for (size_t i = 0; i < n; i++)
        if (pids[i] == pid)
            return true;
    return false;
}

static int staging_sshd(void)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/staging/sshd.pid", getenv("SANDBOX_DIR"));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int sshd = 0;
    assert_int_equal(fscanf(f, "%d", &sshd), 1);
    fclose(f);
    return sshd;
}

/* Steady (connected, listed, measured), then three refreshes an interval
 * apart with the tree below sshd looked at every 20 ms (a docker CLI lives
 * for well over 100 ms): no new session, no new process. Returns how many
 * dial-stdio processes run below sshd. */
static size_t steady_without_new_processes(void)
{
    refresh();
    refresh();
    expect_ok();
    int sshd = staging_sshd();
    int base[256], seen[256];
    size_t nbase = below(sshd, base, 0, 256);
    assert_true(nbase >= 1); /* the session's sshd at least */
    size_t sessions = count_sessions();
    size_t new_pids = 0;
    for (int r = 0; r < 3; r++) {
        refresh();
        expect_ok();
        int64_t next = loop_update_time(fx.loop) + INTERVAL * 1000;
        while (loop_update_time(fx.loop) < next) {
            loop_run_once(fx.loop, 20);
            size_t n = below(sshd, seen, 0, 256);
            for (size_t i = 0; i < n; i++)
                new_pids += !known(base, nbase, seen[i]);
        }
    }
    assert_int_equal(count_sessions(), sessions);
    assert_int_equal(new_pids, 0);
    return dial_stdio_count(base, nbase);
}

static void no_process_between_refreshes(void **state)
{
    (void)state;
    /* streamlocal: no docker CLI at all on the host (the one long-lived
     * process is the SFTP server below the session, started with it) */
    assert_int_equal(steady_without_new_processes(), 0);
}

/* ---- CPU and memory from the cgroup files, through SFTP ---- */

#define BURNER "opsdeck_probe_cpu"

static int remove_burner(void **state)
{
    (void)state;
    remove_container(BURNER);
    return 0;
}

/* Whether pid has a file open whose path contains both a and b. */
static bool has_open(int pid, const char *a, const char *b)
{
    char dir[64];
    snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        char link[320], target[1024];
        snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
        ssize_t n = readlink(link, target, sizeof(target) - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        found = strstr(target, a) && strstr(target, b);
    }
    closedir(d);
    return found;
}

/* The CPU time (ticks) of the burner's shell, the process below its init:
 * what the kernel says of that process alone, not of its cgroup. */
static long long burner_ticks(void)
{
    char cmd[1024], out[64] = "", path[128];
    snprintf(cmd, sizeof(cmd), "%s inspect -f '{{.State.Pid}}' " BURNER, fx.docker);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    if (!fgets(out, sizeof(out), p))
        out[0] = '\0';
    pclose(p);
    int init = atoi(out), shell = 0;
    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", init, init);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%d", &shell), 1);
    fclose(f);
    snprintf(path, sizeof(path), "/proc/%d/stat", shell);
    f = fopen(path, "r");
    assert_non_null(f);
    char stat[1024] = "";
    if (!fgets(stat, sizeof(stat), f))
        stat[0] = '\0';
    fclose(f);
    long long utime = 0, stime = 0;
    const char *after = strrchr(stat, ')');
    assert_non_null(after);
    /* after "comm)": state is field 1, utime 12, stime 13 */
    assert_int_equal(
        sscanf(after + 2, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %lld %lld", &utime, &stime),
        2);
    return utime + stime;
}

/* docker's own view of a container: `docker stats --no-stream`. */
static void docker_stats(const char *name, double *cpu, double *mem)
{
    char cmd[1024], out[256] = "";
    snprintf(cmd, sizeof(cmd), "%s stats --no-stream --format '{{.CPUPerc}} {{.MemUsage}}' %s",
             fx.docker, name);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    if (!fgets(out, sizeof(out), p))
        out[0] = '\0';
    pclose(p);
    char unit[8] = "";
    if (sscanf(out, "%lf%% %lf%7[A-Za-z]", cpu, mem, unit) != 3)
        fail_msg("docker stats said: %s", out);
    double scale = strcmp(unit, "KiB") == 0   ? 1024.0
                   : strcmp(unit, "MiB") == 0 ? 1048576.0
                   : strcmp(unit, "GiB") == 0 ? 1073741824.0
                                              : 1.0;
    *mem *= scale;
}

/* A container busy on one core: the source's CPU and memory agree with
 * `docker stats` (same counters, same formula), and they come from the
 * container's own cgroup files held open by the host's SFTP server below
 * the session's sshd (no dial-stdio, no process per refresh). Its CPU is
 * held to the busy shell's own ticks over the same second (docker stats
 * samples another window, and on a shared machine the loop's share
 * varies). Restarted,
 * the container has a new process and a new cgroup: found again. */
static bool burner_runs_since(const char *started_before)
{
    const container_info *c = find(BURNER);
    char now[32];
    snprintf(now, sizeof(now), "%.3f", c ? c->started_at : 0);
    return c && strcmp(c->state, "running") == 0 && strcmp(now, started_before) != 0;
}

static void burner_agrees_with_docker(const char *when, const char *started_before)
{
    /* listed (by the engine's events) before the two samples */
    assert_true(wait_without_refresh(burner_runs_since, started_before, EVENT_MS) >= 0);
    refresh();
    long long t0 = burner_ticks();
    int64_t m0 = loop_update_time(fx.loop);
    int64_t next = m0 + INTERVAL * 1000;
    while (loop_update_time(fx.loop) < next)
        loop_run_once(fx.loop, 50);
    refresh();
    long long t1 = burner_ticks();
    int64_t m1 = loop_update_time(fx.loop);
    expect_ok();
    const container_info *c = find(BURNER);
    assert_non_null(c);
    /* the shell's own share of a core between the two refreshes, from its
     * /proc ticks: the same window as the source's two samples, to a few
     * ms (each read just after its round) */
    double own =
        (double)(t1 - t0) * 100.0 / (double)sysconf(_SC_CLK_TCK) * 1000.0 / (double)(m1 - m0);
    double cpu, mem;
    docker_stats(BURNER, &cpu, &mem);
    printf("# %s: opsdeck cpu %.1f%% mem %lld B; the shell's ticks %.1f%%; docker stats cpu "
           "%.1f%% mem %.0f B\n",
           when, c->cpu_percent, (long long)c->mem_bytes, own, cpu, mem);
    /* on a shared machine the loop gets what it gets, but the same in both
     * measures; an error in the formula (the CPU count, the tick) would be
     * a factor of 2 or 100 */
    if (own < 10 || c->cpu_percent < own - 12 || c->cpu_percent > own + 12)
        fail_msg("%s: cpu %.1f%% against its own ticks' %.1f%%", when, c->cpu_percent, own);
    /* memory: docker prints three digits; a shell's pages barely move */
    if (c->mem_bytes <= 0 || c->mem_bytes > mem * 1.2 + 262144 ||
        (double)c->mem_bytes < mem * 0.8 - 262144)
        fail_msg("%s: mem %lld B against docker's %.0f B", when, (long long)c->mem_bytes, mem);

    int sshd = staging_sshd();
    int pids[256];
    size_t n = below(sshd, pids, 0, 256);
    size_t readers = 0;
    for (size_t i = 0; i < n; i++)
        readers +=
            has_open(pids[i], "/proc/stat", "") &&
            (has_open(pids[i], c->id, "cpuacct.usage") || has_open(pids[i], c->id, "cpu.stat"));
    if (readers != 1)
        fail_msg("%s: %zu processes below sshd hold the container's cgroup files open", when,
                 readers);
    assert_int_equal(dial_stdio_count(pids, n), 0);
}

static void figures_from_cgroup_files_over_sftp(void **state)
{
    (void)state;
    size_t sessions = count_sessions();
    docker("run -d --name " BURNER " --init --network none sbx/busybox:latest "
           "sh -c 'while :; do :; done'");
    burner_agrees_with_docker("started", "0.000");
    char before[32];
    snprintf(before, sizeof(before), "%.3f", find(BURNER)->started_at);
    docker("restart -t 1 " BURNER);
    burner_agrees_with_docker("restarted", before);
    /* the session cut and made again (`R`): SFTP is asked for again, the
     * figures come from the files again (not the engine from then on) */
    transport_reconnect(fx.t);
    int64_t end = loop_update_time(fx.loop) + WAIT_MS;
    do {
        refresh();
        loop_run_once(fx.loop, 200);
    } while (!status()->ok && loop_update_time(fx.loop) < end);
    burner_agrees_with_docker("after a reconnect", "0.000");
    /* the SFTP channel was opened when the source started, and again
     * after the reconnect: nothing else */
    assert_int_equal(count_sessions(), sessions + 1);
    char path[512], line[1024];
    snprintf(path, sizeof(path), "%s/staging/sshd.log", getenv("SANDBOX_DIR"));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    bool sftp = false;
    while (fgets(line, sizeof(line), f))
        sftp |= strstr(line, "Starting session: subsystem 'sftp'") != NULL;
    fclose(f);
    assert_true(sftp);
}

/* The source started again with another docker value. */
static void restart_source(const char *docker)
{
    source_registry[SRC_CONTAINERS]->stop(fx.st);
    snprintf(fx.docker_value, sizeof(fx.docker_value), "%s", docker);
    fx.hc.docker = fx.docker_value;
    fx.st = source_registry[SRC_CONTAINERS]->start(&fx.ctx);
    assert_non_null(fx.st);
}

static void wrapper_falls_back_to_dial_stdio(void **state)
{
    (void)state;
    char value[600];
    snprintf(value, sizeof(value), "env %s", fx.docker);
    restart_source(value);
    /* the events and the requests: two kept docker CLIs */
    assert_int_equal(steady_without_new_processes(), 2);
    const container_info *api = find("grupo_gad_api");
    assert_non_null(api);
    assert_true(api->cpu_percent >= 0); /* measured over dial-stdio too */
    restart_source(fx.docker);
}

/* ---- the engine goes away and comes back ---- */

static void engine(const char *what)
{
    char cmd[1024];
    /* tests/run.sh runs tests from the top of the tree */
    snprintf(cmd, sizeof(cmd), "tests/sandbox/engine.sh %s staging %s >&2", getenv("SANDBOX_DIR"),
             what);
    fx.engine_stopped = strcmp(what, "stop") == 0;
    if (system(cmd) != 0)
        fail_msg("failed: %s", cmd);
}

static void refresh_until(bool ok, int64_t max_ms)
{
    int64_t end = loop_update_time(fx.loop) + max_ms;
    while (loop_update_time(fx.loop) < end) {
        refresh();
        if (status()->ok == ok)
            return;
        int64_t next = loop_update_time(fx.loop) + INTERVAL * 1000;
        while (loop_update_time(fx.loop) < next)
            loop_run_once(fx.loop, 100);
    }
}

static void engine_away_and_back(void **state)
{
    (void)state;
    refresh();
    expect_ok();
    engine("stop");
    refresh_until(false, WAIT_MS);
    assert_false(status()->ok);
    /* first "the engine closed the connection"; the reconnect that follows
     * (with backoff) finds the host refusing the channel to the socket that
     * is gone, tries dial-stdio, and fails in docker's own words, naming
     * the socket */
    int64_t end = loop_update_time(fx.loop) + WAIT_MS;
    while (!strstr(status()->error, "dial unix") && loop_update_time(fx.loop) < end)
        loop_run_once(fx.loop, 100);
    printf("# engine stopped: %s\n", status()->error);
    /* docker's own words name the engine's socket it could not reach */
    if (!strstr(status()->error, "staging-api: containers: ") ||
        !strstr(status()->error, "failed to open the raw stream connection: dial unix") ||
        !strstr(status()->error, "docker.sock"))
        fail_msg("not docker's words: %s", status()->error);
    assert_true(status()->has_sample); /* stale, not forgotten */
    assert_true(fx.m.hosts[0].containers.count > 0);
    engine("start");
    refresh_until(true, WAIT_MS);
    if (!status()->ok)
        fail_msg("did not recover: %s", status()->error);
    assert_non_null(find("grupo_gad_api"));
}

static int restore_engine(void **state)
{
    (void)state;
    if (fx.engine_stopped)
        engine("start"); /* even when the test failed: the sandbox is shared by later tests */
    fx.engine_stopped = false;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(changes_arrive_by_events, remove_probe),
        cmocka_unit_test(no_process_between_refreshes),
        cmocka_unit_test_teardown(figures_from_cgroup_files_over_sftp, remove_burner),
        cmocka_unit_test(wrapper_falls_back_to_dial_stdio),
        cmocka_unit_test_teardown(engine_away_and_back, restore_engine),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
