/* Reading one runbook file (runbook/runbook.h): YAML through libyaml into
 * the model, every problem told as FILE:LINE. The whole file is read (every
 * problem, not only the first); the result is kept only when there is none.
 *
 * The file is bounded before libyaml sees it (RUNBOOK_FILE_MAX), and a
 * first pass over its events refuses anchors and aliases (a runbook has no
 * use for them, and they are how a small YAML file becomes a huge tree). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "opsdeck/runbook/runbook.h"
#include "runbook_internal.h"

typedef struct loader {
    yaml_document_t doc;
    const char *file;
    runbook_problems *problems;
    size_t nsteps; /* every step so far, all levels */
    bool too_many;
} loader;

#define PROBLEM(ld, node, ...)                                                                     \
    runbook_problem_add((ld)->problems, (ld)->file, line_of(node), __VA_ARGS__)

static int line_of(const yaml_node_t *n)
{
    return n ? (int)n->start_mark.line + 1 : 0;
}

static yaml_node_t *node(loader *ld, yaml_node_item_t id)
{
    return yaml_document_get_node(&ld->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* YAML wants a mapping's keys unique, and libyaml does not check: a key
 * given again is a problem, and its value is not read (the first stands;
 * reading it would drop the first's copy on the floor). */
static bool repeated_key(loader *ld, const yaml_node_t *m, const yaml_node_pair_t *p)
{
    const char *k = scalar(node(ld, p->key));
    for (const yaml_node_pair_t *q = m->data.mapping.pairs.start; k && q < p; q++) {
        const char *earlier = scalar(node(ld, q->key));
        if (earlier && !strcmp(earlier, k)) {
            PROBLEM(ld, node(ld, p->key), "'%s' is given twice", k);
            return true;
        }
    }
    return false;
}

/* A non-empty string value; NULL (and a problem) otherwise. */
static char *want_string(loader *ld, const char *key, yaml_node_t *v)
{
    const char *s = scalar(v);
    if (!s || !*s) {
        PROBLEM(ld, v, "%s: expected a text value", key);
        return NULL;
    }
    if (strlen(s) >= RUNBOOK_COMMAND_MAX) {
        PROBLEM(ld, v, "%s: longer than %d bytes", key, RUNBOOK_COMMAND_MAX - 1);
        return NULL;
    }
    char *copy = strdup(s);
    if (!copy)
        PROBLEM(ld, v, "%s: out of memory", key);
    return copy;
}

/* An integer in [lo, hi]; false (and a problem) otherwise. */
static bool want_int(loader *ld, const char *key, yaml_node_t *v, long lo, long hi, int *out)
{
    const char *s = scalar(v);
    char *end = NULL;
    errno = 0;
    long n = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || n < lo || n > hi) {
        PROBLEM(ld, v, "%s: expected a whole number from %ld to %ld", key, lo, hi);
        return false;
    }
    *out = (int)n;
    return true;
}

static bool want_bool(loader *ld, const char *key, yaml_node_t *v, bool *out)
{
    const char *s = scalar(v);
    if (s && (!strcmp(s, "true") || !strcmp(s, "yes"))) {
        *out = true;
        return true;
    }
    if (s && (!strcmp(s, "false") || !strcmp(s, "no"))) {
        *out = false;
        return true;
    }
    PROBLEM(ld, v, "%s: expected true or false", key);
    return false;
}

/* A number read the same in every locale: digits, one '.', a sign. */
bool runbook_parse_number(const char *s, double *out);
bool runbook_parse_number(const char *s, double *out)
{
    const char *p = s;
    double sign = 1, v = 0, scale = 1;
    bool digits = false, dot = false;
    if (*p == '-' || *p == '+')
        sign = *p++ == '-' ? -1 : 1;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            digits = true;
            if (dot)
                scale /= 10, v += (*p - '0') * scale;
            else
                v = v * 10 + (*p - '0');
        } else if (*p == '.' && !dot) {
            dot = true;
        } else {
            return false;
        }
    }
    if (!digits || !isfinite(v))
        return false;
    *out = sign * v;
    return true;
}

/* "NAME OP VALUE" into its parts; ops lists the ones allowed. */
bool runbook_parse_comparison(const char *s, char *name, size_t namesize, runbook_op *op,
                              double *value);
bool runbook_parse_comparison(const char *s, char *name, size_t namesize, runbook_op *op,
                              double *value)
{
    static const struct {
        const char *text;
        runbook_op op;
    } ops[] = {{"<=", RB_OP_LE}, {">=", RB_OP_GE}, {"==", RB_OP_EQ},
               {"!=", RB_OP_NE}, {"<", RB_OP_LT},  {">", RB_OP_GT}};
    char a[96], o[8], b[64], extra[2];
    if (sscanf(s, "%95s %7s %63s %1s", a, o, b, extra) != 3)
        return false;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (strcmp(o, ops[i].text))
            continue;
        if (!runbook_parse_number(b, value) || strlen(a) >= namesize)
            return false;
        snprintf(name, namesize, "%s", a);
        *op = ops[i].op;
        return true;
    }
    return false;
}

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n < RUNBOOK_NAME_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* ---- steps ---- */

static const char *const kind_keys[] = {"check", "act", "verify", "choose", "wait"};

/* Which keys each kind takes, beside its own. */
static bool key_allowed(runbook_step_kind kind, const char *key)
{
    static const char *const allowed[][8] = {
        [RB_STEP_CHECK] = {"run", "expect", "require", "health", "signal", "logs", "lines"},
        [RB_STEP_ACT] = {"run", "action", "confirm"},
        [RB_STEP_VERIFY] = {"run", "expect", "health", "signal", "within"},
        [RB_STEP_CHOOSE] = {"options"},
        [RB_STEP_WAIT] = {"seconds"},
    };
    for (size_t i = 0; i < 8 && allowed[kind][i]; i++)
        if (!strcmp(allowed[kind][i], key))
            return true;
    return false;
}

static bool known_step_key(const char *key)
{
    for (int k = RB_STEP_CHECK; k <= RB_STEP_WAIT; k++)
        if (key_allowed((runbook_step_kind)k, key))
            return true;
    return false;
}

static bool load_steps(loader *ld, yaml_node_t *seq, int depth, runbook_step **out, size_t *nout);

#define EXPECT_SHAPES                                                                              \
    "{output: TEXT} or {exit: N} with run:, {contains: TEXT} or {absent: TEXT} with logs:"

static void load_expect(loader *ld, runbook_step *st, yaml_node_t *v)
{
    st->expect.line = line_of(v);
    if (v->type != YAML_MAPPING_NODE ||
        v->data.mapping.pairs.top - v->data.mapping.pairs.start != 1) {
        PROBLEM(ld, v, "expect: expected " EXPECT_SHAPES);
        return;
    }
    yaml_node_pair_t *p = v->data.mapping.pairs.start;
    const char *k = scalar(node(ld, p->key));
    yaml_node_t *val = node(ld, p->value);
    bool contains = k && !strcmp(k, "contains"), absent = k && !strcmp(k, "absent");
    if (k && !strcmp(k, "output")) {
        const char *s = scalar(val);
        if (!s) {
            PROBLEM(ld, val, "expect: output: expected a text value");
            return;
        }
        st->expect.output = strdup(s);
        st->expect.kind = RB_EXPECT_OUTPUT;
    } else if (k && !strcmp(k, "exit")) {
        if (want_int(ld, "expect: exit", val, 0, 255, &st->expect.exit))
            st->expect.kind = RB_EXPECT_EXIT;
    } else if (contains || absent) {
        /* a line holds it or not: an empty text is in every line */
        st->expect.output = want_string(ld, contains ? "expect: contains" : "expect: absent", val);
        if (st->expect.output)
            st->expect.kind = contains ? RB_EXPECT_CONTAINS : RB_EXPECT_ABSENT;
    } else {
        PROBLEM(ld, node(ld, p->key), "expect: unknown key '%s' (output, exit, contains, absent)",
                k ? k : "?");
    }
}

/* logs: one container name (docker's names have no blanks) */
static void load_logs(loader *ld, runbook_step *st, yaml_node_t *v)
{
    st->logs_line = line_of(v);
    st->logs = want_string(ld, "logs", v);
    if (st->logs && st->logs[strcspn(st->logs, " \t\r\n")]) {
        PROBLEM(ld, v, "logs: expected one container name, as in 'logs: grupo_gad_api'");
        free(st->logs);
        st->logs = NULL;
    }
}

static void load_signal(loader *ld, runbook_step *st, yaml_node_t *v)
{
    const char *s = scalar(v);
    char name[64];
    st->signal.line = line_of(v);
    if (!s || !runbook_parse_comparison(s, name, sizeof(name), &st->signal.op, &st->signal.value) ||
        st->signal.op == RB_OP_EQ || st->signal.op == RB_OP_NE) {
        PROBLEM(ld, v, "signal: expected NAME < VALUE (or <=, >, >=), as in error_ratio < 0.01");
        return;
    }
    if (!runbook_signal_known(name)) {
        PROBLEM(ld, v,
                "signal: unknown signal '%s' (rps error_ratio latency_p50_s latency_p95_s "
                "latency_p99_s cpu_percent mem_percent disk_free_percent)",
                name);
        return;
    }
    st->signal.name = strdup(name);
}

static void load_action(loader *ld, runbook_step *st, yaml_node_t *v)
{
    char *s = want_string(ld, "action", v);
    if (!s)
        return;
    char *sp = s + strcspn(s, " \t");
    char *arg = sp + strspn(sp, " \t");
    st->action_arg = *arg ? strdup(arg) : NULL;
    *sp = '\0';
    st->action = s;
}

static void load_options(loader *ld, runbook_step *st, yaml_node_t *v, int depth)
{
    if (v->type != YAML_SEQUENCE_NODE ||
        v->data.sequence.items.top == v->data.sequence.items.start) {
        PROBLEM(ld, v, "options: expected a list of options (title, and steps or runbook)");
        return;
    }
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (n > RUNBOOK_OPTIONS_MAX) {
        PROBLEM(ld, v, "options: %zu options, more than %d", n, RUNBOOK_OPTIONS_MAX);
        return;
    }
    st->options = calloc(n, sizeof(*st->options));
    if (!st->options)
        return;
    st->noptions = n;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *o = node(ld, v->data.sequence.items.start[i]);
        runbook_option *opt = &st->options[i];
        opt->line = line_of(o);
        if (!o || o->type != YAML_MAPPING_NODE) {
            PROBLEM(ld, o, "an option is a mapping: title, and steps or runbook");
            continue;
        }
        yaml_node_t *steps = NULL;
        for (yaml_node_pair_t *p = o->data.mapping.pairs.start; p < o->data.mapping.pairs.top;
             p++) {
            yaml_node_t *kn = node(ld, p->key), *val = node(ld, p->value);
            const char *k = scalar(kn);
            if (repeated_key(ld, o, p))
                continue;
            if (k && !strcmp(k, "title"))
                opt->title = want_string(ld, "title", val);
            else if (k && !strcmp(k, "steps"))
                steps = val;
            else if (k && !strcmp(k, "runbook")) {
                opt->runbook = want_string(ld, "runbook", val);
                opt->runbook_line = line_of(val);
            } else
                PROBLEM(ld, kn, "unknown key '%s' in an option (title, steps, runbook)",
                        k ? k : "?");
        }
        if (!opt->title)
            PROBLEM(ld, o, "an option needs a title:");
        if (!steps == !opt->runbook)
            PROBLEM(ld, o, "an option needs steps: or runbook: (one of the two)");
        else if (steps)
            load_steps(ld, steps, depth + 1, &opt->steps, &opt->nsteps);
    }
}

/* The step's kind: its one kind key. */
static bool find_kind(loader *ld, yaml_node_t *m, runbook_step *st, yaml_node_t **title)
{
    int found = -1;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        const char *k = scalar(node(ld, p->key));
        for (int i = 0; k && i < 5; i++) {
            if (strcmp(k, kind_keys[i]))
                continue;
            if (found >= 0) {
                PROBLEM(ld, node(ld, p->key), "a step has one kind: both %s and %s",
                        kind_keys[found], k);
                return false;
            }
            found = i;
            *title = node(ld, p->value);
        }
    }
    if (found < 0) {
        const char *first = m->data.mapping.pairs.start < m->data.mapping.pairs.top
                                ? scalar(node(ld, m->data.mapping.pairs.start->key))
                                : NULL;
        if (first && !known_step_key(first))
            PROBLEM(ld, m, "unknown step kind '%s' (check, act, verify, choose, wait)", first);
        else
            PROBLEM(ld, m, "a step without a kind (check, act, verify, choose, wait)");
        return false;
    }
    st->kind = (runbook_step_kind)found;
    return true;
}

static void load_step(loader *ld, yaml_node_t *m, runbook_step *st, int depth)
{
    size_t at = runbook_problems_count(ld->problems);
    st->where.file = ld->file;
    st->where.line = line_of(m);
    st->within_s = RUNBOOK_WITHIN_DEFAULT_S;
    if (!m || m->type != YAML_MAPPING_NODE) {
        PROBLEM(ld, m, "a step is a mapping such as 'check: TITLE' with its keys");
        return;
    }
    yaml_node_t *title = NULL;
    if (!find_kind(ld, m, st, &title))
        return;
    const char *kname = kind_keys[st->kind];
    bool seconds_given = false;
    if (st->kind == RB_STEP_WAIT && scalar(title) &&
        strspn(scalar(title), "0123456789") == strlen(scalar(title))) {
        seconds_given = want_int(ld, "wait", title, 1, 86400, &st->wait_s);
        char t[48];
        snprintf(t, sizeof(t), "wait %d s", st->wait_s);
        st->title = strdup(t);
    } else {
        st->title = want_string(ld, kname, title);
    }
    yaml_node_t *options = NULL, *lines = NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = node(ld, p->key), *v = node(ld, p->value);
        const char *k = scalar(kn);
        if (!k) {
            PROBLEM(ld, kn, "a key must be a plain name");
            continue;
        }
        if (!strcmp(k, kname) || repeated_key(ld, m, p))
            continue;
        if (!known_step_key(k)) {
            PROBLEM(ld, kn, "unknown key '%s' in a %s step", k, kname);
            continue;
        }
        if (!key_allowed(st->kind, k)) {
            PROBLEM(ld, kn, "'%s' is not a key of a %s step", k, kname);
            continue;
        }
        if (!strcmp(k, "run")) {
            st->run = want_string(ld, "run", v);
            st->run_line = line_of(v);
        } else if (!strcmp(k, "expect")) {
            load_expect(ld, st, v);
        } else if (!strcmp(k, "require")) {
            want_bool(ld, "require", v, &st->require);
        } else if (!strcmp(k, "health")) {
            want_int(ld, "health", v, 100, 599, &st->health);
        } else if (!strcmp(k, "signal")) {
            load_signal(ld, st, v);
        } else if (!strcmp(k, "logs")) {
            load_logs(ld, st, v);
        } else if (!strcmp(k, "lines")) {
            lines = v;
            want_int(ld, "lines", v, 1, RUNBOOK_LOG_LINES_MAX, &st->lines);
        } else if (!strcmp(k, "within")) {
            want_int(ld, "within", v, 1, 86400, &st->within_s);
        } else if (!strcmp(k, "action")) {
            st->action_line = line_of(v);
            load_action(ld, st, v);
        } else if (!strcmp(k, "confirm")) {
            want_bool(ld, "confirm", v, &st->confirm);
        } else if (!strcmp(k, "seconds")) {
            seconds_given = want_int(ld, "seconds", v, 1, 86400, &st->wait_s);
        } else if (!strcmp(k, "options")) {
            options = v;
        }
    }
    /* what each kind cannot do without */
    int tests =
        (st->run != NULL) + (st->health != 0) + (st->signal.name != NULL) + (st->logs != NULL);
    const char *which =
        st->kind == RB_STEP_CHECK ? "run:, health:, signal: or logs:" : "run:, health: or signal:";
    bool logs_expect = st->expect.kind == RB_EXPECT_CONTAINS || st->expect.kind == RB_EXPECT_ABSENT;
    switch (st->kind) {
    case RB_STEP_CHECK:
    case RB_STEP_VERIFY:
        if (tests == 0 && runbook_problems_count(ld->problems) == at)
            PROBLEM(ld, m, "a %s step needs %s", kname, which);
        else if (tests > 1)
            PROBLEM(ld, m, "a %s step tests one thing: %s", kname, which);
        if (st->expect.kind != RB_EXPECT_NONE && !logs_expect && !st->run)
            PROBLEM(ld, m, "expect: {output:} and {exit:} go with run:");
        if (logs_expect && !st->logs_line)
            PROBLEM(ld, m, "expect: {contains:} and {absent:} go with logs:");
        if (lines && !st->logs_line)
            PROBLEM(ld, lines, "lines: goes with logs:");
        if (st->logs && !st->lines)
            st->lines = RUNBOOK_LOG_LINES_DEFAULT;
        break;
    case RB_STEP_ACT:
        if (!st->run == !st->action)
            PROBLEM(ld, m, "an act step needs run: or action: (one of the two)");
        break;
    case RB_STEP_CHOOSE:
        if (!options)
            PROBLEM(ld, m, "a choose step needs options:");
        else
            load_options(ld, st, options, depth);
        break;
    case RB_STEP_WAIT:
        if (!seconds_given && st->wait_s == 0)
            PROBLEM(ld, m, "a wait step needs its seconds (wait: 30, or seconds: 30)");
        break;
    }
}

static bool load_steps(loader *ld, yaml_node_t *seq, int depth, runbook_step **out, size_t *nout)
{
    if (!seq || seq->type != YAML_SEQUENCE_NODE ||
        seq->data.sequence.items.top == seq->data.sequence.items.start) {
        PROBLEM(ld, seq, "steps: expected a list of steps");
        return false;
    }
    if (depth > RUNBOOK_DEPTH_MAX) {
        PROBLEM(ld, seq, "steps nested deeper than %d levels", RUNBOOK_DEPTH_MAX);
        return false;
    }
    size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    if (ld->nsteps + n > RUNBOOK_STEPS_MAX) {
        if (!ld->too_many)
            PROBLEM(ld, seq, "more than %d steps in one runbook", RUNBOOK_STEPS_MAX);
        ld->too_many = true;
        return false;
    }
    ld->nsteps += n;
    *out = calloc(n, sizeof(**out));
    if (!*out)
        return false;
    *nout = n;
    for (size_t i = 0; i < n; i++)
        load_step(ld, node(ld, seq->data.sequence.items.start[i]), &(*out)[i], depth);
    return true;
}

/* ---- the top level ---- */

static void load_for(loader *ld, runbook *rb, yaml_node_t *v)
{
    yaml_node_item_t one = 0, *items = &one, *end = &one + 1;
    if (v->type == YAML_SEQUENCE_NODE) {
        items = v->data.sequence.items.start;
        end = v->data.sequence.items.top;
    } else {
        one = (yaml_node_item_t)(v - ld->doc.nodes.start) + 1;
    }
    size_t n = (size_t)(end - items);
    rb->fors = calloc(n ? n : 1, sizeof(*rb->fors));
    if (!rb->fors)
        return;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *e = node(ld, items[i]);
        const char *s = scalar(e);
        runbook_for *f = &rb->fors[rb->nfors];
        char a[96], b[96], c[32], d[2];
        int status;
        f->line = line_of(e);
        if (!s) {
            PROBLEM(ld, e, "for: expected text such as 'alert NAME'");
            continue;
        }
        int words = sscanf(s, "%95s %95s %31s %1s", a, b, c, d);
        if (words == 2 && !strcmp(a, "alert")) {
            f->kind = RB_FOR_ALERT;
            f->name = strdup(b);
        } else if (words == 3 && !strcmp(a, "health") && !strcmp(b, "!=") &&
                   sscanf(c, "%d%1s", &status, d) == 1 && status >= 100 && status <= 599) {
            f->kind = RB_FOR_HEALTH;
            f->status = status;
        } else if (words == 3 && !strcmp(a, "container") &&
                   (!strcmp(c, "unhealthy") || !strcmp(c, "restarting") || !strcmp(c, "exited"))) {
            f->kind = RB_FOR_CONTAINER;
            f->name = strdup(b);
            f->state = strdup(c);
        } else if (!strncmp(s, "signal ", 7) &&
                   runbook_parse_comparison(s + 7, a, sizeof(a), &f->op, &f->value) &&
                   f->op != RB_OP_EQ && f->op != RB_OP_NE && runbook_signal_known(a)) {
            f->kind = RB_FOR_SIGNAL;
            f->name = strdup(a);
        } else {
            PROBLEM(ld, e,
                    "for: '%.80s' not understood (alert NAME, health != STATUS, container NAME "
                    "unhealthy|restarting|exited, signal NAME > VALUE)",
                    s);
            continue;
        }
        f->text = strdup(s);
        rb->nfors++;
    }
}

static void load_envs(loader *ld, runbook *rb, yaml_node_t *v)
{
    if (scalar(v)) {
        rb->envs = calloc(1, sizeof(char *));
        if (rb->envs && (rb->envs[0] = want_string(ld, "envs", v)))
            rb->nenvs = 1;
        return;
    }
    if (v->type != YAML_SEQUENCE_NODE ||
        v->data.sequence.items.top == v->data.sequence.items.start) {
        PROBLEM(ld, v, "envs: expected a list of environments, as in [staging, production]");
        return;
    }
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    rb->envs = calloc(n, sizeof(char *));
    for (size_t i = 0; rb->envs && i < n; i++) {
        char *e = want_string(ld, "envs", node(ld, v->data.sequence.items.start[i]));
        if (e)
            rb->envs[rb->nenvs++] = e;
    }
}

/* The file's name without its directory and .yml/.yaml. */
static char *name_from_path(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 4 && !strcmp(base + n - 4, ".yml"))
        n -= 4;
    else if (n > 5 && !strcmp(base + n - 5, ".yaml"))
        n -= 5;
    return strndup(base, n);
}

static void load_top(loader *ld, runbook *rb, yaml_node_t *root)
{
    if (!root || root->type != YAML_MAPPING_NODE) {
        PROBLEM(ld, root, "a runbook is a mapping (name, title, steps, ...)");
        return;
    }
    yaml_node_t *steps = NULL;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *kn = node(ld, p->key), *v = node(ld, p->value);
        const char *k = scalar(kn);
        if (!k) {
            PROBLEM(ld, kn, "a key must be a plain name");
        } else if (repeated_key(ld, root, p)) {
            continue;
        } else if (!strcmp(k, "name")) {
            free(rb->name);
            rb->name = want_string(ld, "name", v);
            rb->name_line = line_of(v);
            if (rb->name && !valid_name(rb->name))
                PROBLEM(ld, v, "name: '%.80s': use a-z, 0-9, - and _ (at most %d)", rb->name,
                        RUNBOOK_NAME_MAX - 1);
        } else if (!strcmp(k, "title")) {
            rb->title = want_string(ld, "title", v);
        } else if (!strcmp(k, "key")) {
            const char *s = scalar(v);
            rb->key_line = line_of(v);
            if (!s || strlen(s) != 1 || *s <= ' ' || *s > '~')
                PROBLEM(ld, v, "key: expected one printable character");
            else
                rb->key = *s;
        } else if (!strcmp(k, "envs")) {
            rb->envs_line = line_of(v);
            load_envs(ld, rb, v);
        } else if (!strcmp(k, "for")) {
            load_for(ld, rb, v);
        } else if (!strcmp(k, "timeout")) {
            want_int(ld, "timeout", v, 1, 86400, &rb->timeout_s);
        } else if (!strcmp(k, "confirm")) {
            const char *s = scalar(v);
            rb->confirm_line = line_of(v);
            if (s && !strcmp(s, "yes"))
                rb->confirm_set = true, rb->confirm = CONFIRM_YES;
            else if (s && !strcmp(s, "typed"))
                rb->confirm_set = true, rb->confirm = CONFIRM_TYPED;
            else
                PROBLEM(ld, v, "confirm: expected yes or typed");
        } else if (!strcmp(k, "on_failure")) {
            rb->on_failure = want_string(ld, "on_failure", v);
            rb->on_failure_line = line_of(v);
        } else if (!strcmp(k, "steps")) {
            steps = v;
        } else {
            PROBLEM(ld, kn,
                    "unknown key '%s' (name title key envs for timeout confirm on_failure steps)",
                    k);
        }
    }
    if (!steps)
        PROBLEM(ld, root, "a runbook needs steps:");
    else
        load_steps(ld, steps, 1, &rb->steps, &rb->nsteps);
}

/* Reads the whole file, bounded. NULL with a problem when it cannot. */
static char *read_bounded(const char *path, size_t *len, runbook_problems *problems)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        runbook_problem_add(problems, path, 0, "cannot read: %s", strerror(errno));
        return NULL;
    }
    char *buf = malloc(RUNBOOK_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, RUNBOOK_FILE_MAX + 1, f) : 0;
    bool bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        runbook_problem_add(problems, path, 0, "cannot read: %s",
                            buf ? "read error" : "out of memory");
        free(buf);
        return NULL;
    }
    if (n > RUNBOOK_FILE_MAX) {
        runbook_problem_add(problems, path, 0, "larger than %d bytes: not a runbook",
                            RUNBOOK_FILE_MAX);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The first pass: syntax errors, and no anchors or aliases. */
static bool prescan(const char *path, const char *buf, size_t len, runbook_problems *problems)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    bool ok = true, done = false;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    int documents = 0;
    while (ok && !done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            runbook_problem_add(problems, path, (int)parser.problem_mark.line + 1, "YAML: %s%s%s",
                                parser.problem ? parser.problem : "syntax error",
                                parser.context ? " " : "", parser.context ? parser.context : "");
            ok = false;
            break;
        }
        const char *anchor = NULL;
        if (ev.type == YAML_ALIAS_EVENT)
            anchor = "an alias";
        else if ((ev.type == YAML_SCALAR_EVENT && ev.data.scalar.anchor) ||
                 (ev.type == YAML_SEQUENCE_START_EVENT && ev.data.sequence_start.anchor) ||
                 (ev.type == YAML_MAPPING_START_EVENT && ev.data.mapping_start.anchor))
            anchor = "an anchor";
        if (anchor) {
            runbook_problem_add(problems, path, (int)ev.start_mark.line + 1,
                                "%s: runbooks do not use YAML anchors and aliases", anchor);
            ok = false;
        }
        if (ev.type == YAML_DOCUMENT_START_EVENT && ++documents > 1) {
            runbook_problem_add(problems, path, (int)ev.start_mark.line + 1,
                                "one runbook per file: a second YAML document");
            ok = false;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return ok;
}

int runbook_load_file(const char *path, runbook *rb, runbook_problems *problems)
{
    size_t before = runbook_problems_count(problems);
    bool parsed = runbook_load_file_keep(path, rb, problems);
    if (!parsed || runbook_problems_count(problems) != before) {
        runbook_free(rb);
        return -1;
    }
    return 0;
}

bool runbook_load_file_keep(const char *path, runbook *rb, runbook_problems *problems)
{
    memset(rb, 0, sizeof(*rb));
    size_t len = 0;
    char *buf = read_bounded(path, &len, problems);
    if (!buf)
        return false;
    if (!prescan(path, buf, len, problems)) {
        free(buf);
        return false;
    }
    rb->file = strdup(path);
    rb->name = name_from_path(path);
    rb->timeout_s = RUNBOOK_TIMEOUT_DEFAULT_S;
    rb->line = 1;
    loader ld = {.file = rb->file, .problems = problems};
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    if (!rb->file || !rb->name || !yaml_parser_load(&parser, &ld.doc)) {
        runbook_problem_add(problems, path, (int)parser.problem_mark.line + 1, "YAML: %s",
                            parser.problem ? parser.problem : "out of memory");
        yaml_parser_delete(&parser);
        free(buf);
        runbook_free(rb);
        return false;
    }
    yaml_node_t *root = yaml_document_get_root_node(&ld.doc);
    if (!root)
        runbook_problem_add(problems, path, 0, "empty: a runbook needs at least steps:");
    else
        load_top(&ld, rb, root);
    if (!rb->name_line && rb->name && !valid_name(rb->name))
        runbook_problem_add(problems, path, 0,
                            "the file's name is not a runbook name (a-z, 0-9, - and _): give a "
                            "name:");
    if (!rb->title && rb->name)
        rb->title = strdup(rb->name);
    yaml_document_delete(&ld.doc);
    yaml_parser_delete(&parser);
    free(buf);
    return rb->name != NULL && rb->title != NULL;
}
