/* The per-(host, runbook) lock (see include/opsdeck/runbook/host_lock.h).
 * Every value written into the lock goes through detached_safe_text()
 * first, so the scripts below can put it between single quotes. */
#include "opsdeck/runbook/host_lock.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOCK_EXEC_MS 15000
#define SCRIPT_MAX   4096

struct host_lock_req {
    exec_req *exec;
    host_lock_fn done;
    void *arg;
};

/* The lines that say whether an act of the lock's run still has a
 * process, and the host's clock. */
#define ALIVE_LINES                                                                                \
    "r=$(sed -n 's/^run_id=//p' \"$L/info\" 2>/dev/null); a=0\n"                                   \
    "for p in \"$D/runs/$r\"/s*/pid; do [ -f \"$p\" ] || continue;"                                \
    " [ -f \"${p%%/pid}/exit\" ] && continue;"                                                     \
    " kill -0 \"$(cat \"$p\")\" 2>/dev/null && a=1; done\n"                                        \
    "echo act_alive=$a; echo host_now=$(date +%%s)\n"

static void lock_name(const char *runbook, char *out, size_t size)
{
    size_t n = 0;
    for (; runbook && *runbook && n + 1 < size; runbook++) {
        char c = *runbook;
        bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                  c == '_' || c == '-';
        out[n++] = ok ? c : '_';
    }
    out[n] = '\0';
}

/* "D=...; L=..." for every script. */
static int prologue(char *buf, size_t size, const host_config *hc, const char *runbook)
{
    char dir[300], name[80];
    detached_state_dir(hc, dir, sizeof(dir));
    lock_name(runbook, name, sizeof(name));
    return snprintf(buf, size, "umask 077\nD=\"%s\"\nL=\"$D/locks/%s\"\n", dir, name);
}

static void parse_info(const char *text, host_lock_info *h)
{
    memset(h, 0, sizeof(*h));
    const char *p = text;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[320];
        snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) - 1 ? len : 319), p);
        char *eq = strchr(line, '=');
        if (eq) {
            *eq = '\0';
            const char *v = eq + 1;
            if (!strcmp(line, "user"))
                snprintf(h->user, sizeof(h->user), "%s", v);
            else if (!strcmp(line, "machine"))
                snprintf(h->machine, sizeof(h->machine), "%s", v);
            else if (!strcmp(line, "pid"))
                h->pid = atol(v);
            else if (!strcmp(line, "started"))
                h->started = atol(v);
            else if (!strcmp(line, "deadline"))
                h->deadline = atol(v);
            else if (!strcmp(line, "host_now"))
                h->host_now = atol(v);
            else if (!strcmp(line, "run_id"))
                snprintf(h->run_id, sizeof(h->run_id), "%s", v);
            else if (!strcmp(line, "step"))
                snprintf(h->step, sizeof(h->step), "%s", v);
            else if (!strcmp(line, "act_alive"))
                h->act_alive = atoi(v) != 0;
        }
        p = nl ? nl + 1 : NULL;
    }
}

static void on_done(const exec_result *res, void *arg)
{
    host_lock_req *req = arg;
    host_lock_info holder;
    lock_outcome outcome = LOCK_ERROR;
    char error[600] = "";
    if (!res->ran) {
        snprintf(error, sizeof(error), "%s", res->error);
    } else if (res->exit_status != 0) {
        snprintf(error, sizeof(error), "the lock script failed (exit %d): %.400s", res->exit_status,
                 res->err_len ? res->err : "no message");
    } else {
        parse_info(res->out, &holder);
        if (strstr(res->out, "lock=acquired"))
            outcome = LOCK_ACQUIRED;
        else if (strstr(res->out, "lock=free") || strstr(res->out, "lock=broken"))
            outcome = LOCK_FREE;
        else if (strstr(res->out, "lock=held"))
            outcome = LOCK_HELD;
        else
            snprintf(error, sizeof(error), "the lock script said nothing known: %.200s", res->out);
    }
    if (outcome != LOCK_HELD)
        memset(&holder, 0, sizeof(holder));
    if (req->done)
        req->done(outcome, &holder, error, req->arg);
    free(req);
}

static host_lock_req *send_script(transport_t *t, const char *script, host_lock_fn done, void *arg)
{
    host_lock_req *req = calloc(1, sizeof(*req));
    if (!req)
        return NULL;
    req->done = done;
    req->arg = arg;
    req->exec = transport_exec(t, script, 8192, LOCK_EXEC_MS, on_done, NULL, req);
    if (!req->exec) {
        free(req);
        return NULL;
    }
    return req;
}

static const char *local_user_name(void)
{
    struct passwd *pw = getpwuid(getuid());
    if (pw && pw->pw_name)
        return pw->pw_name;
    const char *u = getenv("USER");
    return u && *u ? u : "?";
}

host_lock_req *host_lock_acquire(transport_t *t, const host_config *hc, const char *runbook,
                                 const char *run_id, const char *step, int timeout_s,
                                 host_lock_fn done, void *arg)
{
    if (!detached_run_id_valid(run_id))
        return NULL;
    char script[SCRIPT_MAX], user[64], machine[128], host[128] = "", safe_step[256];
    gethostname(host, sizeof(host) - 1);
    detached_safe_text(local_user_name(), user, sizeof(user));
    detached_safe_text(host, machine, sizeof(machine));
    detached_safe_text(step, safe_step, sizeof(safe_step));
    int n = prologue(script, sizeof(script), hc, runbook);
    snprintf(script + n, sizeof(script) - (size_t)n,
             "mkdir -p \"$D/locks\" && chmod 700 \"$D\" || exit 90\n"
             "if mkdir \"$L\" 2>/dev/null; then now=$(date +%%s)\n"
             "  printf '%%s\\n' 'user=%s' 'machine=%s' 'pid=%ld' \"started=$now\""
             " \"deadline=$((now + %d))\" 'run_id=%s' 'step=%s' > \"$L/info.tmp\""
             " && mv \"$L/info.tmp\" \"$L/info\" && echo lock=acquired\n"
             "else echo lock=held; cat \"$L/info\" 2>/dev/null\n" ALIVE_LINES "fi\n",
             user, machine, (long)getpid(), timeout_s, run_id, safe_step);
    return send_script(t, script, done, arg);
}

host_lock_req *host_lock_query(transport_t *t, const host_config *hc, const char *runbook,
                               host_lock_fn done, void *arg)
{
    char script[SCRIPT_MAX];
    int n = prologue(script, sizeof(script), hc, runbook);
    snprintf(script + n, sizeof(script) - (size_t)n,
             "if [ -d \"$L\" ]; then echo lock=held; cat \"$L/info\" 2>/dev/null\n" ALIVE_LINES
             "else echo lock=free; fi\n");
    return send_script(t, script, done, arg);
}

host_lock_req *host_lock_update(transport_t *t, const host_config *hc, const char *runbook,
                                const char *run_id, const char *step, host_lock_fn done, void *arg)
{
    if (!detached_run_id_valid(run_id))
        return NULL;
    char script[SCRIPT_MAX], safe_step[256];
    detached_safe_text(step, safe_step, sizeof(safe_step));
    int n = prologue(script, sizeof(script), hc, runbook);
    snprintf(script + n, sizeof(script) - (size_t)n,
             "if grep -qx 'run_id=%s' \"$L/info\" 2>/dev/null; then"
             " grep -v '^step=' \"$L/info\" > \"$L/info.$$\";"
             " printf '%%s\\n' 'step=%s' >> \"$L/info.$$\"; mv \"$L/info.$$\" \"$L/info\";"
             " echo lock=acquired; else echo lock=held; cat \"$L/info\" 2>/dev/null; fi\n",
             run_id, safe_step);
    return send_script(t, script, done, arg);
}

host_lock_req *host_lock_release(transport_t *t, const host_config *hc, const char *runbook,
                                 const char *run_id, host_lock_fn done, void *arg)
{
    if (!detached_run_id_valid(run_id))
        return NULL;
    char script[SCRIPT_MAX];
    int n = prologue(script, sizeof(script), hc, runbook);
    snprintf(script + n, sizeof(script) - (size_t)n,
             "if grep -qx 'run_id=%s' \"$L/info\" 2>/dev/null; then rm -rf \"$L\"; fi;"
             " echo lock=free\n",
             run_id);
    return send_script(t, script, done, arg);
}

host_lock_req *host_lock_break(transport_t *t, const host_config *hc, const char *runbook,
                               const char *run_id, host_lock_fn done, void *arg)
{
    if (!detached_run_id_valid(run_id))
        return NULL;
    char script[SCRIPT_MAX];
    int n = prologue(script, sizeof(script), hc, runbook);
    snprintf(script + n, sizeof(script) - (size_t)n,
             "[ -d \"$L\" ] || { echo lock=free; exit 0; }\n" ALIVE_LINES
             "if [ $a = 0 ] && grep -qx 'run_id=%s' \"$L/info\" 2>/dev/null; then"
             " rm -rf \"$L\" && echo lock=broken; else echo lock=held; cat \"$L/info\"; fi\n",
             run_id);
    return send_script(t, script, done, arg);
}

void host_lock_cancel(host_lock_req *req)
{
    if (!req)
        return;
    transport_exec_cancel(req->exec);
    free(req);
}

bool host_lock_dead(const host_lock_info *h, char *why, size_t size)
{
    if (h->act_alive) {
        snprintf(why, size, "an act of its run still runs on the host");
        return false;
    }
    if (h->deadline && h->host_now > h->deadline) {
        snprintf(why, size, "past its deadline (the runbook's timeout) and no act runs");
        return true;
    }
    char host[128] = "", safe[128];
    gethostname(host, sizeof(host) - 1);
    detached_safe_text(host, safe, sizeof(safe));
    if (h->pid > 0 && !strcmp(safe, h->machine)) {
        if (kill((pid_t)h->pid, 0) < 0 && errno == ESRCH) {
            snprintf(why, size, "its opsdeck (pid %ld on this machine) is gone and no act runs",
                     h->pid);
            return true;
        }
        snprintf(why, size, "its opsdeck (pid %ld on this machine) is still running", h->pid);
        return false;
    }
    snprintf(why, size, "its opsdeck runs on %s, which cannot be checked from here, until %ld",
             h->machine, h->deadline);
    return false;
}

void host_lock_describe(const host_lock_info *h, char *buf, size_t size)
{
    char since[32] = "?";
    time_t st = (time_t)h->started;
    struct tm tm;
    if (st && gmtime_r(&st, &tm))
        strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S UTC", &tm);
    snprintf(buf, size, "%s@%s (pid %ld) since %s%s%s", h->user[0] ? h->user : "?",
             h->machine[0] ? h->machine : "?", h->pid, since, h->step[0] ? ", at step " : "",
             h->step);
}
