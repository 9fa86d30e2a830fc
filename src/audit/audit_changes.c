/* The audit log as a feed of changes (see audit_changes.h). */
#include "opsdeck/audit_changes.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* "2026-12-02T16:22:16.123Z" to wall clock seconds; 0 when unreadable. */
static double parse_ts(const char *ts)
{
    struct tm tm = {0};
    const char *rest = strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest)
        return 0;
    double frac = 0;
    if (*rest == '.')
        frac = strtod(rest, NULL);
    return (double)timegm(&tm) + frac;
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

void audit_result_text(json_t *o, char *buf, size_t size)
{
    json_t *exit_status = json_object_get(o, "exit_status");
    const char *verify = str(o, "verify");
    if (json_is_integer(exit_status))
        snprintf(buf, size, "exit %lld%s%s", (long long)json_integer_value(exit_status),
                 verify[0] ? "; " : "", verify);
    else
        snprintf(buf, size, "%s", verify);
}

bool audit_line_change(const fleet_model *m, const char *line, change *out)
{
    json_t *o = json_loads(line, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return false;
    }
    const char *phase = str(o, "phase"), *host = str(o, "host");
    bool ended = strcmp(phase, "finished") == 0 || strcmp(phase, "denied") == 0 ||
                 strcmp(phase, "cancelled") == 0;
    bool known = false;
    for (size_t i = 0; i < m->nhosts && !known; i++)
        known = strcmp(m->hosts[i].config->name, host) == 0;
    if (!ended || !known) {
        json_decref(o);
        return false;
    }
    memset(out, 0, sizeof(*out));
    out->at = parse_ts(str(o, "ts"));
    out->kind = CHANGE_ACTION;
    snprintf(out->host, sizeof(out->host), "%s", host);
    const char *runbook = str(o, "runbook"), *step = str(o, "step");
    if (runbook[0])
        snprintf(out->what, sizeof(out->what), "runbook %s: %s", runbook,
                 step[0] ? step : str(o, "action"));
    else
        snprintf(out->what, sizeof(out->what), "%s %s", str(o, "action"), str(o, "target"));
    snprintf(out->who, sizeof(out->who), "%s", str(o, "local_user"));
    if (strcmp(phase, "finished") == 0)
        audit_result_text(o, out->result, sizeof(out->result));
    else
        snprintf(out->result, sizeof(out->result), "%s", phase);
    json_decref(o);
    return out->at > 0;
}

/* Where to start reading fd: from the top, or on the first whole line of
 * the last AUDIT_TAIL_FIRST_READ bytes of a big log. */
static off_t first_position(int fd, off_t size)
{
    if (size <= AUDIT_TAIL_FIRST_READ)
        return 0;
    off_t at = size - AUDIT_TAIL_FIRST_READ;
    char buf[4096];
    while (at < size) {
        ssize_t n = pread(fd, buf, sizeof(buf), at);
        if (n <= 0)
            return size;
        char *nl = memchr(buf, '\n', (size_t)n);
        if (nl)
            return at + (nl - buf) + 1;
        at += n;
    }
    return size;
}

int audit_changes_read(fleet_model *m, audit_tail *t, const char *path)
{
    if (!path)
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    struct stat sb;
    if (fstat(fd, &sb) < 0) {
        close(fd);
        return -1;
    }
    if (!t->started || sb.st_ino != t->ino || sb.st_size < t->pos) {
        t->pos = first_position(fd, sb.st_size);
        t->ino = sb.st_ino;
        t->started = true;
    }
    static char buf[AUDIT_TAIL_READ_MAX + 1];
    ssize_t n = pread(fd, buf, AUDIT_TAIL_READ_MAX, t->pos);
    close(fd);
    if (n <= 0)
        return n < 0 ? -1 : 0;
    buf[n] = '\0';
    int added = 0;
    char *line = buf, *nl;
    while ((nl = memchr(line, '\n', (size_t)(buf + n - line)))) {
        *nl = '\0';
        change c;
        if (audit_line_change(m, line, &c)) {
            change_ring_add(&m->changes, &c);
            added++;
        }
        line = nl + 1;
    }
    /* a line longer than the whole read is skipped, not waited for forever */
    t->pos += line == buf && n == AUDIT_TAIL_READ_MAX ? n : line - buf;
    if (added)
        m->version++;
    return added;
}
