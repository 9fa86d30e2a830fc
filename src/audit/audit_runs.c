/* Unfinished actions in an audit log. See include/opsdeck/audit_runs.h. */
#include "opsdeck/audit_runs.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static const char *get(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static bool closes(const char *phase)
{
    return !strcmp(phase, "finished") || !strcmp(phase, "cancelled") || !strcmp(phase, "denied");
}

static bool seen(char **ids, int n, const char *id)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(ids[i], id))
            return true;
    return false;
}

void audit_mark_unfinished(const char *const *lines, int n, bool *unfinished)
{
    char **closed = calloc((size_t)n + 1, sizeof(char *));
    int nclosed = 0;
    /* newest to oldest: a run's closing line comes before its opening ones */
    for (int i = n - 1; i >= 0; i--) {
        unfinished[i] = false;
        json_t *o = json_loads(lines[i], 0, NULL);
        const char *id = o ? get(o, "run_id") : NULL;
        const char *phase = o ? get(o, "phase") : NULL;
        if (id && phase && closed) {
            if (closes(phase)) {
                char *copy = seen(closed, nclosed, id) ? NULL : strdup(id);
                if (copy)
                    closed[nclosed++] = copy;
            } else if (!strcmp(phase, "intent") || !strcmp(phase, "started")) {
                unfinished[i] = !seen(closed, nclosed, id);
            }
        }
        json_decref(o);
    }
    for (int i = 0; i < nclosed; i++)
        free(closed[i]);
    free(closed);
}

bool audit_run_alive(const char *run_id)
{
    /* an action's "PID-MS-SEQ", or a runbook run's "STAMP-PID-SEQ"
     * (runbook/detached.c): the pid is the first all-digit field followed
     * by a dash */
    const char *p = run_id;
    for (int field = 0; field < 2 && p; field++) {
        char *end;
        long pid = strtol(p, &end, 10);
        if (end != p && *end == '-' && pid > 0)
            /* EPERM: a process of another user holds that pid: alive */
            return kill((pid_t)pid, 0) == 0 || errno == EPERM;
        p = strchr(p, '-');
        p = p ? p + 1 : NULL;
    }
    return false;
}
