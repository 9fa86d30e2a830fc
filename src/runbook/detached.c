/* Detached acts on the host (see include/opsdeck/runbook/detached.h).
 *
 * One exec channel starts the act and then follows it; when that channel
 * breaks (the SSH link dropped) another one follows again from the bytes
 * already received, until the act ends or the time runs out. The act's own
 * output never travels through the starting shell's stdout: it goes to a
 * file, so the act does not care whether anybody is reading. */
#include "opsdeck/runbook/detached.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "opsdeck/loop.h"

#define OUT_CAP     (64 * 1024) /* what the exec result keeps; the stream has it all */
#define RETRY_MS    1000        /* follow again after a broken channel */
#define HEREDOC_END "OPSDECK_END_OF_COMMAND_5e1f0c"
#define MARK_EXIT   "opsdeck-exit "
#define MARK_GONE   "opsdeck-gone"
#define EXIT_NO_ACT 93

struct detached {
    transport_t *t;
    loop_t *loop;
    char dir_expr[512]; /* "$D/runs/RUN/sN" as the shell builds it */
    char state_dir[300];
    exec_req *req;
    uint64_t retry_timer;
    int64_t deadline_ms;
    size_t offset;
    detached_events ev;
    void *arg;
};

const char *detached_state_dir(const host_config *hc, char *buf, size_t size)
{
    if (hc && hc->state_dir)
        snprintf(buf, size, "%s", hc->state_dir);
    else
        snprintf(buf, size, "/tmp/opsdeck-$(id -un)");
    return buf;
}

void detached_new_run_id(char out[RUN_ID_MAX])
{
    static unsigned counter;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    snprintf(out, RUN_ID_MAX, "%s-%ld-%u", stamp, (long)getpid(), ++counter);
}

bool detached_run_id_valid(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'A' && s[n] <= 'Z') ||
              (s[n] >= 'a' && s[n] <= 'z') || s[n] == '-'))
            return false;
    return n > 0 && n < RUN_ID_MAX;
}

void detached_safe_text(const char *in, char *out, size_t size)
{
    size_t n = 0;
    for (; in && *in && n + 1 < size; in++) {
        unsigned char c = (unsigned char)*in;
        bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                  (c && strchr(" _.,:;@+=/()#-", c));
        out[n++] = ok ? (char)c : '_';
    }
    if (size)
        out[n] = '\0';
}

/* The shell lines that follow act R from byte offset+1 until its shell is
 * gone, then say on stderr how it ended. */
static int follow_script(char *buf, size_t size, const char *state_dir, const char *run_id,
                         int step, size_t offset)
{
    return snprintf(
        buf, size,
        "R=\"%s/runs/%s/s%d\"\n"
        "[ -d \"$R\" ] || { echo \"opsdeck: no act $R on this host\" >&2; exit %d; }\n"
        "p=$(cat \"$R/pid\" 2>/dev/null)\n"
        "[ -n \"$p\" ] || { echo \"opsdeck: act $R never started (no pid)\" >&2; exit 94; }\n"
        "tail -c +%zu --pid=\"$p\" -s 0.2 -f \"$R/out\" 2>/dev/null\n"
        "if [ -f \"$R/exit\" ]; then echo \"" MARK_EXIT "$(cat \"$R/exit\")\" >&2;"
        " else echo " MARK_GONE " >&2; fi\n",
        state_dir, run_id, step, EXIT_NO_ACT, offset + 1);
}

static void on_output(int stream, const char *buf, size_t len, void *arg)
{
    detached *d = arg;
    if (stream != 1)
        return; /* stderr carries only our own markers and errors */
    d->offset += len;
    if (d->ev.output)
        d->ev.output(buf, len, d->arg);
}

static void follow(detached *d);

static void retry(loop_t *loop, void *arg)
{
    (void)loop;
    detached *d = arg;
    d->retry_timer = 0;
    follow(d);
}

static void report(detached *d, bool ran, int status, const char *error)
{
    d->req = NULL;
    if (d->ev.ended)
        d->ev.ended(ran, status, error, d->arg);
}

static void on_done(const exec_result *res, void *arg)
{
    detached *d = arg;
    d->req = NULL;
    const char *mark = res->err ? strstr(res->err, MARK_EXIT) : NULL;
    if (res->ran && mark) {
        report(d, true, atoi(mark + strlen(MARK_EXIT)), "");
        return;
    }
    if (res->ran && res->err && strstr(res->err, MARK_GONE)) {
        report(d, false, -1, "its process is gone without an exit status (killed?)");
        return;
    }
    if (res->ran) { /* our script refused: say what it said */
        char msg[512];
        size_t n = res->err_len < sizeof(msg) - 1 ? res->err_len : sizeof(msg) - 1;
        memcpy(msg, res->err ? res->err : "", n);
        msg[n] = '\0';
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
            msg[--n] = '\0';
        if (!n)
            snprintf(msg, sizeof(msg), "starting or following it failed (exit %d)",
                     res->exit_status);
        report(d, false, -1, msg);
        return;
    }
    /* The channel broke (link dropped, session restarting) or timed out:
     * the act goes on over there. Follow again while there is time. */
    if (loop_update_time(d->loop) + RETRY_MS < d->deadline_ms && !strstr(res->error, "timed out")) {
        d->retry_timer = loop_timer_add(d->loop, RETRY_MS, retry, d);
        return;
    }
    char msg[640];
    snprintf(msg, sizeof(msg), "stopped following it (%s): it may still run on the host",
             res->error);
    report(d, false, -1, msg);
}

static void follow(detached *d)
{
    char script[2048];
    int64_t left = d->deadline_ms - loop_update_time(d->loop);
    const char *run = strstr(d->dir_expr, "/runs/") + 6;
    char run_id[RUN_ID_MAX];
    int step = 0;
    size_t idlen = strcspn(run, "/");
    snprintf(run_id, sizeof(run_id), "%.*s", (int)idlen, run);
    sscanf(run + idlen, "/s%d", &step);
    follow_script(script, sizeof(script), d->state_dir, run_id, step, d->offset);
    d->req = transport_exec(d->t, script, OUT_CAP, left > 1000 ? (int)left : 1000, on_done,
                            on_output, d);
    if (!d->req)
        d->retry_timer = loop_timer_add(d->loop, RETRY_MS, retry, d);
}

static detached *detached_new(loop_t *loop, transport_t *t, const host_config *hc,
                              const char *run_id, int step, int timeout_ms,
                              const detached_events *ev, void *arg)
{
    if (!detached_run_id_valid(run_id) || step < 0)
        return NULL;
    detached *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->t = t;
    d->loop = loop;
    detached_state_dir(hc, d->state_dir, sizeof(d->state_dir));
    snprintf(d->dir_expr, sizeof(d->dir_expr), "%s/runs/%s/s%d", d->state_dir, run_id, step);
    d->deadline_ms = loop_update_time(d->loop) + timeout_ms;
    d->ev = *ev;
    d->arg = arg;
    return d;
}

detached *detached_start(loop_t *loop, transport_t *t, const host_config *hc, const char *run_id,
                         int step, const char *title, const char *command, int timeout_ms,
                         const detached_events *ev, void *arg)
{
    if (strstr(command, HEREDOC_END))
        return NULL;
    detached *d = detached_new(loop, t, hc, run_id, step, timeout_ms, ev, arg);
    if (!d)
        return NULL;
    char safe_title[256];
    detached_safe_text(title, safe_title, sizeof(safe_title));
    size_t size = strlen(command) + DETACHED_SCRIPT_MAX;
    char *script = malloc(size);
    if (!script) {
        free(d);
        return NULL;
    }
    /* Set up the act's directory (mkdir: an act is started once), start it
     * in its own session with nothing of ours open, wait until its shell has
     * written its pid, then follow it like any re-attach. */
    int n = snprintf(
        script, size,
        "umask 077\n"
        "D=\"%s\"\n"
        "mkdir -p \"$D/runs/%s\" && chmod 700 \"$D\" ||"
        " { echo \"opsdeck: cannot create $D/runs/%s\" >&2; exit 90; }\n"
        "R=\"$D/runs/%s/s%d\"\n"
        "mkdir \"$R\" || { echo \"opsdeck: act $R exists already\" >&2; exit 91; }\n"
        "printf '%%s\\n' '%s' > \"$R/title\"\n"
        "cat > \"$R/cmd\" <<'" HEREDOC_END "'\n%s\n" HEREDOC_END "\n"
        ": > \"$R/out\"\n"
        "setsid sh -c 'echo $$ > \"$1/pid.tmp\"; mv \"$1/pid.tmp\" \"$1/pid\";"
        " sh \"$1/cmd\" >> \"$1/out\" 2>&1 < /dev/null;"
        " echo $? > \"$1/exit.tmp\"; mv \"$1/exit.tmp\" \"$1/exit\"'"
        " opsdeck-act \"$R\" < /dev/null > /dev/null 2>&1 &\n"
        "i=0; while [ ! -s \"$R/pid\" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done\n",
        d->state_dir, run_id, run_id, run_id, step, safe_title, command);
    if (n > 0 && (size_t)n < size)
        follow_script(script + n, size - (size_t)n, "$D", run_id, step, 0);
    d->req = transport_exec(t, script, OUT_CAP, timeout_ms, on_done, on_output, d);
    free(script);
    if (!d->req) {
        free(d);
        return NULL;
    }
    return d;
}

detached *detached_attach(loop_t *loop, transport_t *t, const host_config *hc, const char *run_id,
                          int step, int timeout_ms, const detached_events *ev, void *arg)
{
    detached *d = detached_new(loop, t, hc, run_id, step, timeout_ms, ev, arg);
    if (!d)
        return NULL;
    follow(d);
    return d;
}

void detached_stop(detached *d)
{
    if (!d)
        return;
    if (d->req)
        transport_exec_cancel(d->req);
    if (d->retry_timer)
        loop_timer_cancel(d->loop, d->retry_timer);
    free(d);
}

size_t detached_offset(const detached *d)
{
    return d->offset;
}

exec_req *detached_list_run(transport_t *t, const host_config *hc, const char *run_id,
                            exec_done_fn done, void *arg)
{
    if (!detached_run_id_valid(run_id))
        return NULL;
    char dir[300], script[1024];
    detached_state_dir(hc, dir, sizeof(dir));
    snprintf(script, sizeof(script),
             "for R in \"%s/runs/%s\"/s*; do [ -d \"$R\" ] || continue;"
             " if [ -f \"$R/exit\" ]; then e=$(cat \"$R/exit\");"
             " elif kill -0 \"$(cat \"$R/pid\" 2>/dev/null)\" 2>/dev/null; then e=running;"
             " else e=gone; fi;"
             " echo \"${R##*/} $e $(head -c 200 \"$R/title\" 2>/dev/null)\"; done",
             dir, run_id);
    return transport_exec(t, script, 16384, 15000, done, NULL, arg);
}
