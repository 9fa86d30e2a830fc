/* The runbook model's small pure functions: names, look-ups, the
 * confirmation a run demands, problems, and freeing (runbook/runbook.h). */
#include "opsdeck/runbook/runbook.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *runbook_step_kind_name(runbook_step_kind kind)
{
    static const char *const names[] = {
        [RB_STEP_CHECK] = "check",   [RB_STEP_ACT] = "act",   [RB_STEP_VERIFY] = "verify",
        [RB_STEP_CHOOSE] = "choose", [RB_STEP_WAIT] = "wait",
    };
    return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

const char *runbook_op_name(runbook_op op)
{
    static const char *const names[] = {
        [RB_OP_LT] = "<",  [RB_OP_LE] = "<=", [RB_OP_GT] = ">",
        [RB_OP_GE] = ">=", [RB_OP_EQ] = "==", [RB_OP_NE] = "!=",
    };
    return (unsigned)op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

bool runbook_op_holds(runbook_op op, double value, double limit)
{
    switch (op) {
    case RB_OP_LT:
        return value < limit;
    case RB_OP_LE:
        return value <= limit;
    case RB_OP_GT:
        return value > limit;
    case RB_OP_GE:
        return value >= limit;
    case RB_OP_EQ:
        return value == limit;
    case RB_OP_NE:
        return value != limit;
    }
    return false;
}

bool runbook_signal_known(const char *name)
{
    static const char *const names[] = {
        "rps",           "error_ratio", "latency_p50_s", "latency_p95_s",
        "latency_p99_s", "cpu_percent", "mem_percent",   "disk_free_percent",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(name, names[i]))
            return true;
    return false;
}

static void add(runbook_problems *problems, bool note, const char *file, int line, const char *fmt,
                va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    runbook_problem *items =
        realloc(problems->items, (problems->count + 1) * sizeof(*problems->items));
    if (!items)
        return;
    problems->items = items;
    runbook_problem *p = &items[problems->count];
    p->file = strdup(file ? file : "");
    p->line = line;
    p->message = strdup(msg);
    p->note = note;
    if (!p->file || !p->message) {
        free(p->file);
        free(p->message);
        return;
    }
    problems->count++;
}

void runbook_problem_add(runbook_problems *problems, const char *file, int line, const char *fmt,
                         ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(problems, false, file, line, fmt, ap);
    va_end(ap);
}

void runbook_note_add(runbook_problems *problems, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(problems, true, file, line, fmt, ap);
    va_end(ap);
}

size_t runbook_problems_count(const runbook_problems *problems)
{
    size_t n = 0;
    for (size_t i = 0; i < problems->count; i++)
        n += !problems->items[i].note;
    return n;
}

void runbook_problems_free(runbook_problems *problems)
{
    for (size_t i = 0; i < problems->count; i++) {
        free(problems->items[i].file);
        free(problems->items[i].message);
    }
    free(problems->items);
    problems->items = NULL;
    problems->count = 0;
}

static void free_steps(runbook_step *steps, size_t n);

static void free_options(runbook_option *options, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(options[i].title);
        free(options[i].runbook);
        free_steps(options[i].steps, options[i].nsteps);
    }
    free(options);
}

static void free_steps(runbook_step *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        runbook_step *s = &steps[i];
        free(s->title);
        free(s->run);
        free(s->logs);
        free(s->expect.output);
        free(s->signal.name);
        free(s->action);
        free(s->action_arg);
        free_options(s->options, s->noptions);
    }
    free(steps);
}

void runbook_free(runbook *rb)
{
    if (!rb)
        return;
    free(rb->file);
    free(rb->name);
    free(rb->title);
    for (size_t i = 0; i < rb->nenvs; i++)
        free(rb->envs[i]);
    free(rb->envs);
    for (size_t i = 0; i < rb->nfors; i++) {
        free(rb->fors[i].name);
        free(rb->fors[i].state);
        free(rb->fors[i].text);
    }
    free(rb->fors);
    free(rb->on_failure);
    free_steps(rb->steps, rb->nsteps);
    memset(rb, 0, sizeof(*rb));
}

void runbook_set_free(runbook_set *set)
{
    for (size_t i = 0; i < set->count; i++)
        runbook_free(&set->items[i]);
    free(set->items);
    free(set->dir);
    memset(set, 0, sizeof(*set));
}

const runbook *runbook_find(const runbook_set *set, const char *name)
{
    for (size_t i = 0; name && i < set->count; i++)
        if (!strcmp(set->items[i].name, name))
            return &set->items[i];
    return NULL;
}

const runbook *runbook_find_key(const runbook_set *set, char key)
{
    for (size_t i = 0; key && i < set->count; i++)
        if (set->items[i].key == key)
            return &set->items[i];
    return NULL;
}

bool runbook_allowed_in(const runbook *rb, const char *env)
{
    if (rb->nenvs == 0)
        return true;
    for (size_t i = 0; env && i < rb->nenvs; i++)
        if (!strcmp(rb->envs[i], env))
            return true;
    return false;
}

confirm_mode runbook_confirm_for(const runbook *rb, const env_config *env)
{
    if (!env || env->confirm == CONFIRM_TYPED)
        return CONFIRM_TYPED;
    return rb->confirm_set ? rb->confirm : env->confirm;
}
