/* The configuration: opsdeck.conf (INI, libinih), as man/opsdeck.conf.5
 * gives it (every section and key, its default and its check).
 *
 * Every string is owned by the config and freed by config_free(). A string
 * option that is absent is NULL. Every section and key remembers the line it
 * was read from, so later checks can still name FILE:LINE. */
#ifndef OPSDECK_CONFIG_H
#define OPSDECK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { CONFIRM_YES, CONFIRM_TYPED } confirm_mode;

/* warn/critical pairs; a signal at or past critical makes --once exit 2. */
typedef struct thresholds {
    double p95_warn_s, p95_crit_s; /* 0.2, 0.5 */
    double error_warn, error_crit; /* 0.01, 0.05 (ratios) */
    double cpu_warn, cpu_crit;     /* 70, 90 (percent) */
    double mem_warn, mem_crit;     /* 80, 90 (percent) */
} thresholds;

typedef struct env_config {
    char *name;
    confirm_mode confirm; /* default: typed for production, else yes */
    int line;
    /* production = yes|no; default: the name is "production" or starts with
     * "prod". The one definition of production: its colour, its place first
     * among the environments, and the default typed confirmation. */
    bool production;
    bool confirm_set;
} env_config;

typedef struct host_config {
    char *name;
    char *env;
    int line;
    /* ssh = [user@]host[:port] or a Host alias of ~/.ssh/config; NULL: this machine */
    char *ssh;
    char *ssh_user;    /* resolved: explicit, from ~/.ssh/config, or $USER */
    char *ssh_host;    /* resolved HostName */
    int ssh_port;      /* resolved, default 22 */
    char *jump;        /* ProxyJump, [user@]host[:port] */
    char *identity;    /* tilde-expanded */
    char *known_hosts; /* tilde-expanded, default ~/.ssh/known_hosts */
    char *docker;      /* default "docker" */
    char *compose;
    char *metrics;
    char *health;
    char *ws_stats;
    char *prometheus;
    char *node_metrics;
    char *alertmanager;
    char *postgres;
    char *redis;
    char *redis_password_file; /* tilde-expanded */
    int redis_db;              /* default 0 */
    /* metric and label names of the direct scrape */
    char *requests_metric; /* default http_requests_total */
    char *duration_metric; /* default http_request_duration_seconds */
    char *status_label;    /* default status */
    char *promql_window;   /* the rate() window of the PromQL queries, default 1m */
    /* where runbook runs and locks live on the host; NULL: /tmp/opsdeck-$USER
     * (the remote user's). Only [A-Za-z0-9_./@+-], absolute. */
    char *state_dir;
    thresholds limits; /* [opsdeck] values unless the host overrides */
} host_config;

typedef struct opsdeck_config {
    char *path;
    int interval_s;  /* default 2 */
    int keepalive_s; /* default 15: a host silent this long: session dropped */
    char *theme;     /* default "default" */
    bool read_only;
    char *audit_log;    /* tilde-expanded */
    char *runbooks_dir; /* runbooks =, tilde-expanded; NULL: the default (runbook/runbook.h) */
    int runbooks_line;
    double slow_query_s; /* default 1 */
    double idle_txn_s;   /* default 300 */
    thresholds limits;
    env_config *envs;
    size_t nenvs;
    host_config *hosts;
    size_t nhosts;
} opsdeck_config;

typedef struct config_problem {
    char *file;
    int line; /* 0: the file as a whole */
    char *message;
} config_problem;

typedef struct config_problems {
    config_problem *items;
    size_t count;
} config_problems;

/* Which file to read: cli_path, else $OPSDECK_CONFIG, else
 * $XDG_CONFIG_HOME/opsdeck/opsdeck.conf (~/.config/...), else
 * /etc/opsdeck/opsdeck.conf. Writes the first that exists (or, when none
 * does, cli_path or the XDG path) into buf; returns buf. */
const char *config_find_path(const char *cli_path, char *buf, size_t bufsize);

/* Parses and validates. Returns 0 when there is no problem, -1 otherwise;
 * every problem found goes into problems (the whole file is read, not just
 * up to the first error). cfg is usable (defaults filled) even on -1, but
 * must not be trusted to run on. */
int config_load(const char *path, opsdeck_config *cfg, config_problems *problems);
/* The same from text in memory (the ad hoc hosts' config); name stands
 * for the file in problems. */
int config_load_text(const char *name, const char *text, opsdeck_config *cfg,
                     config_problems *problems);
void config_free(opsdeck_config *cfg);
void config_problems_free(config_problems *problems);

const env_config *config_env(const opsdeck_config *cfg, const char *name);
/* Whether an environment is production (env_config.production); one with
 * no [env] section is judged by its name. */
bool env_is_production(const opsdeck_config *cfg, const char *name);
/* The default for an environment of that name: "production" or "prod...". */
bool env_name_is_production(const char *name);
const host_config *config_host(const opsdeck_config *cfg, const char *name);

/* The host config of the last hop of a ProxyJump chain ("a,b": b, itself
 * reached through a): ssh, user, address and port as ssh resolves them
 * (a Host alias of ~/.ssh/config works), its identity from ~/.ssh/config or
 * else the target's, the target's known_hosts. The hops before it become
 * its own jump; with none, its ~/.ssh/config ProxyJump applies. Returns
 * false with err set for a malformed hop; free with config_host_free(). */
bool config_jump_host(const host_config *target, const char *chain, host_config *out, char *err,
                      size_t errsize);
/* Validates every hop of a ProxyJump chain; false with err naming the bad one. */
bool config_jump_valid(const char *chain, char *err, size_t errsize);
void config_host_free(host_config *h);

/* "~/x" -> "$HOME/x"; returns a new string. */
char *config_expand_tilde(const char *path);

#endif
