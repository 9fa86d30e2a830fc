/* Runbooks: the data model of a runbook file, its loader and validator, and
 * the substitution that turns a step into the exact command for one host.
 * The file format itself is documented in opsdeck-runbook(5).
 *
 * A runbook is one YAML file (read with libyaml): a name, a title, an
 * optional console key, the environments it may run in, what it remedies
 * (for:), a timeout for the whole run, an optional stricter confirmation,
 * a runbook offered when a verify fails (on_failure:), and a tree of steps.
 * Every element remembers the file and line it came from, so every problem
 * (at load time, or later in the engine) can be told as FILE:LINE: message.
 *
 * This header is data and pure functions only: nothing here connects to a
 * host or runs anything (the engine does, on top of it). Everything is owned
 * by the runbook_set it was loaded into and freed by runbook_set_free().
 * Strings that are absent are NULL. */
#ifndef OPSDECK_RUNBOOK_RUNBOOK_H
#define OPSDECK_RUNBOOK_RUNBOOK_H

#include <stdbool.h>
#include <stddef.h>

#include "opsdeck/config.h"

/* Hard bounds: a runbook file is read by a person at 3 a.m.; anything past
 * these is a mistake (or hostile), refused with its FILE:LINE. */
#define RUNBOOK_FILE_MAX          (256 * 1024) /* bytes per file */
#define RUNBOOK_FILES_MAX         256          /* runbooks per directory */
#define RUNBOOK_STEPS_MAX         200          /* steps in one runbook, all levels */
#define RUNBOOK_DEPTH_MAX         4            /* choose inside choose inside ... */
#define RUNBOOK_OPTIONS_MAX       16           /* options of one choose */
#define RUNBOOK_CALLS_MAX         8            /* runbook: calls nested at run time */
#define RUNBOOK_COMMAND_MAX       4096         /* a command after substitution */
#define RUNBOOK_NAME_MAX          64           /* [a-z0-9_-], also the file's name */
#define RUNBOOK_TIMEOUT_DEFAULT_S 600
#define RUNBOOK_WITHIN_DEFAULT_S  60
#define RUNBOOK_LOG_LINES_DEFAULT 50  /* logs: the last lines read */
#define RUNBOOK_LOG_LINES_MAX     500 /* as many as the console's log view reads */

/* Where an element was written. file points into the runbook (owned). */
typedef struct runbook_where {
    const char *file;
    int line; /* 1-based; 0: the file as a whole */
} runbook_where;

typedef enum {
    RB_STEP_CHECK,  /* read-only; runs by itself, also in read-only mode */
    RB_STEP_ACT,    /* changes something: run: or action: */
    RB_STEP_VERIFY, /* polls run+expect, health or signal until within */
    RB_STEP_CHOOSE, /* the engineer picks one of options[] */
    RB_STEP_WAIT,   /* waits wait_s seconds */
} runbook_step_kind;

/* "check", "act", ... */
const char *runbook_step_kind_name(runbook_step_kind kind);

/* expect: with run:, {output: TEXT} (the output, trimmed of surrounding
 * blanks and newlines, equals TEXT) or {exit: N}; none: exit 0 passes.
 * With logs:, {contains: TEXT} (a line read holds TEXT, ignoring case) or
 * {absent: TEXT} (none does); none: the log could be read. */
typedef enum {
    RB_EXPECT_NONE,
    RB_EXPECT_OUTPUT,
    RB_EXPECT_EXIT,
    RB_EXPECT_CONTAINS,
    RB_EXPECT_ABSENT
} runbook_expect_kind;

typedef struct runbook_expect {
    runbook_expect_kind kind;
    char *output; /* RB_EXPECT_OUTPUT, and the text of CONTAINS and ABSENT */
    int exit;     /* RB_EXPECT_EXIT */
    int line;
} runbook_expect;

typedef enum { RB_OP_LT, RB_OP_LE, RB_OP_GT, RB_OP_GE, RB_OP_EQ, RB_OP_NE } runbook_op;

/* "<", "<=", ... */
const char *runbook_op_name(runbook_op op);
/* value OP limit */
bool runbook_op_holds(runbook_op op, double value, double limit);

/* signal: NAME OP VALUE, on the host's golden signals. NAME is one of
 * rps, error_ratio, latency_p50_s, latency_p95_s, latency_p99_s,
 * cpu_percent, mem_percent, disk_free_percent (the JSON snapshot's names). */
typedef struct runbook_signal {
    char *name; /* NULL: no signal test */
    runbook_op op;
    double value;
    int line;
} runbook_signal;

/* true when name is a golden signal a runbook may test. */
bool runbook_signal_known(const char *name);

typedef struct runbook_step runbook_step;

/* One option of a choose: its own steps, or another runbook (same host). */
typedef struct runbook_option {
    char *title;
    runbook_step *steps; /* when runbook is NULL */
    size_t nsteps;
    char *runbook; /* the name of the runbook it runs, or NULL */
    int line;
    int runbook_line; /* of runbook:, 0 when absent */
} runbook_option;

struct runbook_step {
    runbook_step_kind kind;
    char *title; /* the value of the kind key: "check: TITLE" */
    runbook_where where;
    char *run;             /* shell on the host (check, act, verify); ${...} not yet substituted */
    runbook_expect expect; /* check, verify with run; check with logs */
    /* check: the container whose last `lines` log lines it reads and shows
     * (${...} not yet substituted; a name, never given to a shell as it is) */
    char *logs;
    int lines;    /* with logs: 1..RUNBOOK_LOG_LINES_MAX, default RUNBOOK_LOG_LINES_DEFAULT */
    bool require; /* check: a failure stops the run */
    int health;   /* check, verify: the health URL must answer this status; 0: no test */
    runbook_signal signal; /* verify (and check): name NULL when none */
    int within_s;          /* verify: give up after this long (default RUNBOOK_WITHIN_DEFAULT_S) */
    /* act: a built-in action by name (actions table) and its argument, as
     * written after the name ("restart grupo_gad_api": "restart",
     * "grupo_gad_api"); arg NULL when none. The arg is substituted too. */
    char *action;
    char *action_arg;
    bool confirm;            /* act: ask again right before it runs */
    int wait_s;              /* wait: seconds */
    runbook_option *options; /* choose */
    size_t noptions;
    /* line of each key as written (0: absent), for messages about values */
    int run_line, action_line, logs_line;
};

/* for: what a runbook remedies (the console suggests it when one holds). */
typedef enum {
    RB_FOR_ALERT,     /* alert NAME */
    RB_FOR_HEALTH,    /* health != STATUS */
    RB_FOR_CONTAINER, /* container NAME unhealthy|restarting|exited */
    RB_FOR_SIGNAL,    /* signal NAME OP VALUE (> or <, >=, <=) */
} runbook_for_kind;

typedef struct runbook_for {
    runbook_for_kind kind;
    char *name;  /* alert, container or signal name */
    char *state; /* container: "unhealthy", "restarting" or "exited" */
    int status;  /* health: the status that is NOT expected (health != 200) */
    runbook_op op;
    double value; /* signal */
    char *text;   /* as written */
    int line;
} runbook_for;

typedef struct runbook {
    char *file;  /* the path it was read from */
    char *name;  /* name:, default the file's name without .yml/.yaml */
    char *title; /* default the name */
    char key;    /* 0: none; a printable ASCII character */
    char **envs; /* NULL/0: every environment */
    size_t nenvs;
    runbook_for *fors;
    size_t nfors;
    int timeout_s;        /* default RUNBOOK_TIMEOUT_DEFAULT_S */
    bool confirm_set;     /* confirm: given in the file */
    confirm_mode confirm; /* the file's demand, raised to the env's by runbook_confirm_for() */
    char *on_failure;     /* runbook name or NULL */
    runbook_step *steps;
    size_t nsteps;
    int line; /* 1: the file's first line */
    int name_line, key_line, on_failure_line, confirm_line, envs_line;
} runbook;

typedef struct runbook_problem {
    char *file;
    int line;
    char *message;
    bool note; /* told, but not a problem: --check still passes */
} runbook_problem;

typedef struct runbook_problems {
    runbook_problem *items;
    size_t count;
} runbook_problems;

typedef struct runbook_set {
    char *dir;      /* the directory loaded, or NULL when none was found */
    runbook *items; /* sorted by name */
    size_t count;
} runbook_set;

/* The runbooks directory: cfg's `runbooks =` (tilde-expanded) when set,
 * else $XDG_CONFIG_HOME/opsdeck/runbooks (~/.config/...) when it exists,
 * else /etc/opsdeck/runbooks when it exists. Writes it into buf and returns
 * buf; NULL when none is set and none exists (no runbooks: not an error). */
const char *runbook_find_dir(const opsdeck_config *cfg, char *buf, size_t size);

/* Reads one file into rb. Problems of the file alone (YAML syntax, unknown
 * key, unknown step kind, missing field, bad value, bounds) go to problems.
 * Returns 0 when none, -1 otherwise (rb is then freed and zeroed). */
int runbook_load_file(const char *path, runbook *rb, runbook_problems *problems);

/* Loads every *.yml and *.yaml file of dir (sorted), then validates the
 * set against cfg (runbook_validate_set). dir NULL: an empty set. Returns
 * 0 when there is no problem, -1 otherwise; set holds every file that
 * loaded, even then. */
int runbook_set_load(const char *dir, const opsdeck_config *cfg, runbook_set *set,
                     runbook_problems *problems);

/* The checks across files and against the config: duplicate names,
 * action: names that are not built-in actions, runbook: and on_failure:
 * references that do not exist, cycles of runbooks calling each other,
 * keys taken by the console or another runbook, envs not configured, and
 * placeholders ${NAME} that are not host values. Returns the number of
 * problems added. */
size_t runbook_validate_set(const runbook_set *set, const opsdeck_config *cfg,
                            runbook_problems *problems);

void runbook_set_free(runbook_set *set);
void runbook_free(runbook *rb);
void runbook_problems_free(runbook_problems *problems);
/* Adds a problem (printf format); the message is copied. */
void runbook_problem_add(runbook_problems *problems, const char *file, int line, const char *fmt,
                         ...) __attribute__((format(printf, 4, 5)));
/* Adds a note: something said about a file that does not fail it. */
void runbook_note_add(runbook_problems *problems, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The problems that are not notes. */
size_t runbook_problems_count(const runbook_problems *problems);

const runbook *runbook_find(const runbook_set *set, const char *name);
const runbook *runbook_find_key(const runbook_set *set, char key);

/* May rb run in environment env (its envs: list, or every one)? */
bool runbook_allowed_in(const runbook *rb, const char *env);

/* The confirmation a run of rb demands on a host of env: the environment's
 * own, raised to typed when the runbook demands typed. A runbook can never
 * lower it (confirm: yes where the env says typed stays typed). env NULL
 * (not configured): typed. */
confirm_mode runbook_confirm_for(const runbook *rb, const env_config *env);

/* ${NAME} placeholders: true when NAME is a value runbook_substitute knows
 * (host, env, and the host's config values: ssh, docker, compose, metrics,
 * health, ws_stats, prometheus, node_metrics, alertmanager, postgres,
 * redis, redis_db, identity, known_hosts, jump, and compose_dir: the
 * directory of compose). */
bool runbook_placeholder_known(const char *name);

/* Writes tmpl with every ${NAME} replaced by host's value, shell-quoted
 * ('...'), into out. ${docker} is a command prefix ("sudo docker"): each of
 * its words is quoted on its own. `$$` writes one `$`, and a `$` not followed
 * by `{` is kept as written (shell variables of the command itself). Returns
 * 0, or -1 with err (an unknown placeholder, a value the host does not have:
 * "prod-api: ${compose} is not set for this host", the result too long). */
int runbook_substitute(const char *tmpl, const host_config *host, char *out, size_t size, char *err,
                       size_t errsize);

/* The same, values written as they are (not quoted): for an action's
 * argument, which is a name handed to the action, never to a shell. */
int runbook_expand(const char *tmpl, const host_config *host, char *out, size_t size, char *err,
                   size_t errsize);

#endif
