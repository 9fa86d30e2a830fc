/* The containers command and the parser of its output (parse/docker_json.h).
 *
 * Pure functions over bytes: no I/O, nothing global, safe on any input.
 * Numbers are read by hand rather than with strtod() so that the terminal's
 * locale (a decimal comma) cannot change what "12.34%" means. */
#include "opsdeck/parse/docker_json.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "opsdeck/shell_quote.h"
#include "opsdeck/utf8_copy.h"

#define MARK_PS      "---opsdeck-ps---"
#define MARK_INSPECT "---opsdeck-inspect---"
#define MARK_STATS   "---opsdeck-stats---"
#define MARK_END     "---opsdeck-end---"

/* Runs under sh -c with the docker prefix as "$@". No single quote may
 * appear in it (it is itself single-quoted). set -f: the IDs docker printed
 * are split into words, never globbed or evaluated. */
static const char status_script[] =
    "set -f; "
    "ps=$(\"$@\" ps -a --no-trunc --format \"{{.ID}} {{json .Status}}\") || exit; "
    "echo " MARK_PS "; printf \"%s\\n\" \"$ps\"; "
    "echo " MARK_INSPECT "; "
    "ids=$(printf \"%s\\n\" \"$ps\" | while read -r id rest; do echo \"$id\"; done); "
    "[ -z \"$ids\" ] || \"$@\" inspect $ids; "
    "echo " MARK_STATS "; "
    "\"$@\" stats --no-stream --no-trunc --format \"{{json .}}\"; "
    "echo " MARK_END " $?";

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

int docker_status_command(const char *docker, char *buf, size_t size)
{
    return docker_shell_command(docker, status_script, buf, size);
}

/* ---- numbers ---- */

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

/* digits[.digits], locale-free. Returns the bytes read, 0 when no number. */
static size_t read_decimal(const char *s, double *out)
{
    size_t i = 0, digits = 0;
    double v = 0, scale = 1;
    for (; s[i] >= '0' && s[i] <= '9' && digits < 30; i++, digits++)
        v = v * 10 + (s[i] - '0');
    if (s[i] == '.') {
        i++;
        for (; s[i] >= '0' && s[i] <= '9' && digits < 30; i++, digits++) {
            scale /= 10;
            v += (s[i] - '0') * scale;
        }
    }
    if (digits == 0 || (s[i] >= '0' && s[i] <= '9'))
        return 0; /* none, or too many digits to be a real figure */
    *out = v;
    return i;
}

static const char *skip_blanks(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

int docker_parse_percent(const char *s, double *out)
{
    double v;
    s = skip_blanks(s);
    size_t n = read_decimal(s, &v);
    if (n == 0 || s[n] != '%' || *skip_blanks(s + n + 1) != '\0')
        return -1;
    *out = v;
    return 0;
}

static const struct unit {
    const char *name;
    double factor;
} size_units[] = {
    {"B", 1},
    {"KiB", 1024.0},
    {"MiB", 1048576.0},
    {"GiB", 1073741824.0},
    {"TiB", 1099511627776.0},
    {"PiB", 1125899906842624.0},
    {"kB", 1e3},
    {"KB", 1e3},
    {"MB", 1e6},
    {"GB", 1e9},
    {"TB", 1e12},
    {"PB", 1e15},
};

/* Parses "<number><unit>" in s[0..len). */
static int parse_size_n(const char *s, size_t len, int64_t *out)
{
    char tmp[48];
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    s = skip_blanks(s);
    if (len == 0 || len >= sizeof(tmp))
        return -1;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    double v;
    size_t n = read_decimal(tmp, &v);
    if (n == 0)
        return -1;
    const char *unit = tmp + n;
    for (size_t i = 0; i < sizeof(size_units) / sizeof(size_units[0]); i++) {
        if (strcmp(unit, size_units[i].name) != 0)
            continue;
        double bytes = v * size_units[i].factor;
        if (!(bytes < 9.2e18))
            return -1;
        *out = (int64_t)llround(bytes);
        return 0;
    }
    return -1;
}

int docker_parse_size(const char *s, int64_t *out)
{
    s = skip_blanks(s);
    return parse_size_n(s, strlen(s), out);
}

int docker_parse_mem_usage(const char *s, int64_t *out)
{
    s = skip_blanks(s);
    const char *slash = strchr(s, '/');
    return parse_size_n(s, slash ? (size_t)(slash - s) : strlen(s), out);
}

/* ---- sections ---- */

typedef struct span {
    const char *p;
    size_t len;
    bool found;
} span;

/* The line "marker" (exactly, or followed by a blank and more) starting at
 * a line start in buf[from..len). Returns its offset or len when absent. */
static size_t find_marker(const char *buf, size_t len, size_t from, const char *marker)
{
    size_t m = strlen(marker);
    for (size_t i = from; i + m <= len;) {
        if (memcmp(buf + i, marker, m) == 0 &&
            (i + m == len || buf[i + m] == '\n' || buf[i + m] == ' '))
            return i;
        const char *nl = memchr(buf + i, '\n', len - i);
        if (!nl)
            break;
        i = (size_t)(nl - buf) + 1;
    }
    return len;
}

static size_t line_end(const char *buf, size_t len, size_t from)
{
    const char *nl = memchr(buf + from, '\n', len - from);
    return nl ? (size_t)(nl - buf) + 1 : len;
}

typedef struct sections {
    span ps, inspect, stats;
    bool ended;
    int stats_exit;
} sections;

static void split_sections(const char *buf, size_t len, sections *s)
{
    const char *marks[] = {MARK_PS, MARK_INSPECT, MARK_STATS, MARK_END};
    span *spans[] = {&s->ps, &s->inspect, &s->stats};
    size_t at[4];
    size_t from = 0;
    memset(s, 0, sizeof(*s));
    s->stats_exit = -1;
    for (int k = 0; k < 4; k++) {
        at[k] = find_marker(buf, len, from, marks[k]);
        if (at[k] < len)
            from = line_end(buf, len, at[k]);
    }
    for (int k = 0; k < 3; k++) {
        if (at[k] == len)
            continue;
        size_t start = line_end(buf, len, at[k]);
        size_t stop = len;
        for (int j = k + 1; j < 4; j++)
            if (at[j] < len) {
                stop = at[j];
                break;
            }
        spans[k]->found = true;
        spans[k]->p = buf + start;
        spans[k]->len = stop > start ? stop - start : 0;
    }
    if (at[3] < len) {
        s->ended = true;
        int code = 0, digits = 0;
        for (size_t i = at[3] + strlen(MARK_END) + 1; i < len && digits < 4; i++, digits++) {
            if (buf[i] < '0' || buf[i] > '9')
                break;
            code = code * 10 + (buf[i] - '0');
        }
        s->stats_exit = digits ? code : -1;
    }
}

/* ---- helpers ---- */

/* Records a problem: an entry left out (dropped) or one kept incomplete. */
static void flag(docker_parse_result *res, bool dropped, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void flag(docker_parse_result *res, bool dropped, const char *fmt, ...)
{
    if (dropped)
        res->skipped++;
    else
        res->flagged++;
    if (res->warning[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->warning, sizeof(res->warning), fmt, ap);
    va_end(ap);
}

static const char *get_string(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* One "<id> <json status>" pair of the ps section. */
typedef struct ps_entry {
    char id[80];
    char status[128];
} ps_entry;

static int cmp_ps(const void *a, const void *b)
{
    return strcmp(((const ps_entry *)a)->id, ((const ps_entry *)b)->id);
}

/* Calls fn for each non-blank line of a span, with its 1-based number. */
typedef bool (*line_fn)(const char *line, size_t len, size_t number, void *arg);

static void each_line(span sp, line_fn fn, void *arg)
{
    size_t number = 0;
    for (size_t i = 0; i < sp.len;) {
        size_t end = line_end(sp.p, sp.len, i);
        size_t n = end - i;
        if (n && sp.p[i + n - 1] == '\n')
            n--;
        number++;
        if (n && !fn(sp.p + i, n, number, arg))
            return;
        i = end;
    }
}

typedef struct ps_list {
    ps_entry *items;
    size_t count, cap;
    docker_parse_result *res;
} ps_list;

static bool ps_line(const char *line, size_t len, size_t number, void *arg)
{
    ps_list *l = arg;
    const char *sp = memchr(line, ' ', len);
    size_t idlen = sp ? (size_t)(sp - line) : len;
    ps_entry e;
    if (!sp || idlen == 0 || idlen >= sizeof(e.id)) {
        flag(l->res, false, "docker ps line %zu: not \"ID STATUS\"", number);
        return true;
    }
    json_error_t err;
    json_t *status = json_loadb(sp + 1, len - idlen - 1, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!json_is_string(status)) {
        flag(l->res, false, "docker ps line %zu: status is not a JSON string", number);
        json_decref(status);
        return true;
    }
    memcpy(e.id, line, idlen);
    e.id[idlen] = '\0';
    utf8_copy(e.status, sizeof(e.status), json_string_value(status));
    json_decref(status);
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        ps_entry *p = realloc(l->items, cap * sizeof(*p));
        if (!p)
            return false;
        l->items = p;
        l->cap = cap;
    }
    l->items[l->count++] = e;
    return true;
}

/* ---- inspect ---- */

static bool fill_from_inspect(json_t *o, size_t index, container_info *ci, docker_parse_result *res)
{
    const char *id = get_string(o, "Id");
    const char *name = get_string(o, "Name");
    if (!id || !*id || !name) {
        flag(res, true, "docker inspect entry %zu: no Id or Name", index + 1);
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
        flag(res, false, "docker inspect entry %zu: no State.Status", index + 1);
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

    json_t *restarts = json_object_get(o, "RestartCount");
    json_int_t r = json_is_integer(restarts) ? json_integer_value(restarts) : 0;
    ci->restarts = r < 0 ? 0 : r > 1000000000 ? 1000000000 : (int)r;
    return true;
}

static int parse_inspect(span sp, docker_parse_result *res, container_info **items, size_t *count)
{
    *items = NULL;
    *count = 0;
    size_t blank = 0;
    while (blank < sp.len && strchr(" \t\r\n", sp.p[blank]) && sp.p[blank])
        blank++;
    if (blank == sp.len)
        return 0; /* no containers at all: inspect was not run */
    json_error_t err;
    json_t *arr = json_loadb(sp.p, sp.len, JSON_ALLOW_NUL, &err);
    if (!json_is_array(arr)) {
        snprintf(res->error, sizeof(res->error),
                 "docker inspect output is not a JSON array (line %d: %s)", err.line,
                 arr ? "not an array" : err.text);
        json_decref(arr);
        return -1;
    }
    size_t n = json_array_size(arr);
    container_info *out = n ? calloc(n, sizeof(*out)) : NULL;
    if (n && !out) {
        json_decref(arr);
        snprintf(res->error, sizeof(res->error), "out of memory for %zu containers", n);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        if (!json_is_object(o)) {
            flag(res, true, "docker inspect entry %zu: not an object", i + 1);
            continue;
        }
        if (fill_from_inspect(o, i, &out[k], res))
            k++;
    }
    json_decref(arr);
    *items = out;
    *count = k;
    return 0;
}

int docker_parse_inspect_one(const char *buf, size_t len, container_info *ci, char *why,
                             size_t whysize)
{
    json_error_t err;
    json_t *o = json_loadb(buf, len, JSON_ALLOW_NUL, &err);
    docker_parse_result res;
    memset(&res, 0, sizeof(res));
    bool ok = json_is_object(o) && fill_from_inspect(o, 0, ci, &res);
    if (!ok)
        snprintf(why, whysize, "%s",
                 json_is_object(o) ? res.warning : "inspect is not a JSON object");
    else if (res.warning[0])
        snprintf(why, whysize, "%s", res.warning);
    else if (whysize)
        why[0] = '\0';
    json_decref(o);
    return ok ? 0 : -1;
}

/* ---- stats ---- */

typedef struct by_id {
    container_info *items;
    size_t count;
    docker_parse_result *res;
} by_id;

static int cmp_id(const void *a, const void *b)
{
    return strcmp(((const container_info *)a)->id, ((const container_info *)b)->id);
}

static container_info *find_by_id(by_id *c, const char *id)
{
    container_info key;
    utf8_copy(key.id, sizeof(key.id), id);
    return c->count ? bsearch(&key, c->items, c->count, sizeof(key), cmp_id) : NULL;
}

static bool stats_line(const char *line, size_t len, size_t number, void *arg)
{
    by_id *c = arg;
    json_error_t err;
    json_t *o = json_loadb(line, len, JSON_ALLOW_NUL, &err);
    const char *id = get_string(o, "ID");
    const char *cpu = get_string(o, "CPUPerc");
    const char *mem = get_string(o, "MemUsage");
    if (!id || !cpu || !mem) {
        flag(c->res, false, "docker stats line %zu: not an object with ID, CPUPerc and MemUsage",
             number);
        json_decref(o);
        return true;
    }
    container_info *ci = find_by_id(c, id);
    if (ci) {
        /* "--" is docker's own "not known" (a container just stopping) */
        if (docker_parse_percent(cpu, &ci->cpu_percent) < 0 && strcmp(cpu, "--") != 0)
            flag(c->res, false, "docker stats line %zu: CPUPerc is not a percentage", number);
        if (docker_parse_mem_usage(mem, &ci->mem_bytes) < 0 && strncmp(mem, "--", 2) != 0)
            flag(c->res, false, "docker stats line %zu: MemUsage is not a size", number);
    }
    json_decref(o);
    return true;
}

/* ---- the whole output ---- */

/* qsort() must not be handed the NULL of an empty list */
static void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}

static int cmp_name(const void *a, const void *b)
{
    const container_info *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->id, y->id);
}

static void apply_status(container_info *items, size_t count, ps_list *ps)
{
    sort(ps->items, ps->count, sizeof(*ps->items), cmp_ps);
    for (size_t i = 0; i < count; i++) {
        ps_entry key;
        utf8_copy(key.id, sizeof(key.id), items[i].id);
        ps_entry *e = ps->count ? bsearch(&key, ps->items, ps->count, sizeof(key), cmp_ps) : NULL;
        /* a container that ps did not list: its state is the best status we have */
        utf8_copy(items[i].status, sizeof(items[i].status), e ? e->status : items[i].state);
    }
}

int docker_parse_output(const char *buf, size_t len, docker_parse_result *res)
{
    memset(res, 0, sizeof(*res));
    res->stats_exit = -1;
    if (len > DOCKER_OUTPUT_MAX) {
        snprintf(res->error, sizeof(res->error), "output of %zu bytes is over the %zu limit", len,
                 DOCKER_OUTPUT_MAX);
        return -1;
    }
    sections s;
    split_sections(buf, len, &s);
    if (!s.ps.found || !s.inspect.found) {
        snprintf(res->error, sizeof(res->error), "output has no %s section",
                 s.ps.found ? MARK_INSPECT : MARK_PS);
        return -1;
    }
    if (parse_inspect(s.inspect, res, &res->items, &res->count) < 0)
        return -1;

    ps_list ps = {.res = res};
    each_line(s.ps, ps_line, &ps);
    apply_status(res->items, res->count, &ps);
    free(ps.items);

    sort(res->items, res->count, sizeof(*res->items), cmp_id);
    by_id c = {res->items, res->count, res};
    each_line(s.stats, stats_line, &c);
    sort(res->items, res->count, sizeof(*res->items), cmp_name);

    res->stats_exit = s.stats_exit;
    if (!s.ended)
        flag(res, false, "output ends before %s: cut off", MARK_END);
    return 0;
}

void docker_parse_result_free(docker_parse_result *res)
{
    free(res->items);
    res->items = NULL;
    res->count = 0;
}
