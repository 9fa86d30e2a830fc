/* What the pieces of the config loader share (not part of the interface). */
#ifndef OPSDECK_CONFIG_INTERNAL_H
#define OPSDECK_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>

#include "opsdeck/config.h"

typedef enum {
    SECTION_NONE,    /* keys before any section */
    SECTION_INVALID, /* a header that was refused: its keys are ignored */
    SECTION_OPSDECK,
    SECTION_ENV,
    SECTION_HOST,
} section_kind;

/* Which thresholds a host set itself (the rest come from [opsdeck]). */
enum {
    LIMIT_P95_WARN = 1 << 0,
    LIMIT_P95_CRIT = 1 << 1,
    LIMIT_ERROR_WARN = 1 << 2,
    LIMIT_ERROR_CRIT = 1 << 3,
    LIMIT_CPU_WARN = 1 << 4,
    LIMIT_CPU_CRIT = 1 << 5,
    LIMIT_MEM_WARN = 1 << 6,
    LIMIT_MEM_CRIT = 1 << 7,
};

typedef struct seen_key {
    char *section;
    char *key;
} seen_key;

typedef struct parse_state {
    opsdeck_config *cfg;
    config_problems *problems;
    const char *file;
    FILE *stream;
    int line; /* of the line inih is handling */
    section_kind kind;
    size_t index;              /* into envs or hosts */
    unsigned *host_limits_set; /* per host, LIMIT_* bits */
    int *host_env_line;        /* per host, the line of env = */
    int secret_line;           /* first line holding a secret, 0 none */
    seen_key *seen;
    size_t nseen;
} parse_state;

void config_problem_add(config_problems *problems, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define PROBLEM(st, ...) config_problem_add((st)->problems, (st)->file, (st)->line, __VA_ARGS__)

/* Opens a section from its header line; false when the header is refused. */
bool config_open_section(parse_state *st, const char *name);
/* One KEY = VALUE of the current section. */
void config_set_key(parse_state *st, const char *section, const char *key, const char *value);
/* Checks that need the whole file (env references, limits, ...). */
void config_check_whole(parse_state *st);

/* ssh = VALUE of a host: fills ssh_user, ssh_host, ssh_port (and identity
 * and jump when the host left them out and ~/.ssh/config has them).
 * Returns false with a message when the value is malformed. */
bool config_resolve_ssh(host_config *host, char *err, size_t errsize);

char *config_strdup(const char *s);

#endif
