/* Runbook files: the loader and validator on good and broken files (each
 * problem on its exact line), the bounds, substitution and its quoting
 * against hostile values, cycles and key clashes refused, the confirmation
 * only ever raised, the one action table, and --plan's exact text; a logs
 * check's keys, its problems, its plan and its verdict on the lines read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opsdeck/action_table.h"
#include "opsdeck/config.h"
#include "opsdeck/logs/log_ring.h"
#include "opsdeck/runbook/logs_check.h"
#include "opsdeck/runbook/plan.h"
#include "opsdeck/runbook/runbook.h"
#include "opsdeck/shell_quote.h"

static char dir[64];
static char rbdir[96];
static char conf[128];
static opsdeck_config cfg;

static void write_file(const char *p, const char *text)
{
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(p, 0600);
}

static void write_runbook(const char *name, const char *text)
{
    char p[160];
    snprintf(p, sizeof(p), "%s/%s", rbdir, name);
    write_file(p, text);
}

static const char *config_text = "[opsdeck]\n"
                                 "runbooks = %s\n"
                                 "[env staging]\n"
                                 "confirm = yes\n"
                                 "[env production]\n"
                                 "confirm = typed\n"
                                 "[host stg]\n"
                                 "env = staging\n"
                                 "docker = docker\n"
                                 "compose = /opt/app/docker-compose.yml\n"
                                 "health = http://127.0.0.1:8000/api/v1/health\n"
                                 "[host prod]\n"
                                 "env = production\n"
                                 "docker = sudo docker\n"
                                 "compose = /opt/app/docker-compose.prod.yml\n"
                                 "health = http://127.0.0.1:8000/api/v1/health\n";

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/opsdeck-runbook-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(rbdir, sizeof(rbdir), "%s/runbooks", dir);
    snprintf(conf, sizeof(conf), "%s/opsdeck.conf", dir);
    mkdir(rbdir, 0700);
    setenv("HOME", dir, 1);
    unsetenv("XDG_CONFIG_HOME");
    char text[1024];
    snprintf(text, sizeof(text), config_text, rbdir);
    write_file(conf, text);
    config_problems p = {0};
    int rc = config_load(conf, &cfg, &p);
    config_problems_free(&p);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    config_free(&cfg);
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd);
}

/* Loads the directory; the problems, printed when the test fails. */
static int load_set(runbook_set *set, runbook_problems *p)
{
    memset(p, 0, sizeof(*p));
    return runbook_set_load(rbdir, &cfg, set, p);
}

/* Exactly one problem, in file name, on line, mentioning needle. */
static void expect_problem(const runbook_problems *p, const char *name, int line,
                           const char *needle)
{
    for (size_t i = 0; i < p->count; i++) {
        const char *base = strrchr(p->items[i].file, '/');
        if (p->items[i].line == line && !strcmp(base ? base + 1 : "", name) &&
            strstr(p->items[i].message, needle))
            return;
    }
    for (size_t i = 0; i < p->count; i++)
        fprintf(stderr, "  %s:%d: %s\n", p->items[i].file, p->items[i].line, p->items[i].message);
    fail_msg("no problem %s:%d mentioning '%s'", name, line, needle);
}

/* ---- a good file ---- */

static const char *api_down = "# a comment line\n"
                              "name: api-down\n"
                              "title: API down\n"
                              "key: A\n"
                              "envs: [staging, production]\n"
                              "for: [alert HighErrorRate, health != 200, container api "
                              "unhealthy, signal error_ratio > 0.05]\n"
                              "timeout: 300\n"
                              "on_failure: rollback\n"
                              "steps:\n"
                              "  - check: Running?\n"
                              "    run: ${docker} inspect -f '{{.State.Status}}' api\n"
                              "    expect: {output: running}\n"
                              "    require: true\n"
                              "  - check: Health\n"
                              "    health: 200\n"
                              "  - choose: How\n"
                              "    options:\n"
                              "      - title: Restart\n"
                              "        steps:\n"
                              "          - act: Restart api\n"
                              "            action: restart api\n"
                              "          - verify: Errors low\n"
                              "            signal: error_ratio < 0.01\n"
                              "            within: 90\n"
                              "      - title: Roll back\n"
                              "        runbook: rollback\n"
                              "  - wait: 5\n";

static const char *rollback = "title: Roll back\n"
                              "confirm: typed\n"
                              "steps:\n"
                              "  - act: Stop\n"
                              "    run: ${docker} compose -f ${compose} stop api\n"
                              "  - act: Restore\n"
                              "    run: cd ${compose_dir} && ./restore.sh\n"
                              "    confirm: true\n"
                              "  - verify: Health\n"
                              "    health: 200\n";

static void a_good_file_loads_with_its_lines(void **state)
{
    (void)state;
    write_runbook("api-down.yml", api_down);
    write_runbook("rollback.yaml", rollback);
    runbook_set set;
    runbook_problems p;
    assert_int_equal(load_set(&set, &p), 0);
    assert_int_equal(p.count, 0);
    assert_int_equal(set.count, 2);
    const runbook *rb = runbook_find(&set, "api-down");
    assert_non_null(rb);
    assert_ptr_equal(runbook_find_key(&set, 'A'), rb);
    assert_string_equal(rb->title, "API down");
    assert_int_equal(rb->nenvs, 2);
    assert_int_equal(rb->timeout_s, 300);
    assert_string_equal(rb->on_failure, "rollback");
    assert_int_equal(rb->nfors, 4);
    assert_int_equal(rb->fors[0].kind, RB_FOR_ALERT);
    assert_string_equal(rb->fors[0].name, "HighErrorRate");
    assert_int_equal(rb->fors[1].kind, RB_FOR_HEALTH);
    assert_int_equal(rb->fors[1].status, 200);
    assert_int_equal(rb->fors[2].kind, RB_FOR_CONTAINER);
    assert_string_equal(rb->fors[2].state, "unhealthy");
    assert_int_equal(rb->fors[3].kind, RB_FOR_SIGNAL);
    assert_int_equal(rb->fors[3].op, RB_OP_GT);
    assert_true(rb->fors[3].value > 0.0499 && rb->fors[3].value < 0.0501);
    assert_int_equal(rb->nsteps, 4);
    const runbook_step *s = &rb->steps[0];
    assert_int_equal(s->kind, RB_STEP_CHECK);
    assert_int_equal(s->where.line, 10);
    assert_string_equal(s->where.file, rb->file);
    assert_string_equal(s->run, "${docker} inspect -f '{{.State.Status}}' api");
    assert_int_equal(s->expect.kind, RB_EXPECT_OUTPUT);
    assert_string_equal(s->expect.output, "running");
    assert_true(s->require);
    assert_int_equal(rb->steps[1].health, 200);
    const runbook_step *c = &rb->steps[2];
    assert_int_equal(c->kind, RB_STEP_CHOOSE);
    assert_int_equal(c->noptions, 2);
    assert_int_equal(c->options[0].line, 18);
    assert_int_equal(c->options[0].nsteps, 2);
    const runbook_step *act = &c->options[0].steps[0];
    assert_int_equal(act->where.line, 20);
    assert_string_equal(act->action, "restart");
    assert_string_equal(act->action_arg, "api");
    const runbook_step *v = &c->options[0].steps[1];
    assert_string_equal(v->signal.name, "error_ratio");
    assert_int_equal(v->signal.op, RB_OP_LT);
    assert_int_equal(v->within_s, 90);
    assert_string_equal(c->options[1].runbook, "rollback");
    assert_int_equal(rb->steps[3].kind, RB_STEP_WAIT);
    assert_int_equal(rb->steps[3].wait_s, 5);
    /* the name defaults to the file's, the title to the name */
    const runbook *rbk = runbook_find(&set, "rollback");
    assert_non_null(rbk);
    assert_true(rbk->steps[1].confirm);
    assert_int_equal(rbk->timeout_s, RUNBOOK_TIMEOUT_DEFAULT_S);
    runbook_problems_free(&p);
    runbook_set_free(&set);
}

/* ---- broken files, each problem on its line ---- */

static void every_problem_names_its_line(void **state)
{
    (void)state;
    write_runbook("broken.yml", "name: broken\n"                 /* 1 */
                                "colour: red\n"                  /* 2 */
                                "for: [alert X, health = 200]\n" /* 3 */
                                "steps:\n"                       /* 4 */
                                "  - check: no test\n"           /* 5 */
                                "  - frobnicate: x\n"            /* 6 */
                                "  - act: both\n"                /* 7 */
                                "    run: true\n"                /* 8 */
                                "    action: flush\n"            /* 9 */
                                "  - verify: v\n"                /* 10 */
                                "    health: 200\n"              /* 11 */
                                "    require: true\n"            /* 12 */
                                "  - verify: w\n"                /* 13 */
                                "    signal: vibes < 3\n"        /* 14 */
                                "  - choose: c\n"                /* 15 */
                                "  - wait: soon\n"               /* 16 */
                                "  - check: t\n"                 /* 17 */
                                "    health: 999\n"              /* 18 */
                                "  - check: e\n"                 /* 19 */
                                "    run: x\n"                   /* 20 */
                                "    expect: {stdout: x}\n"      /* 21 */
                                "  - check: k\n"                 /* 22 */
                                "    run: x\n"                   /* 23 */
                                "    within: 3\n");              /* 24 */
    runbook_set set;
    runbook_problems p;
    assert_int_equal(load_set(&set, &p), -1);
    expect_problem(&p, "broken.yml", 2, "unknown key 'colour'");
    expect_problem(&p, "broken.yml", 3, "for: 'health = 200' not understood");
    expect_problem(&p, "broken.yml", 5, "a check step needs run:, health:, signal: or logs:");
    expect_problem(&p, "broken.yml", 6, "unknown step kind 'frobnicate'");
    expect_problem(&p, "broken.yml", 7, "run: or action: (one of the two)");
    expect_problem(&p, "broken.yml", 12, "'require' is not a key of a verify step");
    expect_problem(&p, "broken.yml", 14, "unknown signal 'vibes'");
    expect_problem(&p, "broken.yml", 15, "a choose step needs options:");
    expect_problem(&p, "broken.yml", 16, "a wait step needs its seconds");
    expect_problem(&p, "broken.yml", 18, "health: expected a whole number from 100 to 599");
    expect_problem(&p, "broken.yml", 21, "expect: unknown key 'stdout'");
    expect_problem(&p, "broken.yml", 24, "'within' is not a key of a check step");
    assert_int_equal(runbook_problems_count(&p), 12);
    assert_int_equal(set.count, 0); /* a file with problems is not kept */
    runbook_problems_free(&p);
    runbook_set_free(&set);
}

/* libyaml lets a mapping repeat a key; the loader refuses it (the fuzzer
 * found the first value's copy leaked when the second was read). */
static void a_key_given_twice_is_a_problem(void **state)
{
    (void)state;
    write_runbook("twice.yml", "name: twice\n"                  /* 1 */
                               "title: one\n"                   /* 2 */
                               "title: two\n"                   /* 3 */
                               "steps:\n"                       /* 4 */
                               "  - check: c\n"                 /* 5 */
                               "    run: echo one\n"            /* 6 */
                               "    run: echo two\n"            /* 7 */
                               "  - choose: which\n"            /* 8 */
                               "    options:\n"                 /* 9 */
                               "      - title: a\n"             /* 10 */
                               "        title: b\n"             /* 11 */
                               "        steps: [{wait: 1}]\n"); /* 12 */
    runbook_set set;
    runbook_problems p;
    assert_int_equal(load_set(&set, &p), -1);
    expect_problem(&p, "twice.yml", 3, "'title' is given twice");
    expect_problem(&p, "twice.yml", 7, "'run' is given twice");
    expect_problem(&p, "twice.yml", 11, "'title' is given twice");
    assert_int_equal(runbook_problems_count(&p), 3);
    runbook_problems_free(&p);
    runbook_set_free(&set);
}

static void yaml_errors_and_missing_fields(void **state)
{
    (void)state;
    write_runbook("syntax.yml", "title: x\nsteps: [\n");
    write_runbook("nosteps.yml", "title: x\n");
    write_runbook("anchors.yml", "title: &t x\nsteps:\n  - check: *t\n    health: 200\n");
    write_runbook("option.yml", "steps:\n"
                                "  - choose: c\n"
                                "    options:\n"
                                "      - title: both\n"
                                "        runbook: x\n"
                                "        steps: [{wait: 1}]\n"
                                "      - steps: [{wait: 1}]\n");
    write_runbook("Bad Name.yml", "steps:\n  - wait: 1\n");
    runbook_set set;
    runbook_problems p;
    assert_int_equal(load_set(&set, &p), -1);
    expect_problem(&p, "syntax.yml", 3, "YAML:");
    expect_problem(&p, "nosteps.yml", 1, "a runbook needs steps:");
    expect_problem(&p, "anchors.yml", 1, "runbooks do not use YAML anchors and aliases");
    expect_problem(&p, "option.yml", 4, "steps: or runbook: (one of the two)");
    expect_problem(&p, "option.yml", 7, "an option needs a title:");
    expect_problem(&p, "Bad Name.yml", 0, "not a runbook name");
    runbook_problems_free(&p);
    runbook_set_free(&set);
}

static void bounds_are_hard(void **state)
{
    (void)state;
    /* too many steps */
    char *big = malloc(RUNBOOK_FILE_MAX + 64);
    assert_non_null(big);
    size_t n = (size_t)sprintf(big, "steps:\n");
    for (int i = 0; i <= RUNBOOK_STEPS_MAX; i++)
        n += (size_t)sprintf(big + n, "  - wait: 1\n");
    write_runbook("many.yml", big);
    /* nesting deeper than RUNBOOK_DEPTH_MAX */
    n = (size_t)sprintf(big, "steps:\n");
    for (int d = 0; d <= RUNBOOK_DEPTH_MAX; d++)
        n += (size_t)sprintf(big + n,
                             "%*s- choose: c\n%*s  options:\n%*s    - title: t\n%*s      steps:\n",
                             2 + 6 * d, "", 2 + 6 * d, "", 2 + 6 * d, "", 2 + 6 * d, "");
    sprintf(big + n, "%*s- wait: 1\n", 2 + 6 * (RUNBOOK_DEPTH_MAX + 1), "");
    write_runbook("deep.yml", big);
    /* a file larger than the bound is not even parsed */
    memset(big, '#', RUNBOOK_FILE_MAX + 1);
    big[RUNBOOK_FILE_MAX + 1] = '\0';
    write_runbook("huge.yml", big);
    free(big);
    runbook_set set;
    runbook_problems p;
    assert_int_equal(load_set(&set, &p), -1);
    expect_problem(&p, "many.yml", 2, "more than 200 steps");
    expect_problem(&p, "deep.yml", 18, "nested deeper than 4 levels");
    expect_problem(&p, "huge.yml", 0, "larger than 262144 bytes");
    runbook_problems_free(&p);
    runbook_set_free(&set);
}

/* ---- across files and against the config ---- */

static void references_keys_envs_and_actions(void **state)
{
    (void)state;
    write_runbook("a.yml", "key: q\n"                      /* 1 */
                           "envs: [staging, nowhere]\n"    /* 2 */
                           "on_failure: ghost\n"           /* 3 */
                           "steps:\n"                      /* 4 */
                           "  - act: reboot\n"             /* 5 */
                           "    action: reboot now\n"      /* 6 */
                           "  - act: restart\n"            /* 7 */
                           "    action: restart\n"         /* 8 */
                           "  - act: flush\n"              /* 9 */
                           "    action: flush db0\n"       /* 10 */
                           "  - check: p\n"                /* 11 */
                           "    run: echo ${password}\n"); /* 12 */
    write_runbook("b.yml", "key: Z\nsteps:\n  - wait: 1\n");
    write_runbook("c.yml", "key: Z\nsteps:\n  - choose: c\n    options:\n"
                           "      - title: t\n        runbook: nowhere\n");
    write_runbook("d.yml", "key: F\nsteps:\n  - wait: 1\n");
    runbook_set set;
    runbook_problems p;
    assert_int_equal(load_set(&set, &p), -1);
    expect_problem(&p, "a.yml", 1, "key: 'q' is taken by the console");
    expect_problem(&p, "a.yml", 2, "envs: 'nowhere' is not an environment");
    expect_problem(&p, "a.yml", 3, "on_failure: 'ghost' does not exist");
    expect_problem(&p, "a.yml", 6, "action: 'reboot' is not a built-in action");
    expect_problem(&p, "a.yml", 8, "action: restart needs its container");
    expect_problem(&p, "a.yml", 10, "action: flush takes no argument");
    expect_problem(&p, "a.yml", 12, "${password} is not a host value");
    expect_problem(&p, "c.yml", 1, "key: 'Z' is taken by runbook b");
    expect_problem(&p, "c.yml", 6, "runbook: 'nowhere' does not exist");
    expect_problem(&p, "d.yml", 1, "key: 'F' is taken by the console: :flush");
    assert_int_equal(runbook_problems_count(&p), 10);
    /* b.yml is sound and stays; the others do not validate */
    assert_non_null(runbook_find(&set, "b"));
    runbook_problems_free(&p);
    runbook_set_free(&set);
}

static void cycles_are_refused(void **state)
{
    (void)state;
    write_runbook("one.yml", "steps:\n  - choose: c\n    options:\n"
                             "      - title: to two\n        runbook: two\n");
    write_runbook("two.yml", "on_failure: three\nsteps:\n  - wait: 1\n");
    write_runbook("three.yml", "steps:\n  - choose: c\n    options:\n"
                               "      - title: back\n        runbook: one\n");
    write_runbook("self.yml", "on_failure: self\nsteps:\n  - wait: 1\n");
    write_runbook("fine.yml", "steps:\n  - choose: c\n    options:\n"
                              "      - title: t\n        runbook: two\n");
    runbook_set set;
    runbook_problems p;
    assert_int_equal(load_set(&set, &p), -1);
    expect_problem(&p, "one.yml", 5, "cycle: one -> two -> three -> one");
    expect_problem(&p, "two.yml", 1, "cycle: two -> three -> one -> two");
    expect_problem(&p, "three.yml", 5, "cycle: three -> one -> two -> three");
    expect_problem(&p, "self.yml", 1, "cycle: self -> self");
    /* fine.yml calls into the cycle but is not in it: not its problem */
    assert_int_equal(runbook_problems_count(&p), 4);
    runbook_problems_free(&p);
    runbook_set_free(&set);
}

static void confirmation_is_only_ever_raised(void **state)
{
    (void)state;
    write_runbook("soft.yml", "confirm: yes\nsteps:\n  - wait: 1\n");
    write_runbook("hard.yml", "confirm: typed\nenvs: [staging]\nsteps:\n  - wait: 1\n");
    write_runbook("plain.yml", "steps:\n  - wait: 1\n");
    runbook_set set;
    runbook_problems p;
    /* a note, not a problem: the set loads */
    assert_int_equal(load_set(&set, &p), 0);
    assert_int_equal(p.count, 1);
    assert_true(p.items[0].note);
    expect_problem(&p, "soft.yml", 1, "confirm: yes is raised to typed in production");
    const env_config *stg = config_env(&cfg, "staging"), *prod = config_env(&cfg, "production");
    assert_int_equal(runbook_confirm_for(runbook_find(&set, "soft"), prod), CONFIRM_TYPED);
    assert_int_equal(runbook_confirm_for(runbook_find(&set, "soft"), stg), CONFIRM_YES);
    assert_int_equal(runbook_confirm_for(runbook_find(&set, "hard"), stg), CONFIRM_TYPED);
    assert_int_equal(runbook_confirm_for(runbook_find(&set, "plain"), stg), CONFIRM_YES);
    assert_int_equal(runbook_confirm_for(runbook_find(&set, "plain"), prod), CONFIRM_TYPED);
    assert_int_equal(runbook_confirm_for(runbook_find(&set, "plain"), NULL), CONFIRM_TYPED);
    assert_true(runbook_allowed_in(runbook_find(&set, "hard"), "staging"));
    assert_false(runbook_allowed_in(runbook_find(&set, "hard"), "production"));
    runbook_problems_free(&p);
    runbook_set_free(&set);
}

static void the_directory_is_found(void **state)
{
    (void)state;
    char buf[256], want[256];
    assert_string_equal(runbook_find_dir(&cfg, buf, sizeof(buf)), rbdir);
    opsdeck_config none = {0};
    snprintf(want, sizeof(want), "%s/.config/opsdeck/runbooks", dir);
    if (access("/etc/opsdeck/runbooks", F_OK) != 0)
        assert_null(runbook_find_dir(&none, buf, sizeof(buf)));
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "mkdir -p %s", want);
    assert_int_equal(system(cmd), 0);
    assert_string_equal(runbook_find_dir(&none, buf, sizeof(buf)), want);
    setenv("XDG_CONFIG_HOME", rbdir, 1); /* $XDG_CONFIG_HOME/opsdeck/runbooks: absent */
    if (access("/etc/opsdeck/runbooks", F_OK) != 0)
        assert_null(runbook_find_dir(&none, buf, sizeof(buf)));
    unsetenv("XDG_CONFIG_HOME");
}

/* ---- substitution ---- */

static void substitution_quotes_every_value(void **state)
{
    (void)state;
    host_config h = {
        .name = "prod",
        .env = "production",
        .docker = "sudo docker",
        .compose = "/opt/it's/$(reboot)/`id`/dc.yml",
        .postgres = "host=x\ndbname=a'b",
        .redis = "127.0.0.1:6379",
        .redis_db = 3,
    };
    char out[512], err[256];
    assert_int_equal(runbook_substitute("${docker} compose -f ${compose} ps", &h, out, sizeof(out),
                                        err, sizeof(err)),
                     0);
    assert_string_equal(out, "'sudo' 'docker' compose -f '/opt/it'\\''s/$(reboot)/`id`/dc.yml' ps");
    assert_int_equal(runbook_substitute("cd ${compose_dir} && psql ${postgres} -n ${redis_db}", &h,
                                        out, sizeof(out), err, sizeof(err)),
                     0);
    assert_string_equal(out, "cd '/opt/it'\\''s/$(reboot)/`id`' && psql 'host=x\ndbname=a'\\''b' "
                             "-n '3'");
    /* the command's own shell syntax is its own; $$ is one $ */
    assert_int_equal(runbook_substitute("echo $HOME $(date) $${host} ${host}", &h, out, sizeof(out),
                                        err, sizeof(err)),
                     0);
    assert_string_equal(out, "echo $HOME $(date) ${host} 'prod'");
    /* unknown, unset, unterminated, too long */
    assert_int_equal(runbook_substitute("${nope}", &h, out, sizeof(out), err, sizeof(err)), -1);
    assert_string_equal(err, "prod: ${nope} is not a host value");
    assert_int_equal(runbook_substitute("${health}", &h, out, sizeof(out), err, sizeof(err)), -1);
    assert_string_equal(err, "prod: ${health} is not set for this host");
    assert_int_equal(runbook_substitute("x ${host", &h, out, sizeof(out), err, sizeof(err)), -1);
    assert_int_equal(runbook_substitute("${compose}", &h, out, 20, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "longer than 19 bytes"));
    /* an action's argument is a name, not shell: written as it is */
    assert_int_equal(runbook_expand("restart ${host}_api", &h, out, sizeof(out), err, sizeof(err)),
                     0);
    assert_string_equal(out, "restart prod_api");
    assert_true(runbook_placeholder_known("compose_dir"));
    assert_false(runbook_placeholder_known("password"));
}

static void the_one_quoting_helper(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(shell_quote("grupo_gad_api", buf, sizeof(buf)), "'grupo_gad_api'");
    assert_string_equal(shell_quote("a'b; rm -rf /", buf, sizeof(buf)), "'a'\\''b; rm -rf /'");
    assert_string_equal(shell_quote("", buf, sizeof(buf)), "''");
    assert_null(shell_quote("much too long for the buffer given here, really", buf, 16));
    size_t len = 0;
    buf[0] = '\0';
    assert_true(shell_quote_words(buf, sizeof(buf), &len, "  sudo\t docker -H unix:///x "));
    assert_string_equal(buf, "'sudo' 'docker' '-H' 'unix:///x'");
    /* what does not fit leaves buf as it was */
    len = 4;
    strcpy(buf, "abcd");
    assert_false(shell_quote_append(buf, 8, &len, "12345", 5));
    assert_string_equal(buf, "abcd");
    assert_int_equal(len, 4);
}

/* ---- the action table ---- */

static void the_action_table(void **state)
{
    (void)state;
    assert_int_equal(builtin_actions_count, 5);
    for (size_t i = 0; i < builtin_actions_count; i++) {
        const builtin_action *a = &builtin_actions[i];
#ifndef OPSDECK_READONLY
        assert_non_null(a->plan);
#else
        assert_null(a->plan); /* no action code in a READONLY build */
#endif
        assert_true(a->usage[0] == ':' && !strncmp(a->usage + 1, a->name, strlen(a->name)));
        assert_non_null(a->help);
        assert_non_null(a->plan_text);
        assert_ptr_equal(builtin_action_find(a->name), a);
        assert_ptr_equal(builtin_action_for_key(a->key), a);
        assert_true(console_key_taken(a->key));
    }
    assert_string_equal(builtin_action_for_key('r')->name, "restart");
    assert_string_equal(builtin_action_for_key('r')->panel, "containers");
    assert_int_equal(builtin_action_find("cancel")->target, ACTION_TARGET_BACKEND);
    assert_int_equal(builtin_action_find("kill-idle")->key, 'K');
    assert_null(builtin_action_find("reboot"));
    assert_null(builtin_action_for_key('A'));
    assert_true(console_key_taken('q') && console_key_taken('1') && console_key_taken('R'));
    assert_false(console_key_taken('A') || console_key_taken('B') || console_key_taken('Z'));
}

/* ---- --plan ---- */

static void the_plan_text_is_exact(void **state)
{
    (void)state;
    write_runbook("api-down.yml", api_down);
    write_runbook("rollback.yml", rollback);
    runbook_set set;
    runbook_problems p;
    assert_int_equal(load_set(&set, &p), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    char err[256] = "";
    const host_config *prod = config_host(&cfg, "prod");
    assert_int_equal(runbook_plan_print(runbook_find(&set, "api-down"), prod,
                                        config_env(&cfg, "production"), f, err, sizeof(err)),
                     0);
    assert_int_equal(runbook_plan_print(runbook_find(&set, "rollback"), config_host(&cfg, "stg"),
                                        config_env(&cfg, "staging"), f, err, sizeof(err)),
                     0);
    fclose(f);
    assert_string_equal(
        text,
        "host prod (env production)\n"
        "  confirm: the whole plan, once before the first act: type 'production' then Enter\n"
        "  1 check: Running?\n"
        "    run: 'sudo' 'docker' inspect -f '{{.State.Status}}' api\n"
        "    passes: the output is \"running\"\n"
        "    required: the run stops when it fails\n"
        "  2 check: Health\n"
        "    health: http://127.0.0.1:8000/api/v1/health answers 200\n"
        "  3 choose: How\n"
        "    3a) Restart\n"
        "      3a.1 act: Restart api\n"
        "        action: restart api\n"
        "        runs: docker restart NAME, or docker compose restart of its compose service\n"
        "        confirm: the plan's\n"
        "      3a.2 verify: Errors low\n"
        "        signal: error_ratio < 0.01\n"
        "        within: 90 s, else offers runbook rollback\n"
        "    3b) Roll back\n"
        "      runbook: rollback (opsdeck --plan rollback)\n"
        "  4 wait: wait 5 s\n"
        "    wait: 5 s\n"
        "host stg (env staging)\n"
        "  confirm: the whole plan, once before the first act: type 'staging' then Enter\n"
        "  1 act: Stop\n"
        "    run: 'docker' compose -f '/opt/app/docker-compose.yml' stop api\n"
        "    confirm: the plan's\n"
        "  2 act: Restore\n"
        "    run: cd '/opt/app' && ./restore.sh\n"
        "    confirm: again right before it runs (type 'staging' then Enter)\n"
        "  3 verify: Health\n"
        "    health: http://127.0.0.1:8000/api/v1/health answers 200\n"
        "    within: 60 s\n");
    free(text);
    /* a host without a value a command needs: that step says so, and it fails */
    host_config bare = {.name = "bare", .env = "staging", .docker = "docker"};
    f = open_memstream(&text, &len);
    assert_int_equal(runbook_plan_print(runbook_find(&set, "rollback"), &bare,
                                        config_env(&cfg, "staging"), f, err, sizeof(err)),
                     -1);
    fclose(f);
    assert_string_equal(err, "bare: ${compose} is not set for this host");
    assert_non_null(strstr(text, "    run: CANNOT BE PLANNED: bare: ${compose} is not set"));
    free(text);
    runbook_problems_free(&p);
    runbook_set_free(&set);
}

/* logs: a container's last lines: the keys as written, the default count */
static void logs_checks_load(void **state)
{
    (void)state;
    write_runbook("logs-good.yml", "name: logs-good\n"
                                   "steps:\n"
                                   "  - check: Recent lines\n"
                                   "    logs: grupo_gad_api\n"
                                   "  - check: No tracebacks\n"
                                   "    logs: ${host}_api\n"
                                   "    lines: 200\n"
                                   "    expect: {absent: Traceback}\n"
                                   "    require: true\n"
                                   "  - check: Started\n"
                                   "    logs: api\n"
                                   "    lines: 500\n"
                                   "    expect: {contains: listening on}\n");
    runbook_set set;
    runbook_problems p;
    assert_int_equal(load_set(&set, &p), 0);
    const runbook *rb = runbook_find(&set, "logs-good");
    assert_non_null(rb);
    assert_int_equal(rb->nsteps, 3);
    assert_string_equal(rb->steps[0].logs, "grupo_gad_api");
    assert_int_equal(rb->steps[0].logs_line, 4);
    assert_int_equal(rb->steps[0].lines, RUNBOOK_LOG_LINES_DEFAULT);
    assert_int_equal(rb->steps[0].expect.kind, RB_EXPECT_NONE);
    assert_null(rb->steps[0].run);
    assert_int_equal(rb->steps[1].lines, 200);
    assert_int_equal(rb->steps[1].expect.kind, RB_EXPECT_ABSENT);
    assert_string_equal(rb->steps[1].expect.output, "Traceback");
    assert_true(rb->steps[1].require);
    assert_int_equal(rb->steps[2].lines, 500);
    assert_int_equal(rb->steps[2].expect.kind, RB_EXPECT_CONTAINS);
    assert_string_equal(rb->steps[2].expect.output, "listening on");
    runbook_problems_free(&p);
    runbook_set_free(&set);
}

static void logs_check_problems_name_their_lines(void **state)
{
    (void)state;
    write_runbook("logs-bad.yml", "name: logs-bad\n"               /* 1 */
                                  "steps:\n"                       /* 2 */
                                  "  - check: two names\n"         /* 3 */
                                  "    logs: api db\n"             /* 4 */
                                  "  - check: mixed with run\n"    /* 5 */
                                  "    logs: api\n"                /* 6 */
                                  "    run: true\n"                /* 7 */
                                  "  - check: mixed with health\n" /* 8 */
                                  "    logs: api\n"                /* 9 */
                                  "    health: 200\n"              /* 10 */
                                  "  - check: mixed with signal\n" /* 11 */
                                  "    logs: api\n"                /* 12 */
                                  "    signal: rps > 1\n"          /* 13 */
                                  "  - check: too many\n"          /* 14 */
                                  "    logs: api\n"                /* 15 */
                                  "    lines: 501\n"               /* 16 */
                                  "  - check: none\n"              /* 17 */
                                  "    logs: api\n"                /* 18 */
                                  "    lines: 0\n"                 /* 19 */
                                  "  - check: twice\n"             /* 20 */
                                  "    logs: api\n"                /* 21 */
                                  "    logs: db\n"                 /* 22 */
                                  "  - check: lines alone\n"       /* 23 */
                                  "    run: true\n"                /* 24 */
                                  "    lines: 5\n"                 /* 25 */
                                  "  - check: output expected\n"   /* 26 */
                                  "    logs: api\n"                /* 27 */
                                  "    expect: {output: x}\n"      /* 28 */
                                  "  - check: contains with run\n" /* 29 */
                                  "    run: true\n"                /* 30 */
                                  "    expect: {contains: x}\n"    /* 31 */
                                  "  - check: empty text\n"        /* 32 */
                                  "    logs: api\n"                /* 33 */
                                  "    expect: {absent: ''}\n"     /* 34 */
                                  "  - verify: not a verify's\n"   /* 35 */
                                  "    logs: api\n"                /* 36 */
                                  "  - act: nor an act's\n"        /* 37 */
                                  "    run: true\n"                /* 38 */
                                  "    logs: api\n"                /* 39 */
                                  "  - check: unknown value\n"     /* 40 */
                                  "    logs: ${nope}_api\n");      /* 41 */
    runbook_set set;
    runbook_problems p;
    assert_int_equal(load_set(&set, &p), -1);
    expect_problem(&p, "logs-bad.yml", 4, "logs: expected one container name");
    expect_problem(&p, "logs-bad.yml", 5,
                   "a check step tests one thing: run:, health:, signal: or logs:");
    expect_problem(&p, "logs-bad.yml", 8, "a check step tests one thing");
    expect_problem(&p, "logs-bad.yml", 11, "a check step tests one thing");
    expect_problem(&p, "logs-bad.yml", 16, "lines: expected a whole number from 1 to 500");
    expect_problem(&p, "logs-bad.yml", 19, "lines: expected a whole number from 1 to 500");
    expect_problem(&p, "logs-bad.yml", 22, "'logs' is given twice");
    expect_problem(&p, "logs-bad.yml", 25, "lines: goes with logs:");
    expect_problem(&p, "logs-bad.yml", 26, "expect: {output:} and {exit:} go with run:");
    expect_problem(&p, "logs-bad.yml", 29, "expect: {contains:} and {absent:} go with logs:");
    expect_problem(&p, "logs-bad.yml", 34, "expect: absent: expected a text value");
    expect_problem(&p, "logs-bad.yml", 36, "'logs' is not a key of a verify step");
    expect_problem(&p, "logs-bad.yml", 39, "'logs' is not a key of a act step");
    expect_problem(&p, "logs-bad.yml", 41, "${nope} is not a host value");
    assert_int_equal(runbook_problems_count(&p), 14);
    assert_int_equal(set.count, 0);
    runbook_problems_free(&p);
    runbook_set_free(&set);
}

/* runbook_plan_print of runbook name on host h, which must return rc: its
 * text (the caller frees it). */
static char *plan_of(const runbook_set *set, const char *name, const host_config *h,
                     const char *env, int rc, char *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(
        runbook_plan_print(runbook_find(set, name), h, config_env(&cfg, env), f, err, 256), rc);
    fclose(f);
    return text;
}

/* --plan shows what a logs check reads on each host, and when it passes */
static void logs_check_plan_text(void **state)
{
    (void)state;
    write_runbook("peek.yml", "name: peek\n"
                              "steps:\n"
                              "  - check: Recent lines\n"
                              "    logs: grupo_gad_api\n"
                              "  - check: No tracebacks\n"
                              "    logs: ${host}_api\n"
                              "    lines: 200\n"
                              "    expect: {absent: Traceback}\n"
                              "  - check: Started\n"
                              "    logs: api\n"
                              "    lines: 7\n"
                              "    expect: {contains: listening}\n"
                              "  - check: Where compose runs\n"
                              "    logs: ${compose}\n");
    runbook_set set;
    runbook_problems p;
    assert_int_equal(load_set(&set, &p), 0);
    char err[256] = "";
    char *text = plan_of(&set, "peek", config_host(&cfg, "prod"), "production", 0, err);
    assert_string_equal(
        text,
        "host prod (env production)\n"
        "  confirm: the whole plan, once before the first act: type 'production' then Enter\n"
        "  1 check: Recent lines\n"
        "    logs: reads and shows the last 50 lines: 'sudo' 'docker' logs --tail 50 --timestamps "
        "'grupo_gad_api'\n"
        "    passes: the log can be read (exit status 0)\n"
        "  2 check: No tracebacks\n"
        "    logs: reads and shows the last 200 lines: 'sudo' 'docker' logs --tail 200 "
        "--timestamps "
        "'prod_api'\n"
        "    passes: no line holds \"Traceback\" (ignoring case)\n"
        "  3 check: Started\n"
        "    logs: reads and shows the last 7 lines: 'sudo' 'docker' logs --tail 7 --timestamps "
        "'api'\n"
        "    passes: a line holds \"listening\" (ignoring case)\n"
        "  4 check: Where compose runs\n"
        "    logs: reads and shows the last 50 lines: 'sudo' 'docker' logs --tail 50 --timestamps "
        "'/opt/app/docker-compose.prod.yml'\n"
        "    passes: the log can be read (exit status 0)\n");
    free(text);
    /* a value the host does not have: the step cannot be planned there */
    host_config bare = {.name = "bare", .env = "staging"};
    text = plan_of(&set, "peek", &bare, "staging", -1, err);
    assert_string_equal(err, "bare: ${compose} is not set for this host");
    assert_non_null(strstr(text, "    logs: CANNOT BE PLANNED: bare: ${compose} is not set"));
    assert_non_null(strstr(text, "'docker' logs --tail 200 --timestamps 'bare_api'"));
    free(text);
    runbook_problems_free(&p);
    runbook_set_free(&set);
}

/* What the lines read decide: docker's own words when it failed, the text
 * found or not (ignoring case, sanitized lines), the count otherwise. */
static void logs_verdict_on_the_lines_read(void **state)
{
    (void)state;
    runbook_step st = {.kind = RB_STEP_CHECK, .logs = "api", .lines = 50};
    char finding[256];
    log_ring *r = log_ring_new(50);
    assert_non_null(r);
    log_ring_push(r, "2026-12-02T22:54:44.1Z GET /api/v1/health 200", 45, false);
    log_ring_push(r, "2026-12-02T22:54:45.2Z Traceback (most recent call last)", 56, true);
    log_ring_push(r, "2026-12-02T22:54:46Z \x1b[31mRED\x1b[0m done", 38, false);
    assert_true(runbook_logs_verdict(&st, r, true, 0, "", finding, sizeof(finding)));
    assert_string_equal(finding, "3 lines read");
    /* the newest line holding a text is the one named */
    st.expect = (runbook_expect){.kind = RB_EXPECT_CONTAINS, .output = "2026-12-02"};
    assert_true(runbook_logs_verdict(&st, r, true, 0, "", finding, sizeof(finding)));
    assert_string_equal(finding, "'2026-12-02' in line 3 of 3 read");

    st.expect = (runbook_expect){.kind = RB_EXPECT_CONTAINS, .output = "traceback"};
    assert_true(runbook_logs_verdict(&st, r, true, 0, "", finding, sizeof(finding)));
    assert_string_equal(finding, "'traceback' in line 2 of 3 read");
    st.expect.output = "GET /missing";
    assert_false(runbook_logs_verdict(&st, r, true, 0, "", finding, sizeof(finding)));
    assert_string_equal(finding, "'GET /missing' in none of the 3 lines read (expected in one)");
    /* the escape sequence is not in the line matched: it was sanitized */
    st.expect.output = "\x1b[31mRED";
    assert_false(runbook_logs_verdict(&st, r, true, 0, "", finding, sizeof(finding)));

    st.expect = (runbook_expect){.kind = RB_EXPECT_ABSENT, .output = "Traceback"};
    assert_false(runbook_logs_verdict(&st, r, true, 0, "", finding, sizeof(finding)));
    assert_string_equal(finding, "'Traceback' in line 2 of 3 read (expected absent)");
    st.expect.output = "OOMKilled";
    assert_true(runbook_logs_verdict(&st, r, true, 0, "", finding, sizeof(finding)));
    assert_string_equal(finding, "'OOMKilled' in none of the 3 lines read");
    log_ring_free(r);

    /* docker failed: its own last words on stderr, whatever expect says */
    r = log_ring_new(50);
    log_ring_push(r, "Error response from daemon: No such container: nope", 51, true);
    assert_true(runbook_logs_verdict(&st, r, true, 0, "", finding, sizeof(finding)));
    assert_false(runbook_logs_verdict(&st, r, true, 1, "", finding, sizeof(finding)));
    assert_string_equal(finding, "exit 1: Error response from daemon: No such container: nope");
    log_ring_free(r);
    r = log_ring_new(50);
    assert_false(runbook_logs_verdict(&st, r, true, 125, "", finding, sizeof(finding)));
    assert_string_equal(finding, "exit 125: (docker said nothing)");
    assert_false(
        runbook_logs_verdict(&st, r, false, 0, "timed out after 60 s", finding, sizeof(finding)));
    assert_string_equal(finding, "did not run: timed out after 60 s");
    /* an empty log is read all the same */
    st.expect.kind = RB_EXPECT_NONE;
    assert_true(runbook_logs_verdict(&st, r, true, 0, "", finding, sizeof(finding)));
    assert_string_equal(finding, "0 lines read");
    log_ring_free(r);
}

static int clean_dir(void **state)
{
    (void)state;
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -f %s/*", rbdir);
    return system(cmd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(a_good_file_loads_with_its_lines, clean_dir),
        cmocka_unit_test_setup(every_problem_names_its_line, clean_dir),
        cmocka_unit_test_setup(a_key_given_twice_is_a_problem, clean_dir),
        cmocka_unit_test_setup(yaml_errors_and_missing_fields, clean_dir),
        cmocka_unit_test_setup(bounds_are_hard, clean_dir),
        cmocka_unit_test_setup(references_keys_envs_and_actions, clean_dir),
        cmocka_unit_test_setup(cycles_are_refused, clean_dir),
        cmocka_unit_test_setup(confirmation_is_only_ever_raised, clean_dir),
        cmocka_unit_test(the_directory_is_found),
        cmocka_unit_test(substitution_quotes_every_value),
        cmocka_unit_test(the_one_quoting_helper),
        cmocka_unit_test(the_action_table),
        cmocka_unit_test_setup(the_plan_text_is_exact, clean_dir),
        cmocka_unit_test_setup(logs_checks_load, clean_dir),
        cmocka_unit_test_setup(logs_check_problems_name_their_lines, clean_dir),
        cmocka_unit_test_setup(logs_check_plan_text, clean_dir),
        cmocka_unit_test(logs_verdict_on_the_lines_read),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
