/* `opsdeck --plan` (runbook/plan.h): the runbook's step tree, walked once
 * per host, each command substituted as it would run there. */
#include "opsdeck/runbook/plan.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/action_table.h"
#include "opsdeck/exit_status.h"
#include "opsdeck/runbook/logs_check.h"

typedef struct planner {
    const runbook *rb;
    const host_config *host;
    const env_config *env;
    FILE *out;
    char *err;
    size_t errsize;
    int failed; /* steps that could not be planned */
} planner;

static const char *confirm_words(confirm_mode mode, const env_config *env, char *buf, size_t size)
{
    if (mode == CONFIRM_TYPED)
        snprintf(buf, size, "type '%s' then Enter", env ? env->name : "the environment's name");
    else
        snprintf(buf, size, "answer y");
    return buf;
}

/* "  " per level, then the step's number. */
static void indent(FILE *out, int depth)
{
    fprintf(out, "%*s", 2 * depth, "");
}

/* A step that cannot be planned on this host: its line says why, and so
 * does err (the first such step's). */
static void cannot_plan(planner *p, const char *label, const char *why)
{
    fprintf(p->out, "%s: CANNOT BE PLANNED: %s\n", label, why);
    if (!p->failed++)
        snprintf(p->err, p->errsize, "%s", why);
}

/* The command as it would run on the host, or why it cannot be planned. */
static void print_command(planner *p, int depth, const char *label, const char *tmpl, bool shell)
{
    char cmd[RUNBOOK_COMMAND_MAX], why[512];
    int rc = shell ? runbook_substitute(tmpl, p->host, cmd, sizeof(cmd), why, sizeof(why))
                   : runbook_expand(tmpl, p->host, cmd, sizeof(cmd), why, sizeof(why));
    indent(p->out, depth + 2);
    if (rc == 0)
        fprintf(p->out, "%s: %s\n", label, cmd);
    else
        cannot_plan(p, label, why);
}

/* What a logs check reads (the exact command) and when it passes. */
static void print_logs(planner *p, const runbook_step *st, int depth)
{
    char cmd[RUNBOOK_COMMAND_MAX], why[512];
    indent(p->out, depth + 2);
    if (runbook_logs_command(st, p->host, cmd, sizeof(cmd), why, sizeof(why)) < 0) {
        cannot_plan(p, "logs", why);
        return;
    }
    fprintf(p->out, "logs: reads and shows the last %d lines: %s\n", st->lines, cmd);
    indent(p->out, depth + 2);
    if (st->expect.kind == RB_EXPECT_CONTAINS)
        fprintf(p->out, "passes: a line holds \"%s\" (ignoring case)\n", st->expect.output);
    else if (st->expect.kind == RB_EXPECT_ABSENT)
        fprintf(p->out, "passes: no line holds \"%s\" (ignoring case)\n", st->expect.output);
    else
        fputs("passes: the log can be read (exit status 0)\n", p->out);
}

static void print_test(planner *p, const runbook_step *st, int depth)
{
    if (st->run) {
        print_command(p, depth, "run", st->run, true);
        indent(p->out, depth + 2);
        if (st->expect.kind == RB_EXPECT_OUTPUT)
            fprintf(p->out, "passes: the output is \"%s\"\n", st->expect.output);
        else if (st->expect.kind == RB_EXPECT_EXIT)
            fprintf(p->out, "passes: exit status %d\n", st->expect.exit);
        else
            fprintf(p->out, "passes: exit status 0\n");
    } else if (st->health) {
        indent(p->out, depth + 2);
        fprintf(p->out, "health: %s answers %d\n",
                p->host->health ? p->host->health : "(no health =)", st->health);
        if (!p->host->health && !p->failed++)
            snprintf(p->err, p->errsize, "%s: health: the host has no health =", p->host->name);
    } else if (st->signal.name) {
        indent(p->out, depth + 2);
        fprintf(p->out, "signal: %s %s %g\n", st->signal.name, runbook_op_name(st->signal.op),
                st->signal.value);
    } else if (st->logs) {
        print_logs(p, st, depth);
    }
}

static void print_steps(planner *p, const runbook_step *steps, size_t n, const char *prefix,
                        int depth);

static void print_step(planner *p, const runbook_step *st, const char *num, int depth)
{
    char how[128];
    indent(p->out, depth + 1);
    fprintf(p->out, "%s %s: %s\n", num, runbook_step_kind_name(st->kind), st->title);
    switch (st->kind) {
    case RB_STEP_CHECK:
        print_test(p, st, depth);
        if (st->require) {
            indent(p->out, depth + 2);
            fputs("required: the run stops when it fails\n", p->out);
        }
        break;
    case RB_STEP_VERIFY:
        print_test(p, st, depth);
        indent(p->out, depth + 2);
        fprintf(p->out, "within: %d s%s%s\n", st->within_s,
                p->rb->on_failure ? ", else offers runbook " : "",
                p->rb->on_failure ? p->rb->on_failure : "");
        break;
    case RB_STEP_ACT:
        if (st->run) {
            print_command(p, depth, "run", st->run, true);
        } else {
            const builtin_action *a = builtin_action_find(st->action);
            char line[RUNBOOK_COMMAND_MAX];
            snprintf(line, sizeof(line), "%s%s%s", st->action, st->action_arg ? " " : "",
                     st->action_arg ? st->action_arg : "");
            print_command(p, depth, "action", line, false);
            indent(p->out, depth + 2);
            fprintf(p->out, "runs: %s\n", a ? a->plan_text : "?");
        }
        indent(p->out, depth + 2);
        if (st->confirm)
            fprintf(p->out, "confirm: again right before it runs (%s)\n",
                    confirm_words(runbook_confirm_for(p->rb, p->env), p->env, how, sizeof(how)));
        else
            fputs("confirm: the plan's\n", p->out);
        break;
    case RB_STEP_CHOOSE:
        for (size_t i = 0; i < st->noptions; i++) {
            const runbook_option *o = &st->options[i];
            char sub[96];
            snprintf(sub, sizeof(sub), "%s%c", num, (char)('a' + i));
            indent(p->out, depth + 2);
            fprintf(p->out, "%s) %s\n", sub, o->title);
            if (o->runbook) {
                indent(p->out, depth + 3);
                fprintf(p->out, "runbook: %s (opsdeck --plan %s)\n", o->runbook, o->runbook);
            } else {
                char prefix[100];
                snprintf(prefix, sizeof(prefix), "%s.", sub);
                print_steps(p, o->steps, o->nsteps, prefix, depth + 2);
            }
        }
        break;
    case RB_STEP_WAIT:
        indent(p->out, depth + 2);
        fprintf(p->out, "wait: %d s\n", st->wait_s);
        break;
    }
}

static void print_steps(planner *p, const runbook_step *steps, size_t n, const char *prefix,
                        int depth)
{
    for (size_t i = 0; i < n; i++) {
        char num[128];
        snprintf(num, sizeof(num), "%s%zu", prefix, i + 1);
        print_step(p, &steps[i], num, depth);
    }
}

int runbook_plan_print(const runbook *rb, const host_config *host, const env_config *env, FILE *out,
                       char *err, size_t errsize)
{
    planner p = {rb, host, env, out, err, errsize, 0};
    char how[128];
    fprintf(out, "host %s (env %s)\n", host->name, host->env ? host->env : "?");
    fprintf(out, "  confirm: the whole plan, once before the first act: %s\n",
            confirm_words(runbook_confirm_for(rb, env), env, how, sizeof(how)));
    print_steps(&p, rb->steps, rb->nsteps, "", 0);
    return p.failed ? -1 : 0;
}

/* ---- the command line ---- */

static bool selected(const host_config *h, const char *only_env, const char *const *only_hosts,
                     size_t nhosts)
{
    if (only_env && (!h->env || strcmp(h->env, only_env)))
        return false;
    if (nhosts == 0)
        return true;
    for (size_t i = 0; i < nhosts; i++)
        if (!strcmp(only_hosts[i], h->name))
            return true;
    return false;
}

static void print_header(const runbook *rb, FILE *out)
{
    fprintf(out, "runbook %s: %s\n", rb->name, rb->title);
    fprintf(out, "file: %s\n", rb->file);
    if (rb->nfors) {
        fputs("for:", out);
        for (size_t i = 0; i < rb->nfors; i++)
            fprintf(out, "%s %s", i ? "," : "", rb->fors[i].text);
        fputc('\n', out);
    }
    fprintf(out, "timeout: %d s\n", rb->timeout_s);
    if (rb->on_failure)
        fprintf(out, "on failure: offers runbook %s\n", rb->on_failure);
}

/* Every selected host's plan; the exit status. */
static int plan_hosts(const runbook *rb, const opsdeck_config *cfg, const char *only_env,
                      const char *const *only_hosts, size_t nhosts, FILE *out, FILE *errout)
{
    for (size_t i = 0; i < nhosts; i++)
        if (!config_host(cfg, only_hosts[i])) {
            fprintf(errout, "opsdeck: --plan: no host named '%s' in %s\n", only_hosts[i],
                    cfg->path);
            return EXIT_USAGE;
        }
    if (only_env && !config_env(cfg, only_env)) {
        fprintf(errout, "opsdeck: --plan: no environment named '%s' in %s\n", only_env, cfg->path);
        return EXIT_USAGE;
    }
    print_header(rb, out);
    int rc = 0;
    size_t shown = 0;
    for (size_t i = 0; i < cfg->nhosts; i++) {
        const host_config *h = &cfg->hosts[i];
        if (!selected(h, only_env, only_hosts, nhosts))
            continue;
        fputc('\n', out);
        shown++;
        if (!runbook_allowed_in(rb, h->env)) {
            fprintf(out, "host %s (env %s)\n  not run here: runbook %s runs in", h->name, h->env,
                    rb->name);
            for (size_t e = 0; e < rb->nenvs; e++)
                fprintf(out, " %s", rb->envs[e]);
            fputc('\n', out);
            continue;
        }
        char err[512] = "";
        if (runbook_plan_print(rb, h, config_env(cfg, h->env), out, err, sizeof(err)) < 0) {
            fprintf(errout, "%s: runbook %s cannot be planned: %s\n", rb->file, rb->name, err);
            rc = EXIT_CONFIG;
        }
    }
    if (shown == 0) {
        fprintf(errout, "opsdeck: --plan: no host is selected\n");
        return EXIT_USAGE;
    }
    return rc;
}

/* Is file DIR/NAME.yml or DIR/NAME.yaml? (a runbook that did not load) */
static bool file_named(const char *file, const char *dir, const char *name)
{
    char a[PATH_MAX], b[PATH_MAX];
    snprintf(a, sizeof(a), "%s/%s.yml", dir ? dir : "", name);
    snprintf(b, sizeof(b), "%s/%s.yaml", dir ? dir : "", name);
    return !strcmp(file, a) || !strcmp(file, b);
}

int runbook_plan_run(const char *config_path, const char *name, const char *only_env,
                     const char *const *only_hosts, size_t nhosts, FILE *out, FILE *errout)
{
    char path[PATH_MAX], dirbuf[PATH_MAX];
    config_find_path(config_path, path, sizeof(path));
    opsdeck_config cfg;
    config_problems cp = {0};
    int crc = config_load(path, &cfg, &cp);
    for (size_t i = 0; i < cp.count; i++)
        fprintf(errout, "%s:%d: %s\n", cp.items[i].file, cp.items[i].line, cp.items[i].message);
    config_problems_free(&cp);
    if (crc < 0) {
        config_free(&cfg);
        return EXIT_CONFIG;
    }
    runbook_set set = {0};
    runbook_problems rp = {0};
    runbook_set_load(runbook_find_dir(&cfg, dirbuf, sizeof(dirbuf)), &cfg, &set, &rp);
    const runbook *rb = runbook_find(&set, name);
    /* the problems of this runbook's file refuse the plan; others' are not its business */
    int rc = 0;
    for (size_t i = 0; i < rp.count; i++) {
        const runbook_problem *p = &rp.items[i];
        bool mine = rb ? !strcmp(p->file, rb->file) : file_named(p->file, set.dir, name);
        if (!mine)
            continue;
        fprintf(errout, "%s:%d: %s%s\n", p->file, p->line, p->note ? "note: " : "", p->message);
        if (!p->note)
            rc = EXIT_CONFIG;
    }
    if (rc == 0 && !rb) {
        fprintf(errout, "opsdeck: --plan: no runbook named '%s' in %s\n", name,
                set.dir ? set.dir : "any runbooks directory");
        rc = EXIT_USAGE;
    }
    if (rc == 0)
        rc = plan_hosts(rb, &cfg, only_env, only_hosts, nhosts, out, errout);
    runbook_problems_free(&rp);
    runbook_set_free(&set);
    config_free(&cfg);
    return rc;
}
