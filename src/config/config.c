/* Loading opsdeck.conf: the file is read through libinih, with a line
 * reader of our own in front of it so that every problem can name its line
 * (inih only reports the first malformed one) and so that section headers
 * are seen even when a section has no keys. */
#include <ini.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "config_internal.h"

#define READ_LINE_MAX 4096

char *config_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

void config_problem_add(config_problems *problems, const char *file, int line, const char *fmt, ...)
{
    config_problem *items = realloc(problems->items, (problems->count + 1) * sizeof(*items));
    if (!items)
        return;
    problems->items = items;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    config_problem *p = &items[problems->count++];
    p->file = strdup(file);
    p->line = line;
    p->message = strdup(msg);
}

void config_problems_free(config_problems *problems)
{
    for (size_t i = 0; i < problems->count; i++) {
        free(problems->items[i].file);
        free(problems->items[i].message);
    }
    free(problems->items);
    problems->items = NULL;
    problems->count = 0;
}

char *config_expand_tilde(const char *path)
{
    if (!path)
        return NULL;
    if (path[0] != '~' || (path[1] != '/' && path[1] != '\0'))
        return strdup(path);
    const char *home = getenv("HOME");
    if (!home)
        home = "";
    size_t len = strlen(home) + strlen(path);
    char *out = malloc(len + 1);
    if (out)
        snprintf(out, len + 1, "%s%s", home, path + 1);
    return out;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

const char *config_find_path(const char *cli_path, char *buf, size_t bufsize)
{
    if (cli_path) {
        snprintf(buf, bufsize, "%s", cli_path);
        return buf;
    }
    const char *env = getenv("OPSDECK_CONFIG");
    if (env && *env) {
        snprintf(buf, bufsize, "%s", env);
        return buf;
    }
    char xdg[PATH_MAX];
    const char *xdg_home = getenv("XDG_CONFIG_HOME");
    if (xdg_home && *xdg_home)
        snprintf(xdg, sizeof(xdg), "%s/opsdeck/opsdeck.conf", xdg_home);
    else
        snprintf(xdg, sizeof(xdg), "%s/.config/opsdeck/opsdeck.conf",
                 getenv("HOME") ? getenv("HOME") : "");
    if (!file_exists(xdg) && file_exists("/etc/opsdeck/opsdeck.conf"))
        snprintf(buf, bufsize, "%s", "/etc/opsdeck/opsdeck.conf");
    else
        snprintf(buf, bufsize, "%s", xdg);
    return buf;
}

static void default_limits(thresholds *t)
{
    t->p95_warn_s = 0.2;
    t->p95_crit_s = 0.5;
    t->error_warn = 0.01;
    t->error_crit = 0.05;
    t->cpu_warn = 70;
    t->cpu_crit = 90;
    t->mem_warn = 80;
    t->mem_crit = 90;
}

static void set_defaults(opsdeck_config *cfg, const char *path)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->path = strdup(path);
    cfg->interval_s = 2;
    cfg->keepalive_s = 15;
    cfg->theme = strdup("default");
    cfg->audit_log = config_expand_tilde("~/.local/state/opsdeck/audit.log");
    cfg->slow_query_s = 1;
    cfg->idle_txn_s = 300;
    default_limits(&cfg->limits);
}

static const char *skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* A header "[name]" (inih allows text after the ']'): the name, or NULL. */
static bool header_name(const char *s, char *name, size_t size)
{
    const char *end = strchr(s, ']');
    if (!end)
        return false;
    size_t len = (size_t)(end - s - 1);
    if (len >= size)
        len = size - 1;
    memcpy(name, s + 1, len);
    name[len] = '\0';
    const char *rest = skip_space(end + 1);
    return *rest == '\0' || *rest == ';' || *rest == '#';
}

/* Reads one whole line into st's buffer; NULL at the end of the file. */
static char *read_whole_line(parse_state *st, char *buf, size_t size, bool *too_long)
{
    *too_long = false;
    if (!fgets(buf, (int)size, st->stream))
        return NULL;
    size_t len = strlen(buf);
    if (len == size - 1 && buf[len - 1] != '\n') {
        *too_long = true;
        int c;
        while ((c = fgetc(st->stream)) != EOF && c != '\n')
            ;
    }
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        buf[--len] = '\0';
    return buf;
}

/* The reader inih calls for each line. Lines that are not for inih (bad
 * ones, already reported) are handed over as empty lines, so inih's own
 * line count stays ours. */
static char *reader(char *str, int num, void *stream)
{
    parse_state *st = stream;
    char line[READ_LINE_MAX];
    bool too_long;
    if (!read_whole_line(st, line, sizeof(line), &too_long))
        return NULL;
    st->line++;
    const char *t = skip_space(line);
    snprintf(str, (size_t)num, "\n");
    if (*t == '\0' || *t == ';' || *t == '#')
        return str;
    if (too_long || strlen(line) + 2 > (size_t)num) {
        PROBLEM(st, "line too long (at most %d characters)", num - 2);
        return str;
    }
    if (t != line) {
        PROBLEM(st, "indented line: values do not continue onto the next line");
        return str;
    }
    if (*t == '[') {
        char name[256];
        if (!header_name(t, name, sizeof(name))) {
            PROBLEM(st, "malformed section header: expected [NAME]");
            st->kind = SECTION_INVALID;
            return str;
        }
        if (!config_open_section(st, name))
            return str;
    } else if (!strpbrk(t, "=:")) {
        PROBLEM(st, "expected KEY = VALUE");
        return str;
    }
    snprintf(str, (size_t)num, "%s\n", line);
    return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    config_set_key(user, section, name, value);
    return 1; /* keep going: every problem is collected */
}

/* A file holding a secret must not be readable by anyone else. */
static void check_secret_permissions(parse_state *st)
{
    struct stat sb;
    if (!st->secret_line || fstat(fileno(st->stream), &sb) < 0 || !(sb.st_mode & 077))
        return;
    config_problem_add(st->problems, st->file, st->secret_line,
                       "this file holds a password but group or others can read it "
                       "(mode %04o): chmod 600 %s",
                       (unsigned)(sb.st_mode & 07777), st->file);
}

static int load_stream(const char *path, FILE *stream, opsdeck_config *cfg,
                       config_problems *problems);

int config_load(const char *path, opsdeck_config *cfg, config_problems *problems)
{
    set_defaults(cfg, path);
    FILE *stream = fopen(path, "r");
    if (!stream) {
        config_problem_add(problems, path, 0, "cannot read: %s", strerror(errno));
        return -1;
    }
    return load_stream(path, stream, cfg, problems);
}

int config_load_text(const char *name, const char *text, opsdeck_config *cfg,
                     config_problems *problems)
{
    set_defaults(cfg, name);
    FILE *stream = fmemopen((void *)text, strlen(text), "r");
    if (!stream) {
        config_problem_add(problems, name, 0, "cannot read: %s", strerror(errno));
        return -1;
    }
    return load_stream(name, stream, cfg, problems);
}

/* Reads and validates an open stream, then closes it. */
static int load_stream(const char *path, FILE *stream, opsdeck_config *cfg,
                       config_problems *problems)
{
    size_t before = problems->count;
    parse_state st = {.cfg = cfg, .problems = problems, .file = path, .stream = stream};
    int rc = ini_parse_stream(reader, &st, handler, &st);
    if (rc == -2)
        config_problem_add(problems, path, 0, "out of memory while reading");
    check_secret_permissions(&st);
    fclose(st.stream);
    config_check_whole(&st);
    free(st.host_limits_set);
    free(st.host_env_line);
    for (size_t i = 0; i < st.nseen; i++) {
        free(st.seen[i].section);
        free(st.seen[i].key);
    }
    free(st.seen);
    return problems->count > before ? -1 : 0;
}

void config_host_free(host_config *h)
{
    char *strings[] = {
        h->name,
        h->env,
        h->ssh,
        h->ssh_user,
        h->ssh_host,
        h->jump,
        h->identity,
        h->known_hosts,
        h->docker,
        h->compose,
        h->metrics,
        h->health,
        h->ws_stats,
        h->prometheus,
        h->node_metrics,
        h->alertmanager,
        h->postgres,
        h->redis,
        h->redis_password_file,
        h->requests_metric,
        h->duration_metric,
        h->status_label,
        h->promql_window,
        h->state_dir,
    };
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        free(strings[i]);
}

void config_free(opsdeck_config *cfg)
{
    for (size_t i = 0; i < cfg->nenvs; i++)
        free(cfg->envs[i].name);
    for (size_t i = 0; i < cfg->nhosts; i++)
        config_host_free(&cfg->hosts[i]);
    free(cfg->envs);
    free(cfg->hosts);
    free(cfg->path);
    free(cfg->theme);
    free(cfg->audit_log);
    free(cfg->runbooks_dir);
    memset(cfg, 0, sizeof(*cfg));
}

const env_config *config_env(const opsdeck_config *cfg, const char *name)
{
    for (size_t i = 0; name && i < cfg->nenvs; i++)
        if (!strcmp(cfg->envs[i].name, name))
            return &cfg->envs[i];
    return NULL;
}

bool env_name_is_production(const char *name)
{
    return name && strncasecmp(name, "prod", 4) == 0;
}

bool env_is_production(const opsdeck_config *cfg, const char *name)
{
    const env_config *e = cfg ? config_env(cfg, name) : NULL;
    return e ? e->production : env_name_is_production(name);
}

const host_config *config_host(const opsdeck_config *cfg, const char *name)
{
    for (size_t i = 0; name && i < cfg->nhosts; i++)
        if (!strcmp(cfg->hosts[i].name, name))
            return &cfg->hosts[i];
    return NULL;
}
