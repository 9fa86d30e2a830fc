/* Where a container's cgroup counters are and what they say
 * (parse/cgroup_files.h). */
#include "opsdeck/parse/cgroup_files.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Linux reports /proc/stat in USER_HZ, 100 on every architecture docker
 * runs on; moby's GetClockTicks() says the same */
#define NS_PER_TICK 10000000.0

/* ---- lines and fields of a text that is not NUL-terminated ---- */

typedef struct span {
    const char *p;
    size_t len;
} span;

/* The next line of *rest (without its '\n'); false at the end. */
static bool next_line(span *rest, span *line)
{
    if (rest->len == 0)
        return false;
    const char *nl = memchr(rest->p, '\n', rest->len);
    size_t n = nl ? (size_t)(nl - rest->p) : rest->len;
    *line = (span){rest->p, n};
    rest->p += nl ? n + 1 : n;
    rest->len -= nl ? n + 1 : n;
    return true;
}

/* The next field of *line split at sep (skipping runs of it when collapse). */
static bool next_field(span *line, char sep, bool collapse, span *field)
{
    while (collapse && line->len && line->p[0] == sep) {
        line->p++;
        line->len--;
    }
    if (line->len == 0 && collapse)
        return false;
    const char *at = memchr(line->p, sep, line->len);
    size_t n = at ? (size_t)(at - line->p) : line->len;
    *field = (span){line->p, n};
    line->p += at ? n + 1 : n;
    line->len -= at ? n + 1 : n;
    return true;
}

static bool span_is(span s, const char *word)
{
    return s.len == strlen(word) && memcmp(s.p, word, s.len) == 0;
}

/* A decimal counter; false when it is not one (or past 2^63). */
static bool span_u64(span s, uint64_t *v)
{
    while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\r'))
        s.len--;
    if (s.len == 0 || s.len > 19)
        return false;
    uint64_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
        n = n * 10 + (uint64_t)(s.p[i] - '0');
    }
    *v = n;
    return n <= INT64_MAX;
}

/* Whether a comma-separated list (mount options, controllers) names word. */
static bool list_has(span list, const char *word)
{
    span item;
    while (list.len && next_field(&list, ',', false, &item))
        if (span_is(item, word))
            return true;
    return false;
}

static bool copy_path(char *out, size_t size, span s)
{
    /* mountinfo escapes blanks and backslashes as \NNN: such a path is not
     * one docker's hierarchies use, and is skipped rather than decoded */
    if (s.len == 0 || s.len >= size || s.p[0] != '/' || memchr(s.p, '\\', s.len))
        return false;
    memcpy(out, s.p, s.len);
    out[s.len] = '\0';
    return true;
}

/* ---- /proc/self/mountinfo ---- */

int cgroup_mounts_parse(const char *text, size_t len, cgroup_mounts *m)
{
    memset(m, 0, sizeof(*m));
    span rest = {text, len}, line;
    while (next_line(&rest, &line)) {
        /* id parent major:minor root mountpoint options [optional...] - fstype source super */
        span f[5], field;
        int n = 0;
        while (n < 5 && next_field(&line, ' ', true, &f[n]))
            n++;
        if (n < 5 || !span_is(f[3], "/"))
            continue;
        while (next_field(&line, ' ', true, &field) && !span_is(field, "-"))
            ;
        span fstype, source, super = {0};
        if (!next_field(&line, ' ', true, &fstype) || !next_field(&line, ' ', true, &source))
            continue;
        next_field(&line, ' ', true, &super);
        if (span_is(fstype, "cgroup2")) {
            if (!m->unified[0])
                copy_path(m->unified, sizeof(m->unified), f[4]);
        } else if (span_is(fstype, "cgroup")) {
            if (list_has(super, "cpuacct") && !m->cpuacct[0])
                copy_path(m->cpuacct, sizeof(m->cpuacct), f[4]);
            if (list_has(super, "memory") && !m->memory[0])
                copy_path(m->memory, sizeof(m->memory), f[4]);
        }
    }
    return (m->cpuacct[0] && m->memory[0]) || m->unified[0] ? 0 : -1;
}

/* ---- /proc/PID/cgroup ---- */

static bool join(char *out, size_t size, const char *mount, const char *path, const char *file)
{
    /* a path of "/" is the hierarchy's root: no doubled slash */
    int n = snprintf(out, size, "%s%s/%s", mount, strcmp(path, "/") == 0 ? "" : path, file);
    return n > 0 && (size_t)n < size;
}

int cgroup_container_files(const char *text, size_t len, const char *id, const cgroup_mounts *m,
                           cgroup_files *f, char *why, size_t whysize)
{
    memset(f, 0, sizeof(*f));
    char cpuacct[CGROUP_PATH_MAX] = "", memory[CGROUP_PATH_MAX] = "", unified[CGROUP_PATH_MAX] = "";
    span rest = {text, len}, line;
    while (next_line(&rest, &line)) {
        /* hierarchy-id:controllers:path (the path may itself hold ':') */
        span hid, controllers;
        if (!next_field(&line, ':', false, &hid) || !next_field(&line, ':', false, &controllers))
            continue;
        if (span_is(hid, "0") && controllers.len == 0)
            copy_path(unified, sizeof(unified), line);
        if (list_has(controllers, "cpuacct"))
            copy_path(cpuacct, sizeof(cpuacct), line);
        if (list_has(controllers, "memory"))
            copy_path(memory, sizeof(memory), line);
    }
    bool v1 = m->cpuacct[0] && m->memory[0] && cpuacct[0] && memory[0];
    bool v2 = !v1 && m->unified[0] && unified[0];
    const char *named = v1 ? cpuacct : unified;
    if (!v1 && !v2) {
        snprintf(why, whysize, "no cgroup with its CPU and memory counters");
        return -1;
    }
    if (strlen(id) < 12 || !strstr(named, id) || (v1 && !strstr(memory, id))) {
        snprintf(why, whysize, "its first process's cgroup (%.200s) is not the container's", named);
        return -1;
    }
    if (strstr(named, "/..") || (v1 && strstr(memory, "/.."))) {
        snprintf(why, whysize, "a cgroup path with ..");
        return -1;
    }
    bool fit =
        v1 ? join(f->cpu, sizeof(f->cpu), m->cpuacct, cpuacct, "cpuacct.usage") &&
                 join(f->usage, sizeof(f->usage), m->memory, memory, "memory.usage_in_bytes") &&
                 join(f->mem_stat, sizeof(f->mem_stat), m->memory, memory, "memory.stat")
           : join(f->cpu, sizeof(f->cpu), m->unified, unified, "cpu.stat") &&
                 join(f->usage, sizeof(f->usage), m->unified, unified, "memory.current") &&
                 join(f->mem_stat, sizeof(f->mem_stat), m->unified, unified, "memory.stat");
    if (!fit) {
        snprintf(why, whysize, "a cgroup path too long");
        return -1;
    }
    f->version = v1 ? 1 : 2;
    return 0;
}

/* ---- the counters ---- */

/* The value of "key value" in a flat keyed file (cpu.stat, memory.stat). */
static bool keyed(const char *text, size_t len, const char *key, uint64_t *v)
{
    span rest = {text, len}, line, k;
    while (next_line(&rest, &line))
        if (next_field(&line, ' ', false, &k) && span_is(k, key))
            return span_u64(line, v);
    return false;
}

static bool single(const char *text, size_t len, uint64_t *v)
{
    span rest = {text, len}, line;
    return next_line(&rest, &line) && span_u64(line, v);
}

int cgroup_cpu_ns(int version, const char *text, size_t len, double *ns)
{
    uint64_t v;
    if (version == 1 && single(text, len, &v)) {
        *ns = (double)v;
        return 0;
    }
    if (version == 2 && keyed(text, len, "usage_usec", &v)) {
        *ns = (double)v * 1000.0;
        return 0;
    }
    return -1;
}

int cgroup_memory_bytes(int version, const char *usage, size_t usage_len, const char *stat,
                        size_t stat_len, int64_t *bytes)
{
    uint64_t used, inactive;
    if (!single(usage, usage_len, &used))
        return -1;
    /* as docker stats: less the inactive page cache, when it is smaller */
    if (keyed(stat, stat_len, version == 1 ? "total_inactive_file" : "inactive_file", &inactive) &&
        inactive < used)
        used -= inactive;
    *bytes = (int64_t)used;
    return 0;
}

int cgroup_proc_stat(const char *text, size_t len, double *system_ns, int *online_cpus)
{
    span rest = {text, len}, line, name;
    bool have_total = false;
    int cpus = 0;
    while (next_line(&rest, &line)) {
        if (!next_field(&line, ' ', true, &name) || name.len < 3 || memcmp(name.p, "cpu", 3) != 0)
            continue;
        if (name.len > 3) {
            cpus += name.p[3] >= '0' && name.p[3] <= '9';
            continue;
        }
        uint64_t ticks = 0, v;
        span field;
        for (int i = 0; i < 7; i++) {
            if (!next_field(&line, ' ', true, &field) || !span_u64(field, &v))
                return -1;
            ticks += v;
        }
        *system_ns = (double)ticks * NS_PER_TICK;
        have_total = true;
    }
    if (!have_total || cpus < 1)
        return -1;
    *online_cpus = cpus;
    return 0;
}

void cgroup_cpu_sample(double cpu_ns, double system_ns, int online_cpus, docker_cpu_sample *out)
{
    out->total_ns = cpu_ns;
    out->system_ns = system_ns;
    out->online_cpus = online_cpus;
    out->valid = online_cpus > 0;
}
