/* The sections and keys of opsdeck.conf: what each accepts, and the checks
 * that need the whole file. Every refusal names its line and says what
 * would be accepted. */
#include <ctype.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_internal.h"
#include "opsdeck/numbers.h"

/* ---- values ---- */

static bool parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(v, yes[i]))
            return *out = true, true;
        if (!strcasecmp(v, no[i]))
            return *out = false, true;
    }
    return false;
}

static bool parse_double(const char *v, double *out, const char **suffix)
{
    char *end;
    if (!*v)
        return false;
    double d = num_strtod(v, &end);
    if (end == v || !isfinite(d))
        return false;
    while (*end == ' ')
        end++;
    *suffix = end;
    *out = d;
    return true;
}

static bool parse_int(const char *v, long min, long max, int *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (end == v || *end || n < min || n > max)
        return false;
    *out = (int)n;
    return true;
}

/* Seconds: "0.5", "500ms", "2s". */
static bool parse_seconds(const char *v, double *out)
{
    const char *suffix;
    if (!parse_double(v, out, &suffix) || *out <= 0)
        return false;
    if (!strcmp(suffix, "ms"))
        *out /= 1000;
    else if (*suffix && strcmp(suffix, "s"))
        return false;
    return true;
}

/* A ratio: "0.01" or "1%". */
static bool parse_ratio(const char *v, double *out)
{
    const char *suffix;
    if (!parse_double(v, out, &suffix) || *out < 0)
        return false;
    if (!strcmp(suffix, "%"))
        *out /= 100;
    else if (*suffix)
        return false;
    return *out <= 1;
}

/* A percentage: "70" or "70%". */
static bool parse_percent(const char *v, double *out)
{
    const char *suffix;
    if (!parse_double(v, out, &suffix) || *out < 0 || *out > 100)
        return false;
    return !*suffix || !strcmp(suffix, "%");
}

/* A PromQL range: digits and a unit, possibly several ("1m30s") */
static bool is_prom_duration(const char *v)
{
    if (!*v)
        return false;
    while (*v) {
        if (!isdigit((unsigned char)*v))
            return false;
        while (isdigit((unsigned char)*v))
            v++;
        if (v[0] == 'm' && v[1] == 's')
            v += 2;
        else if (*v && strchr("smhdwy", *v))
            v++;
        else
            return false;
    }
    return true;
}

static bool is_url(const char *v)
{
    return !strncmp(v, "http://", 7) || !strncmp(v, "https://", 8);
}

static bool valid_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
            return false;
    return true;
}

/* ---- duplicates ---- */

static bool seen_before(parse_state *st, const char *section, const char *key)
{
    for (size_t i = 0; i < st->nseen; i++)
        if (!strcmp(st->seen[i].section, section) && !strcmp(st->seen[i].key, key))
            return true;
    seen_key *s = realloc(st->seen, (st->nseen + 1) * sizeof(*s));
    if (!s)
        return false;
    st->seen = s;
    st->seen[st->nseen].section = strdup(section);
    st->seen[st->nseen].key = strdup(key);
    st->nseen++;
    return false;
}

/* ---- sections ---- */

static bool open_env(parse_state *st, const char *name)
{
    opsdeck_config *cfg = st->cfg;
    const env_config *other = config_env(cfg, name);
    if (other) {
        PROBLEM(st, "[env %s] is defined twice (first on line %d)", name, other->line);
        return false;
    }
    env_config *envs = realloc(cfg->envs, (cfg->nenvs + 1) * sizeof(*envs));
    if (!envs)
        return false;
    cfg->envs = envs;
    env_config *e = &envs[cfg->nenvs];
    e->name = strdup(name);
    e->production = env_name_is_production(name);
    e->confirm_set = false;
    /* production asks for its name to be typed unless told otherwise */
    e->confirm = e->production ? CONFIRM_TYPED : CONFIRM_YES;
    e->line = st->line;
    st->index = cfg->nenvs++;
    return true;
}

static bool open_host(parse_state *st, const char *name)
{
    opsdeck_config *cfg = st->cfg;
    const host_config *other = config_host(cfg, name);
    if (other) {
        PROBLEM(st, "[host %s] is defined twice (first on line %d)", name, other->line);
        return false;
    }
    size_t n = cfg->nhosts + 1;
    host_config *hosts = realloc(cfg->hosts, n * sizeof(*hosts));
    unsigned *set = realloc(st->host_limits_set, n * sizeof(*set));
    int *env_line = realloc(st->host_env_line, n * sizeof(*env_line));
    if (hosts)
        cfg->hosts = hosts;
    if (set)
        st->host_limits_set = set;
    if (env_line)
        st->host_env_line = env_line;
    if (!hosts || !set || !env_line)
        return false;
    host_config *h = &hosts[cfg->nhosts];
    memset(h, 0, sizeof(*h));
    h->name = strdup(name);
    h->line = st->line;
    h->ssh_port = 22;
    h->known_hosts = config_expand_tilde("~/.ssh/known_hosts");
    h->docker = strdup("docker");
    h->requests_metric = strdup("http_requests_total");
    h->duration_metric = strdup("http_request_duration_seconds");
    h->status_label = strdup("status");
    h->promql_window = strdup("1m");
    set[cfg->nhosts] = 0;
    env_line[cfg->nhosts] = 0;
    st->index = cfg->nhosts++;
    return true;
}

/* The INI [runbook] section is retired: runbooks are YAML files now. Its
 * keys are skipped (the section is refused), the line says where they went. */
static bool retired_runbook(parse_state *st, const char *name)
{
    PROBLEM(st,
            "[runbook %s] is retired: a runbook is now a YAML file of its own in the runbooks "
            "directory (runbooks = in [opsdeck], default ~/.config/opsdeck/runbooks/ then "
            "/etc/opsdeck/runbooks/); see opsdeck-runbook(5)",
            name);
    return false;
}

bool config_open_section(parse_state *st, const char *header)
{
    static const struct {
        const char *word;
        section_kind kind;
        bool (*open)(parse_state *, const char *);
    } kinds[] = {
        {"env", SECTION_ENV, open_env},
        {"host", SECTION_HOST, open_host},
        {"runbook", SECTION_INVALID, retired_runbook},
    };
    st->kind = SECTION_INVALID;
    if (!strcmp(header, "opsdeck")) {
        st->kind = SECTION_OPSDECK;
        return true;
    }
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        size_t wl = strlen(kinds[i].word);
        if (strncmp(header, kinds[i].word, wl) || header[wl] != ' ')
            continue;
        const char *name = header + wl + 1;
        if (!valid_name(name)) {
            PROBLEM(st, "[%s NAME]: '%s' is not a name (letters, digits, '.', '_', '-')",
                    kinds[i].word, name);
            return false;
        }
        if (!kinds[i].open(st, name))
            return false;
        st->kind = kinds[i].kind;
        return true;
    }
    PROBLEM(st, "unknown section [%s]: expected [opsdeck], [env NAME] or [host NAME]", header);
    return false;
}

/* ---- keys ---- */

static void set_string(char **field, const char *value)
{
    free(*field);
    *field = strdup(value);
}

static void set_path(char **field, const char *value)
{
    free(*field);
    *field = config_expand_tilde(value);
}

typedef struct limit_key {
    const char *key;
    unsigned bit;
    size_t offset;
    bool (*parse)(const char *, double *);
    const char *expect;
} limit_key;

#define LIMIT(k, bit, field, parse, expect)                                                        \
    {                                                                                              \
        k, bit, offsetof(thresholds, field), parse, expect                                         \
    }
static const limit_key limit_keys[] = {
    LIMIT("p95_warn", LIMIT_P95_WARN, p95_warn_s, parse_seconds, "seconds, like 0.2 or 200ms"),
    LIMIT("p95_crit", LIMIT_P95_CRIT, p95_crit_s, parse_seconds, "seconds, like 0.5 or 500ms"),
    LIMIT("error_warn", LIMIT_ERROR_WARN, error_warn, parse_ratio, "a ratio like 0.01, or 1%"),
    LIMIT("error_crit", LIMIT_ERROR_CRIT, error_crit, parse_ratio, "a ratio like 0.05, or 5%"),
    LIMIT("cpu_warn", LIMIT_CPU_WARN, cpu_warn, parse_percent, "a percentage, 0 to 100"),
    LIMIT("cpu_crit", LIMIT_CPU_CRIT, cpu_crit, parse_percent, "a percentage, 0 to 100"),
    LIMIT("mem_warn", LIMIT_MEM_WARN, mem_warn, parse_percent, "a percentage, 0 to 100"),
    LIMIT("mem_crit", LIMIT_MEM_CRIT, mem_crit, parse_percent, "a percentage, 0 to 100"),
};

/* A threshold key: true when key is one (handled, well or not). */
static bool set_limit(parse_state *st, thresholds *t, unsigned *set, const char *key,
                      const char *value)
{
    for (size_t i = 0; i < sizeof(limit_keys) / sizeof(limit_keys[0]); i++) {
        const limit_key *k = &limit_keys[i];
        if (strcmp(key, k->key))
            continue;
        double v;
        if (!k->parse(value, &v))
            PROBLEM(st, "%s = %s: expected %s", key, value, k->expect);
        else {
            *(double *)((char *)t + k->offset) = v;
            if (set)
                *set |= k->bit;
        }
        return true;
    }
    return false;
}

static void set_opsdeck_key(parse_state *st, const char *key, const char *value)
{
    opsdeck_config *cfg = st->cfg;
    bool b;
    double d;
    if (!strcmp(key, "interval")) {
        if (!parse_int(value, 1, 3600, &cfg->interval_s))
            PROBLEM(st, "interval = %s: expected whole seconds, 1 to 3600", value);
    } else if (!strcmp(key, "keepalive")) {
        if (!parse_int(value, 1, 3600, &cfg->keepalive_s))
            PROBLEM(st, "keepalive = %s: expected whole seconds, 1 to 3600", value);
    } else if (!strcmp(key, "theme")) {
        set_string(&cfg->theme, value);
    } else if (!strcmp(key, "read_only")) {
        if (parse_bool(value, &b))
            cfg->read_only = b;
        else
            PROBLEM(st, "read_only = %s: expected yes or no", value);
    } else if (!strcmp(key, "audit_log")) {
        set_path(&cfg->audit_log, value);
    } else if (!strcmp(key, "runbooks")) {
        set_path(&cfg->runbooks_dir, value);
        cfg->runbooks_line = st->line;
    } else if (!strcmp(key, "slow_query") || !strcmp(key, "idle_txn")) {
        if (!parse_seconds(value, &d))
            PROBLEM(st, "%s = %s: expected seconds greater than 0", key, value);
        else if (!strcmp(key, "slow_query"))
            cfg->slow_query_s = d;
        else
            cfg->idle_txn_s = d;
    } else if (!set_limit(st, &cfg->limits, NULL, key, value)) {
        PROBLEM(st, "unknown key '%s' in [opsdeck]", key);
    }
}

static bool parse_confirm(parse_state *st, const char *value, confirm_mode *out)
{
    if (!strcmp(value, "yes"))
        *out = CONFIRM_YES;
    else if (!strcmp(value, "typed"))
        *out = CONFIRM_TYPED;
    else {
        PROBLEM(st, "confirm = %s: expected yes (answer y) or typed (type the environment's name)",
                value);
        return false;
    }
    return true;
}

static void set_env_key(parse_state *st, const char *key, const char *value)
{
    env_config *e = &st->cfg->envs[st->index];
    if (!strcmp(key, "confirm")) {
        if (parse_confirm(st, value, &e->confirm))
            e->confirm_set = true;
    } else if (!strcmp(key, "production")) {
        if (!parse_bool(value, &e->production))
            PROBLEM(st, "production = %s: expected yes or no", value);
        else if (!e->confirm_set) /* the default follows, whatever the order */
            e->confirm = e->production ? CONFIRM_TYPED : CONFIRM_YES;
    } else
        PROBLEM(st, "unknown key '%s' in [env %s]", key, e->name);
}

/* Whether a postgres conninfo is well formed, and whether it holds a password. */
static void check_conninfo(parse_state *st, const char *value)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(value, &err);
    if (!opts) {
        char *nl = err ? strchr(err, '\n') : NULL;
        if (nl)
            *nl = '\0';
        PROBLEM(st, "postgres = ...: %s", err ? err : "not a libpq conninfo");
        PQfreemem(err);
        return;
    }
    for (PQconninfoOption *o = opts; o->keyword; o++)
        if (!strcmp(o->keyword, "password") && o->val && *o->val && !st->secret_line)
            st->secret_line = st->line;
    PQconninfoFree(opts);
}

/* redis = HOST:PORT, [V6]:PORT or HOST. */
static void check_redis_address(parse_state *st, const char *value)
{
    const char *colon = value[0] == '[' ? strstr(value, "]:") : strrchr(value, ':');
    if (value[0] == '[' && !strchr(value, ']'))
        colon = NULL, PROBLEM(st, "redis = %s: unterminated [address]", value);
    if (!colon)
        return;
    int port;
    if (!parse_int(colon + (value[0] == '[' ? 2 : 1), 1, 65535, &port))
        PROBLEM(st, "redis = %s: expected HOST:PORT with a port from 1 to 65535", value);
}

/* state_dir goes into shell commands on the host unquoted-safe: only
 * characters no shell treats specially. */
static bool state_dir_valid(const char *value)
{
    if (value[0] != '/')
        return false;
    for (const char *p = value; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_./@+-", *p))
            return false;
    return true;
}

typedef struct string_key {
    const char *key;
    size_t offset;
    enum { KIND_TEXT, KIND_PATH, KIND_URL } kind;
} string_key;

#define HOST_FIELD(k, f, kind)                                                                     \
    {                                                                                              \
        k, offsetof(host_config, f), kind                                                          \
    }
static const string_key host_strings[] = {
    HOST_FIELD("env", env, KIND_TEXT),
    HOST_FIELD("ssh", ssh, KIND_TEXT),
    HOST_FIELD("jump", jump, KIND_TEXT),
    HOST_FIELD("identity", identity, KIND_PATH),
    HOST_FIELD("known_hosts", known_hosts, KIND_PATH),
    HOST_FIELD("docker", docker, KIND_TEXT),
    HOST_FIELD("compose", compose, KIND_TEXT),
    HOST_FIELD("metrics", metrics, KIND_URL),
    HOST_FIELD("health", health, KIND_URL),
    HOST_FIELD("ws_stats", ws_stats, KIND_URL),
    HOST_FIELD("prometheus", prometheus, KIND_URL),
    HOST_FIELD("node_metrics", node_metrics, KIND_URL),
    HOST_FIELD("alertmanager", alertmanager, KIND_URL),
    HOST_FIELD("postgres", postgres, KIND_TEXT),
    HOST_FIELD("redis", redis, KIND_TEXT),
    HOST_FIELD("redis_password_file", redis_password_file, KIND_PATH),
    HOST_FIELD("requests_metric", requests_metric, KIND_TEXT),
    HOST_FIELD("duration_metric", duration_metric, KIND_TEXT),
    HOST_FIELD("status_label", status_label, KIND_TEXT),
    HOST_FIELD("promql_window", promql_window, KIND_TEXT),
    HOST_FIELD("state_dir", state_dir, KIND_TEXT),
};

static void set_host_key(parse_state *st, const char *key, const char *value)
{
    host_config *h = &st->cfg->hosts[st->index];
    if (!strcmp(key, "redis_db")) {
        if (!parse_int(value, 0, 1000000, &h->redis_db))
            PROBLEM(st, "redis_db = %s: expected a database number, 0 or more", value);
        return;
    }
    if (set_limit(st, &h->limits, &st->host_limits_set[st->index], key, value))
        return;
    for (size_t i = 0; i < sizeof(host_strings) / sizeof(host_strings[0]); i++) {
        const string_key *k = &host_strings[i];
        if (strcmp(key, k->key))
            continue;
        char **field = (char **)((char *)h + k->offset);
        if (!*value) {
            PROBLEM(st, "%s = : a value is needed (leave the line out for none)", key);
            return;
        }
        if (k->kind == KIND_URL && !is_url(value))
            PROBLEM(st, "%s = %s: expected an http:// or https:// URL", key, value);
        if (k->kind == KIND_PATH)
            set_path(field, value);
        else
            set_string(field, value);
        if (!strcmp(key, "env"))
            st->host_env_line[st->index] = st->line;
        else if (!strcmp(key, "postgres"))
            check_conninfo(st, value);
        else if (!strcmp(key, "promql_window") && !is_prom_duration(value))
            PROBLEM(st, "promql_window = %s: expected a Prometheus duration like 30s, 1m or 5m",
                    value);
        else if (!strcmp(key, "redis"))
            check_redis_address(st, value);
        else if (!strcmp(key, "state_dir") && !state_dir_valid(value))
            PROBLEM(st,
                    "state_dir = %s: expected an absolute path of letters, digits and _ . / @ + -",
                    value);
        else if (!strcmp(key, "ssh")) {
            char err[256];
            if (!config_resolve_ssh(h, err, sizeof(err)))
                PROBLEM(st, "ssh = %s: %s", value, err);
        } else if (!strcmp(key, "jump")) {
            char err[300];
            if (!config_jump_valid(value, err, sizeof(err)))
                PROBLEM(st, "jump = %s: %s", value, err);
        }
        return;
    }
    PROBLEM(st, "unknown key '%s' in [host %s]", key, h->name);
}

void config_set_key(parse_state *st, const char *section, const char *key, const char *value)
{
    if (st->kind == SECTION_INVALID)
        return; /* its header was already reported */
    if (st->kind == SECTION_NONE) {
        PROBLEM(st, "'%s' is outside any section: put it under [opsdeck] or a [host NAME]", key);
        return;
    }
    if (seen_before(st, section, key)) {
        PROBLEM(st, "'%s' is set twice in [%s]", key, section);
        return;
    }
    switch (st->kind) {
    case SECTION_OPSDECK:
        set_opsdeck_key(st, key, value);
        break;
    case SECTION_ENV:
        set_env_key(st, key, value);
        break;
    case SECTION_HOST:
        set_host_key(st, key, value);
        break;
    default:
        break;
    }
}

/* ---- the whole file ---- */

static void check_password_file(parse_state *st, const host_config *h)
{
    struct stat sb;
    if (!h->redis_password_file)
        return;
    if (stat(h->redis_password_file, &sb) < 0) {
        config_problem_add(st->problems, st->file, h->line,
                           "[host %s] redis_password_file %s cannot be read", h->name,
                           h->redis_password_file);
    } else if (sb.st_mode & 077) {
        config_problem_add(st->problems, st->file, h->line,
                           "[host %s] redis_password_file %s can be read by group or others "
                           "(mode %04o): chmod 600 %s",
                           h->name, h->redis_password_file, (unsigned)(sb.st_mode & 07777),
                           h->redis_password_file);
    }
}

static void inherit_limits(thresholds *host, unsigned set, const thresholds *global)
{
    for (size_t i = 0; i < sizeof(limit_keys) / sizeof(limit_keys[0]); i++) {
        if (set & limit_keys[i].bit)
            continue;
        size_t off = limit_keys[i].offset;
        *(double *)((char *)host + off) = *(const double *)((const char *)global + off);
    }
}

static void check_limit_order(parse_state *st, const thresholds *t, int line, const char *where)
{
    static const struct {
        const char *what;
        size_t warn, crit;
    } pairs[] = {
        {"p95", offsetof(thresholds, p95_warn_s), offsetof(thresholds, p95_crit_s)},
        {"error", offsetof(thresholds, error_warn), offsetof(thresholds, error_crit)},
        {"cpu", offsetof(thresholds, cpu_warn), offsetof(thresholds, cpu_crit)},
        {"mem", offsetof(thresholds, mem_warn), offsetof(thresholds, mem_crit)},
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        double w = *(const double *)((const char *)t + pairs[i].warn);
        double c = *(const double *)((const char *)t + pairs[i].crit);
        if (w > c)
            config_problem_add(st->problems, st->file, line, "%s%s_warn (%g) is above %s_crit (%g)",
                               where, pairs[i].what, w, pairs[i].what, c);
    }
}

static void check_hosts(parse_state *st)
{
    opsdeck_config *cfg = st->cfg;
    for (size_t i = 0; i < cfg->nhosts; i++) {
        host_config *h = &cfg->hosts[i];
        inherit_limits(&h->limits, st->host_limits_set[i], &cfg->limits);
        if (st->host_limits_set[i]) {
            char where[300];
            snprintf(where, sizeof(where), "[host %s] ", h->name);
            check_limit_order(st, &h->limits, h->line, where);
        }
        if (!h->env)
            config_problem_add(st->problems, st->file, h->line,
                               "[host %s] has no env = line: every host belongs to an "
                               "environment",
                               h->name);
        else if (!config_env(cfg, h->env))
            config_problem_add(st->problems, st->file, st->host_env_line[i],
                               "env = %s: no [env %s] section defines it", h->env, h->env);
        check_password_file(st, h);
    }
}

void config_check_whole(parse_state *st)
{
    check_limit_order(st, &st->cfg->limits, 0, "");
    if (st->cfg->nhosts == 0)
        config_problem_add(st->problems, st->file, 0,
                           "no [host NAME] section: there is nothing to watch");
    check_hosts(st);
}
