/* The containers source's shell command and the parser of one container's
 * inspect (parse/docker_json.h).
 *
 * Pure functions over bytes: no I/O, nothing global, safe on any input. */
#include "opsdeck/parse/docker_json.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "opsdeck/shell_quote.h"
#include "opsdeck/utf8_copy.h"

int docker_shell_command(const char *docker, const char *script, char *buf, size_t size)
{
    size_t len = 0;
    if (size == 0)
        return -1;
    buf[0] = '\0';
    if (!shell_append(buf, size, &len, "sh -c ") ||
        !shell_quote_append(buf, size, &len, script, strlen(script)) ||
        !shell_append(buf, size, &len, " 'opsdeck-containers' ") ||
        !shell_quote_docker(buf, size, &len, docker))
        return -1;
    return (int)len;
}

/* The next whitespace-separated word of *s (as shell_quote_docker splits
 * them), or 0 when none is left. */
static size_t next_word(const char **s, const char **word)
{
    *s += strspn(*s, " \t");
    *word = *s;
    size_t n = strcspn(*s, " \t");
    *s += n;
    return n;
}

static bool word_is(const char *w, size_t n, const char *text)
{
    return n == strlen(text) && memcmp(w, text, n) == 0;
}

bool docker_engine_socket(const char *docker, char *path, size_t size)
{
    static const char unix_scheme[] = "unix://";
    const char *s = docker ? docker : "", *w, *host = NULL;
    size_t n = next_word(&s, &w), host_len = 0;
    if (n == 0) {
        w = "docker"; /* the default, as shell_quote_docker says */
        n = 6;
    }
    if (!(word_is(w, n, "docker") || (n > 7 && memcmp(w + n - 7, "/docker", 7) == 0)))
        return false;
    n = next_word(&s, &w);
    if (n > 7 && memcmp(w, "--host=", 7) == 0) {
        host = w + 7;
        host_len = n - 7;
    } else if (word_is(w, n, "-H") || word_is(w, n, "--host")) {
        host_len = next_word(&s, &host);
        if (host_len == 0)
            return false;
    } else if (n != 0) {
        return false;
    }
    if (host && next_word(&s, &w) != 0)
        return false; /* more options: the command's own business */
    if (!host) {
        host = "unix:///var/run/docker.sock";
        host_len = strlen(host);
    }
    size_t scheme = sizeof(unix_scheme) - 1;
    if (host_len <= scheme + 1 || memcmp(host, unix_scheme, scheme) != 0 || host[scheme] != '/' ||
        host_len - scheme >= size)
        return false;
    memcpy(path, host + scheme, host_len - scheme);
    path[host_len - scheme] = '\0';
    return true;
}

/* ---- inspect ---- */

/* "2026-12-02T16:20:52.123456789Z" -> seconds since the epoch; 0 when it is
 * not that (docker's "0001-01-01T00:00:00Z" for never is before 1970: 0). */
double docker_parse_time(const char *s)
{
    int y, mo, d, h, mi, sec, n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
        y < 1970)
        return 0;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec};
    double t = (double)timegm(&tm);
    if (s[n] == '.') {
        double scale = 0.1;
        for (n++; s[n] >= '0' && s[n] <= '9'; n++, scale /= 10)
            t += (s[n] - '0') * scale;
    }
    return t;
}

/* The first problem met in one container's inspect. */
typedef struct problem {
    char why[256];
} problem;

static void flag(problem *res, const char *what)
{
    if (!res->why[0])
        snprintf(res->why, sizeof(res->why), "docker inspect: %s", what);
}

static const char *get_string(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool fill_from_inspect(json_t *o, container_info *ci, problem *res)
{
    const char *id = get_string(o, "Id");
    const char *name = get_string(o, "Name");
    if (!id || !*id || !name) {
        flag(res, "no Id or Name");
        return false;
    }
    memset(ci, 0, sizeof(*ci));
    ci->cpu_percent = -1;
    ci->mem_bytes = -1;
    utf8_copy(ci->id, sizeof(ci->id), id);
    utf8_copy(ci->name, sizeof(ci->name), name[0] == '/' ? name + 1 : name);

    json_t *state = json_object_get(o, "State");
    const char *status = get_string(state, "Status");
    if (!status) {
        flag(res, "no State.Status");
        status = "unknown";
    }
    utf8_copy(ci->state, sizeof(ci->state), status);
    const char *health = get_string(json_object_get(state, "Health"), "Status");
    utf8_copy(ci->health, sizeof(ci->health), health ? health : "");

    json_t *config = json_object_get(o, "Config");
    const char *image = get_string(config, "Image");
    utf8_copy(ci->image, sizeof(ci->image), image ? image : "");
    const char *service =
        get_string(json_object_get(config, "Labels"), "com.docker.compose.service");
    utf8_copy(ci->compose_service, sizeof(ci->compose_service), service ? service : "");

    ci->started_at = docker_parse_time(get_string(state, "StartedAt"));
    ci->finished_at = docker_parse_time(get_string(state, "FinishedAt"));
    json_t *code = json_object_get(state, "ExitCode");
    ci->exit_code = json_is_integer(code) ? (int)json_integer_value(code) : 0;
    json_t *pid = json_object_get(state, "Pid");
    json_int_t p = json_is_integer(pid) ? json_integer_value(pid) : 0;
    ci->pid = p > 0 && p <= 0x3fffffff ? (int)p : 0; /* Linux's PID_MAX_LIMIT is 2^22 */

    json_t *restarts = json_object_get(o, "RestartCount");
    json_int_t r = json_is_integer(restarts) ? json_integer_value(restarts) : 0;
    ci->restarts = r < 0 ? 0 : r > 1000000000 ? 1000000000 : (int)r;
    return true;
}

int docker_parse_inspect_one(const char *buf, size_t len, container_info *ci, char *why,
                             size_t whysize)
{
    json_error_t err;
    json_t *o = json_loadb(buf, len, JSON_ALLOW_NUL, &err);
    problem res = {""};
    bool ok = json_is_object(o) && fill_from_inspect(o, ci, &res);
    if (whysize)
        snprintf(why, whysize, "%s", !json_is_object(o) ? "inspect is not a JSON object" : res.why);
    json_decref(o);
    return ok ? 0 : -1;
}
