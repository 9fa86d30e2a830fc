/* The checks across runbook files and against the config
 * (runbook_validate_set in runbook/runbook.h): each file has been read on
 * its own already; here are the problems that need them all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/action_table.h"
#include "opsdeck/runbook/runbook.h"

typedef struct checker {
    const runbook_set *set;
    const opsdeck_config *cfg;
    runbook_problems *problems;
    size_t added;
    const runbook *rb; /* the one being checked */
} checker;

#define PROBLEM(c, line, ...)                                                                      \
    ((c)->added++, runbook_problem_add((c)->problems, (c)->rb->file, (line), __VA_ARGS__))

/* Every ${NAME} of text must be a host value. */
static void check_placeholders(checker *c, const char *text, int line)
{
    for (const char *p = text; p && (p = strchr(p, '$'));) {
        if (p[1] == '$') {
            p += 2;
            continue;
        }
        if (p[1] != '{') {
            p++;
            continue;
        }
        const char *close = strchr(p + 2, '}');
        size_t n = close ? (size_t)(close - (p + 2)) : 0;
        char name[48];
        if (!close || n == 0 || n >= sizeof(name)) {
            PROBLEM(c, line, "'${' without a name and '}' (write $$ for a $)");
            return;
        }
        memcpy(name, p + 2, n);
        name[n] = '\0';
        if (!runbook_placeholder_known(name))
            PROBLEM(c, line,
                    "${%s} is not a host value (host env ssh docker compose compose_dir metrics "
                    "health ws_stats prometheus node_metrics alertmanager postgres redis "
                    "redis_db identity known_hosts jump)",
                    name);
        p = close + 1;
    }
}

static void check_action(checker *c, const runbook_step *st)
{
    const builtin_action *a = builtin_action_find(st->action);
    if (!a) {
        char names[256] = "";
        for (size_t i = 0; i < builtin_actions_count; i++) {
            strncat(names, i ? " " : "", sizeof(names) - strlen(names) - 1);
            strncat(names, builtin_actions[i].name, sizeof(names) - strlen(names) - 1);
        }
        PROBLEM(c, st->action_line, "action: '%s' is not a built-in action (%s)", st->action,
                names);
        return;
    }
    if (a->target == ACTION_TARGET_HOST && st->action_arg)
        PROBLEM(c, st->action_line, "action: %s takes no argument (it acts on the host)", a->name);
    if (a->target != ACTION_TARGET_HOST && !st->action_arg)
        PROBLEM(c, st->action_line, "action: %s needs its %s (%s NAME)", a->name,
                a->target == ACTION_TARGET_CONTAINER ? "container" : "backend pid", a->name);
    check_placeholders(c, st->action_arg, st->action_line);
}

static void check_steps(checker *c, const runbook_step *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const runbook_step *st = &steps[i];
        check_placeholders(c, st->run, st->run_line);
        check_placeholders(c, st->logs, st->logs_line);
        if (st->action)
            check_action(c, st);
        for (size_t o = 0; o < st->noptions; o++) {
            const runbook_option *opt = &st->options[o];
            if (opt->runbook && !runbook_find(c->set, opt->runbook))
                PROBLEM(c, opt->runbook_line,
                        "runbook: '%s' does not exist (or did not load) in %s", opt->runbook,
                        c->set->dir ? c->set->dir : "the runbooks directory");
            check_steps(c, opt->steps, opt->nsteps);
        }
    }
}

/* ---- calls between runbooks, and their cycles ---- */

typedef struct call {
    const char *name;
    int line;
} call;

/* Appends the runbooks steps call (options' runbook:) to calls. */
static size_t collect_calls(const runbook_step *steps, size_t n, call *calls, size_t ncalls,
                            size_t max)
{
    for (size_t i = 0; i < n; i++)
        for (size_t o = 0; o < steps[i].noptions; o++) {
            const runbook_option *opt = &steps[i].options[o];
            if (opt->runbook && ncalls < max)
                calls[ncalls++] = (call){opt->runbook, opt->runbook_line};
            ncalls = collect_calls(opt->steps, opt->nsteps, calls, ncalls, max);
        }
    return ncalls;
}

#define CALLS_MAX (RUNBOOK_STEPS_MAX * RUNBOOK_OPTIONS_MAX + 1)

static size_t calls_of(const runbook *rb, call *calls)
{
    size_t n = collect_calls(rb->steps, rb->nsteps, calls, 0, CALLS_MAX - 1);
    if (rb->on_failure)
        calls[n++] = (call){rb->on_failure, rb->on_failure_line};
    return n;
}

static void chain_add(char *chain, size_t size, const char *name)
{
    strncat(chain, " -> ", size - strlen(chain) - 1);
    strncat(chain, name, size - strlen(chain) - 1);
}

/* Does the runbook at index `at` lead back to goal through its calls?
 * chain grows with the path when it does. seen bounds the walk: each
 * runbook is entered once. */
static bool leads_to(checker *c, size_t goal, size_t at, unsigned char *seen, char *chain,
                     size_t size)
{
    call *calls = malloc(CALLS_MAX * sizeof(*calls));
    size_t n = calls ? calls_of(&c->set->items[at], calls) : 0;
    bool found = false;
    for (size_t k = 0; k < n && !found; k++) {
        const runbook *next = runbook_find(c->set, calls[k].name);
        size_t j = next ? (size_t)(next - c->set->items) : 0;
        if (!next || (j != goal && seen[j]))
            continue;
        size_t len = strlen(chain);
        chain_add(chain, size, next->name);
        seen[j] = 1;
        found = j == goal || leads_to(c, goal, j, seen, chain, size);
        if (!found)
            chain[len] = '\0';
    }
    free(calls);
    return found;
}

/* A runbook that calls (runbook:, on_failure:) one that calls it back,
 * at whatever distance: told on the call that starts the cycle. */
static void check_cycles(checker *c, size_t i)
{
    call *calls = malloc(CALLS_MAX * sizeof(*calls));
    unsigned char *seen = calloc(c->set->count, 1);
    size_t n = calls && seen ? calls_of(c->rb, calls) : 0;
    for (size_t k = 0; k < n; k++) {
        const runbook *next = runbook_find(c->set, calls[k].name);
        if (!next)
            continue;
        char chain[512];
        snprintf(chain, sizeof(chain), "%s", c->rb->name);
        chain_add(chain, sizeof(chain), next->name);
        size_t j = (size_t)(next - c->set->items);
        memset(seen, 0, c->set->count);
        seen[j] = 1;
        if (j == i || leads_to(c, i, j, seen, chain, sizeof(chain))) {
            PROBLEM(c, calls[k].line, "runbooks call each other in a cycle: %s", chain);
            break;
        }
    }
    free(calls);
    free(seen);
}

/* ---- the runbook's own fields against the config and the others ---- */

static void check_top(checker *c, size_t i)
{
    const runbook *rb = c->rb;
    if (i > 0 && !strcmp(c->set->items[i - 1].name, rb->name))
        PROBLEM(c, rb->name_line, "runbook '%s' is defined twice (also %s)", rb->name,
                c->set->items[i - 1].file);
    if (rb->key && console_key_taken(rb->key)) {
        const builtin_action *a = builtin_action_for_key(rb->key);
        PROBLEM(c, rb->key_line, "key: '%c' is taken by the console%s%s", rb->key, a ? ": " : "",
                a ? a->usage : "");
    } else if (rb->key) {
        for (size_t j = 0; j < i; j++)
            if (c->set->items[j].key == rb->key)
                PROBLEM(c, rb->key_line, "key: '%c' is taken by runbook %s (%s)", rb->key,
                        c->set->items[j].name, c->set->items[j].file);
    }
    if (rb->on_failure && !runbook_find(c->set, rb->on_failure))
        PROBLEM(c, rb->on_failure_line, "on_failure: '%s' does not exist (or did not load) in %s",
                rb->on_failure, c->set->dir ? c->set->dir : "the runbooks directory");
    for (size_t e = 0; c->cfg && e < rb->nenvs; e++)
        if (!config_env(c->cfg, rb->envs[e]))
            PROBLEM(c, rb->envs_line, "envs: '%s' is not an environment of %s", rb->envs[e],
                    c->cfg->path ? c->cfg->path : "the config");
    /* A runbook may ask for more than its environments do, never less. */
    if (c->cfg && rb->confirm_set && rb->confirm == CONFIRM_YES) {
        for (size_t e = 0; e < c->cfg->nenvs; e++) {
            const env_config *env = &c->cfg->envs[e];
            if (env->confirm == CONFIRM_TYPED && runbook_allowed_in(rb, env->name))
                runbook_note_add(c->problems, rb->file, rb->confirm_line,
                                 "confirm: yes is raised to typed in %s (a runbook can make the "
                                 "confirmation stricter, never weaker)",
                                 env->name);
        }
    }
}

size_t runbook_validate_set(const runbook_set *set, const opsdeck_config *cfg,
                            runbook_problems *problems)
{
    checker c = {.set = set, .cfg = cfg, .problems = problems};
    for (size_t i = 0; i < set->count; i++) {
        c.rb = &set->items[i];
        check_top(&c, i);
        check_steps(&c, c.rb->steps, c.rb->nsteps);
        check_cycles(&c, i);
    }
    return c.added;
}
