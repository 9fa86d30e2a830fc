/* Docker Engine API answers (parse/docker_api.h). */
#include "opsdeck/parse/docker_api.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/parse/json_pick.h"
#include "opsdeck/utf8_copy.h"

static const char *get_string(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int docker_api_parse_list(const char *buf, size_t len, docker_list_entry **out, size_t *count,
                          char *why, size_t whysize)
{
    *out = NULL;
    *count = 0;
    json_error_t err;
    json_t *arr = json_loadb(buf, len, JSON_ALLOW_NUL, &err);
    if (!json_is_array(arr)) {
        snprintf(why, whysize, "the container list is not a JSON array (%s)",
                 arr ? "another value" : err.text);
        json_decref(arr);
        return -1;
    }
    size_t n = json_array_size(arr);
    docker_list_entry *items = n ? calloc(n, sizeof(*items)) : NULL;
    if (n && !items) {
        json_decref(arr);
        snprintf(why, whysize, "out of memory for %zu containers", n);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        const char *id = get_string(o, "Id");
        const char *status = get_string(o, "Status");
        if (!id || !*id)
            continue; /* inspect will not be asked about it either */
        utf8_copy(items[k].id, sizeof(items[k].id), id);
        utf8_copy(items[k].status, sizeof(items[k].status), status ? status : "");
        k++;
    }
    json_decref(arr);
    *out = items;
    *count = k;
    return 0;
}

/* The figures of a stats answer, picked without building its tree: it
 * comes every refresh for every running container (parse/json_pick.h). */
static const char *const total_usage[] = {"cpu_stats", "cpu_usage", "total_usage", NULL};
static const char *const percpu_usage[] = {"cpu_stats", "cpu_usage", "percpu_usage", NULL};
static const char *const system_cpu_usage[] = {"cpu_stats", "system_cpu_usage", NULL};
static const char *const online_cpus[] = {"cpu_stats", "online_cpus", NULL};
static const char *const mem_usage[] = {"memory_stats", "usage", NULL};
static const char *const inactive_v1[] = {"memory_stats", "stats", "total_inactive_file", NULL};
static const char *const inactive_v2[] = {"memory_stats", "stats", "inactive_file", NULL};
enum { P_TOTAL, P_PERCPU, P_SYSTEM, P_NCPUS, P_USAGE, P_INACTIVE_V1, P_INACTIVE_V2, P_COUNT };

int docker_api_parse_stats(const char *buf, size_t len, docker_cpu_sample *cpu, int64_t *mem_bytes,
                           char *why, size_t whysize)
{
    memset(cpu, 0, sizeof(*cpu));
    *mem_bytes = -1;
    json_pick p[P_COUNT] = {
        [P_TOTAL] = {.path = total_usage},       [P_PERCPU] = {.path = percpu_usage},
        [P_SYSTEM] = {.path = system_cpu_usage}, [P_NCPUS] = {.path = online_cpus},
        [P_USAGE] = {.path = mem_usage},         [P_INACTIVE_V1] = {.path = inactive_v1},
        [P_INACTIVE_V2] = {.path = inactive_v2},
    };
    int kind = json_pick_numbers(buf, len, p, P_COUNT);
    if (kind != 1) {
        snprintf(why, whysize, "stats are not a JSON object (%s)",
                 kind == 0 ? "another value" : "not JSON");
        return -1;
    }
    cpu->total_ns = p[P_TOTAL].found ? p[P_TOTAL].value : 0;
    cpu->system_ns = p[P_SYSTEM].found ? p[P_SYSTEM].value : 0;
    /* bounded before the cast: a double past INT_MAX made int is undefined */
    double ncpus = p[P_NCPUS].value;
    cpu->online_cpus = p[P_NCPUS].found && ncpus >= 1 && ncpus <= 65536 ? (int)ncpus : 0;
    if (cpu->online_cpus <= 0)
        cpu->online_cpus = p[P_PERCPU].array_len <= INT_MAX ? (int)p[P_PERCPU].array_len : 0;
    cpu->valid = p[P_TOTAL].found && p[P_SYSTEM].found && cpu->online_cpus > 0;

    double usage = p[P_USAGE].value;
    if (p[P_USAGE].found && usage >= 0 && usage < 9.2e18) {
        /* as docker stats: less the inactive page cache (cgroup v1, then v2) */
        double v1 = p[P_INACTIVE_V1].value, v2 = p[P_INACTIVE_V2].value;
        double m = p[P_INACTIVE_V1].found && v1 >= 0 && v1 < usage   ? usage - v1
                   : p[P_INACTIVE_V2].found && v2 >= 0 && v2 < usage ? usage - v2
                                                                     : usage;
        *mem_bytes = (int64_t)m;
    }
    return 0;
}

double docker_cpu_percent(const docker_cpu_sample *prev, const docker_cpu_sample *cur)
{
    if (!prev->valid || !cur->valid)
        return -1;
    double cpu = cur->total_ns - prev->total_ns;
    double sys = cur->system_ns - prev->system_ns;
    if (cpu <= 0 || sys <= 0)
        return 0;
    /* counters near DBL_MAX from a host overflow: unknown, never inf or NaN */
    double pct = cpu / sys * cur->online_cpus * 100.0;
    return isfinite(pct) ? pct : -1;
}

void docker_api_error_message(const char *buf, size_t len, char *out, size_t size)
{
    json_error_t err;
    json_t *o = json_loadb(buf, len, JSON_ALLOW_NUL, &err);
    const char *msg = get_string(o, "message");
    if (msg)
        utf8_copy(out, size, msg);
    else
        snprintf(out, size, "%.*s", (int)(len < 200 ? len : 200), buf);
    out[strcspn(out, "\r\n")] = '\0';
    json_decref(o);
}

void docker_human_duration(double d, char *out, size_t size)
{
    long seconds = (long)d, minutes = (long)(d / 60), hours = (long)(d / 3600 + 0.5);
    if (seconds < 1)
        snprintf(out, size, "Less than a second");
    else if (seconds == 1)
        snprintf(out, size, "1 second");
    else if (seconds < 60)
        snprintf(out, size, "%ld seconds", seconds);
    else if (minutes == 1)
        snprintf(out, size, "About a minute");
    else if (minutes < 60)
        snprintf(out, size, "%ld minutes", minutes);
    else if (hours == 1)
        snprintf(out, size, "About an hour");
    else if (hours < 48)
        snprintf(out, size, "%ld hours", hours);
    else if (hours < 24 * 7 * 2)
        snprintf(out, size, "%ld days", hours / 24);
    else if (hours < 24 * 30 * 2)
        snprintf(out, size, "%ld weeks", hours / 24 / 7);
    else if (hours < 24 * 365 * 2)
        snprintf(out, size, "%ld months", hours / 24 / 30);
    else
        snprintf(out, size, "%ld years", (long)(d / 3600) / 24 / 365);
}

void docker_status_retell(container_info *ci, double now)
{
    char ago[64];
    if (strcmp(ci->state, "running") == 0 && ci->started_at > 0) {
        docker_human_duration(now - ci->started_at, ago, sizeof(ago));
        const char *h = ci->health;
        snprintf(ci->status, sizeof(ci->status), "Up %s%s%s%s", ago,
                 strcmp(h, "starting") == 0 ? " (health: starting)" : "",
                 strcmp(h, "healthy") == 0     ? " (healthy)"
                 : strcmp(h, "unhealthy") == 0 ? " (unhealthy)"
                                               : "",
                 "");
    } else if (strcmp(ci->state, "paused") == 0 && ci->started_at > 0) {
        docker_human_duration(now - ci->started_at, ago, sizeof(ago));
        snprintf(ci->status, sizeof(ci->status), "Up %s (Paused)", ago);
    } else if ((strcmp(ci->state, "exited") == 0 || strcmp(ci->state, "restarting") == 0) &&
               ci->finished_at > 0) {
        docker_human_duration(now - ci->finished_at, ago, sizeof(ago));
        snprintf(ci->status, sizeof(ci->status), "%s (%d) %s ago",
                 ci->state[0] == 'e' ? "Exited" : "Restarting", ci->exit_code, ago);
    }
}
