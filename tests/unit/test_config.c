/* The config loader: defaults, every key, every refusal with its line,
 * ssh forms and ~/.ssh/config aliases, the secret-permission rule, the
 * search order, and --check's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opsdeck/check.h"
#include "opsdeck/config.h"
#include "opsdeck/model.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/opsdeck-config-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof(path), "%s/opsdeck.conf", dir);
    setenv("HOME", dir, 1);
    setenv("USER", "tester", 1);
    unsetenv("OPSDECK_CONFIG");
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("OPSDECK_SSH_CONFIG");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd);
}

static void write_file(const char *p, const char *text, mode_t mode)
{
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(p, mode);
}

static const char *minimal = "[env staging]\n"
                             "[host api]\n"
                             "env = staging\n";

/* Loads text; returns the number of problems, kept in *out. */
static size_t load(const char *text, opsdeck_config *cfg, config_problems *out)
{
    write_file(path, text, 0600);
    memset(out, 0, sizeof(*out));
    int rc = config_load(path, cfg, out);
    assert_int_equal(rc, out->count ? -1 : 0);
    return out->count;
}

/* Asserts that exactly one problem was found, on line, mentioning needle. */
static void expect_one_problem(const char *text, int line, const char *needle)
{
    opsdeck_config cfg;
    config_problems p;
    size_t n = load(text, &cfg, &p);
    if (n != 1 || p.items[0].line != line || !strstr(p.items[0].message, needle)) {
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "  problem %d: %s\n", p.items[i].line, p.items[i].message);
        fail_msg("expected one problem on line %d mentioning '%s', got %zu", line, needle, n);
    }
    assert_string_equal(p.items[0].file, path);
    config_problems_free(&p);
    config_free(&cfg);
}

static void defaults(void **state)
{
    (void)state;
    opsdeck_config cfg;
    config_problems p;
    assert_int_equal(load(minimal, &cfg, &p), 0);
    assert_int_equal(cfg.interval_s, 2);
    assert_int_equal(cfg.keepalive_s, 15);
    assert_string_equal(cfg.theme, "default");
    assert_false(cfg.read_only);
    char want[256];
    snprintf(want, sizeof(want), "%s/.local/state/opsdeck/audit.log", dir);
    assert_string_equal(cfg.audit_log, want);
    assert_true(cfg.slow_query_s == 1 && cfg.idle_txn_s == 300);
    const host_config *h = config_host(&cfg, "api");
    assert_non_null(h);
    assert_null(h->ssh); /* this machine */
    assert_string_equal(h->docker, "docker");
    assert_string_equal(h->requests_metric, "http_requests_total");
    assert_string_equal(h->duration_metric, "http_request_duration_seconds");
    assert_string_equal(h->status_label, "status");
    assert_string_equal(h->promql_window, "1m");
    assert_true(h->limits.p95_warn_s == 0.2 && h->limits.p95_crit_s == 0.5);
    assert_true(h->limits.error_warn == 0.01 && h->limits.error_crit == 0.05);
    assert_true(h->limits.cpu_warn == 70 && h->limits.cpu_crit == 90);
    assert_true(h->limits.mem_warn == 80 && h->limits.mem_crit == 90);
    snprintf(want, sizeof(want), "%s/.ssh/known_hosts", dir);
    assert_string_equal(h->known_hosts, want);
    assert_int_equal(config_env(&cfg, "staging")->confirm, CONFIRM_YES);
    config_free(&cfg);
}

static void production_defaults_to_typed(void **state)
{
    (void)state;
    opsdeck_config cfg;
    config_problems p;
    assert_int_equal(load("[env production]\n[env dev]\nconfirm = typed\n[env qa]\nconfirm = yes\n"
                          "[host a]\nenv = production\n",
                          &cfg, &p),
                     0);
    assert_int_equal(config_env(&cfg, "production")->confirm, CONFIRM_TYPED);
    assert_int_equal(config_env(&cfg, "dev")->confirm, CONFIRM_TYPED);
    assert_int_equal(config_env(&cfg, "qa")->confirm, CONFIRM_YES);
    config_free(&cfg);
}

/* production = yes|no is the one fact: the typed default follows it, the
 * name decides only when it is not given. */
static void production_is_one_fact(void **state)
{
    (void)state;
    opsdeck_config cfg;
    config_problems p;
    assert_int_equal(load("[env prod-eu]\n"
                          "[env staging]\nproduction = yes\n"
                          "[env production-old]\nproduction = no\n"
                          "[env prodlike]\nconfirm = yes\nproduction = yes\n"
                          "[env qa]\n"
                          "[host a]\nenv = prod-eu\n",
                          &cfg, &p),
                     0);
    const env_config *e = config_env(&cfg, "prod-eu");
    assert_true(e->production && e->confirm == CONFIRM_TYPED);
    e = config_env(&cfg, "staging");
    assert_true(e->production && e->confirm == CONFIRM_TYPED);
    e = config_env(&cfg, "production-old");
    assert_true(!e->production && e->confirm == CONFIRM_YES);
    e = config_env(&cfg, "prodlike"); /* an explicit confirm stays */
    assert_true(e->production && e->confirm == CONFIRM_YES);
    e = config_env(&cfg, "qa");
    assert_true(!e->production && e->confirm == CONFIRM_YES);
    assert_true(env_is_production(&cfg, "staging"));
    assert_false(env_is_production(&cfg, "production-old"));
    assert_true(env_is_production(&cfg, "Prod-us")); /* no section: by its name */
    assert_false(env_is_production(&cfg, "lab"));
    config_free(&cfg);
    expect_one_problem("[env x]\nproduction = maybe\n[host a]\nenv = x\n", 2,
                       "production = maybe: expected yes or no");
}

static void full_example(void **state)
{
    (void)state;
    opsdeck_config cfg;
    config_problems p;
    const char *text = "[opsdeck]\n"
                       "interval = 5 ; seconds\n"
                       "keepalive = 4\n"
                       "theme = mono\n"
                       "read_only = yes\n"
                       "audit_log = ~/audit.log\n"
                       "slow_query = 2.5\n"
                       "idle_txn = 60\n"
                       "p95_warn = 300ms\n"
                       "error_crit = 10%\n"
                       "[env production]\n"
                       "confirm = yes\n"
                       "[host prod-api]\n"
                       "env = production\n"
                       "ssh = deploy@10.0.0.5:2222\n"
                       "identity = ~/.ssh/id_ecdsa\n"
                       "docker = sudo docker\n"
                       "compose = /opt/grupogad/docker-compose.prod.yml\n"
                       "metrics = http://127.0.0.1:8000/metrics\n"
                       "health = http://127.0.0.1:8000/api/v1/health\n"
                       "postgres = host=127.0.0.1 port=5432 dbname=app user=app\n"
                       "redis = 127.0.0.1:6379\n"
                       "redis_db = 2\n"
                       "cpu_crit = 95\n";
    assert_int_equal(load(text, &cfg, &p), 0);
    assert_int_equal(cfg.interval_s, 5);
    assert_int_equal(cfg.keepalive_s, 4);
    assert_string_equal(cfg.theme, "mono");
    assert_true(cfg.read_only);
    assert_true(cfg.slow_query_s == 2.5 && cfg.idle_txn_s == 60);
    const host_config *h = config_host(&cfg, "prod-api");
    assert_string_equal(h->ssh_user, "deploy");
    assert_string_equal(h->ssh_host, "10.0.0.5");
    assert_int_equal(h->ssh_port, 2222);
    assert_string_equal(h->docker, "sudo docker");
    assert_int_equal(h->redis_db, 2);
    /* the host's own threshold, the global ones, and the defaults */
    assert_true(h->limits.cpu_crit == 95);
    assert_true(h->limits.p95_warn_s > 0.2999 && h->limits.p95_warn_s < 0.3001);
    assert_true(h->limits.error_crit > 0.0999 && h->limits.error_crit < 0.1001);
    assert_true(h->limits.mem_crit == 90);
    assert_int_equal(config_env(&cfg, "production")->confirm, CONFIRM_YES);
    config_free(&cfg);
}

static void every_error_names_its_line(void **state)
{
    (void)state;
    expect_one_problem("[env staging]\n[host a]\nenv = staging\nbogus = 1\n", 4,
                       "unknown key 'bogus'");
    expect_one_problem("[opsdeck]\ninterval = soon\n[env s]\n[host a]\nenv = s\n", 2, "interval");
    expect_one_problem("[opsdeck]\ninterval = 0\n[env s]\n[host a]\nenv = s\n", 2, "1 to 3600");
    expect_one_problem("[opsdeck]\nkeepalive = 0\n[env s]\n[host a]\nenv = s\n", 2,
                       "keepalive = 0: expected whole seconds, 1 to 3600");
    expect_one_problem("[opsdeck]\nread_only = maybe\n[env s]\n[host a]\nenv = s\n", 2,
                       "yes or no");
    expect_one_problem("[opsdeck]\nslow_query = -1\n[env s]\n[host a]\nenv = s\n", 2, "seconds");
    expect_one_problem("[opsdeck]\nerror_warn = 2\n[env s]\n[host a]\nenv = s\n", 2, "ratio");
    expect_one_problem("[opsdeck]\ncpu_warn = 120\n[env s]\n[host a]\nenv = s\n", 2, "percentage");
    expect_one_problem("[env s]\nconfirm = maybe\n[host a]\nenv = s\n", 2, "confirm = maybe");
    expect_one_problem("[env s]\n[host a]\n", 2, "no env = line");
    expect_one_problem("[env s]\n[host a]\nenv = elsewhere\n", 3, "no [env elsewhere]");
    expect_one_problem("[env s]\n[host a]\nenv = s\n[host a]\nenv = s\n", 4, "defined twice");
    expect_one_problem("[env s]\n[env s]\n[host a]\nenv = s\n", 2, "defined twice");
    expect_one_problem("[env s]\n[host a]\nenv = s\nenv = s\n", 4, "set twice");
    expect_one_problem("[env s]\n[mystery]\n[host a]\nenv = s\n", 2, "unknown section");
    expect_one_problem("[env s]\n[host bad name!]\n[host a]\nenv = s\n", 2, "not a name");
    expect_one_problem("[env s]\n[host a\nenv = s\n[host b]\nenv = s\n", 2, "malformed section");
    expect_one_problem("[env s]\n[host a]\nenv = s\njust words\n", 4, "KEY = VALUE");
    expect_one_problem("[env s]\n[host a]\nenv = s\n  indented = 1\n", 4, "indented");
    expect_one_problem("orphan = 1\n[env s]\n[host a]\nenv = s\n", 1, "outside any section");
    expect_one_problem("[env s]\n[host a]\nenv = s\nssh = me@host:99999\n", 4, "port");
    expect_one_problem("[env s]\n[host a]\nenv = s\nssh = [::1:22\n", 4, "unterminated");
    expect_one_problem("[env s]\n[host a]\nenv = s\nmetrics = 127.0.0.1:8000/metrics\n", 4, "URL");
    expect_one_problem("[env s]\n[host a]\nenv = s\nredis = 127.0.0.1:notaport\n", 4, "redis");
    expect_one_problem("[env s]\n[host a]\nenv = s\nredis_db = -1\n", 4, "redis_db");
    expect_one_problem("[env s]\n[host a]\nenv = s\npromql_window = 5 minutes\n", 4,
                       "Prometheus duration");
    expect_one_problem("[env s]\n[host a]\nenv = s\npostgres = host=x port\n", 4, "postgres");
    /* the INI [runbook] section is retired: its line, and where runbooks live now */
    expect_one_problem("[env s]\n[host a]\nenv = s\n[runbook r]\nrun = x\nkey = B\n", 4,
                       "[runbook r] is retired: a runbook is now a YAML file");
    expect_one_problem("[env s]\n[host a]\nenv = s\n[runbook r]\n", 4, "runbooks =");
    expect_one_problem("[env s]\n[host a]\nenv = s\np95_warn = 2\np95_crit = 1\n", 2,
                       "above p95_crit");
    expect_one_problem("[env s]\n", 0, "nothing to watch");
}

static void a_long_line_is_refused(void **state)
{
    (void)state;
    char text[1200];
    char value[600];
    memset(value, 'x', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    snprintf(text, sizeof(text), "[env s]\n[host a]\nenv = s\ncompose = %s\n", value);
    expect_one_problem(text, 4, "too long");
}

static void every_problem_is_collected(void **state)
{
    (void)state;
    opsdeck_config cfg;
    config_problems p;
    size_t n =
        load("[opsdeck]\ninterval = x\nbogus = 1\n[env s]\nconfirm = no\n[host a]\n", &cfg, &p);
    assert_int_equal(n, 4);
    assert_int_equal(p.items[0].line, 2);
    assert_int_equal(p.items[1].line, 3);
    assert_int_equal(p.items[2].line, 5);
    assert_int_equal(p.items[3].line, 6);
    config_problems_free(&p);
    config_free(&cfg);
}

static void missing_file(void **state)
{
    (void)state;
    opsdeck_config cfg;
    config_problems p = {0};
    assert_int_equal(config_load("/nonexistent/opsdeck.conf", &cfg, &p), -1);
    assert_int_equal(p.count, 1);
    assert_int_equal(p.items[0].line, 0);
    assert_non_null(strstr(p.items[0].message, "cannot read"));
    config_problems_free(&p);
    config_free(&cfg);
}

static void a_readable_file_with_a_secret_is_refused(void **state)
{
    (void)state;
    const char *text = "[env s]\n[host a]\nenv = s\npostgres = host=x dbname=y password=hunter2\n";
    opsdeck_config cfg;
    config_problems p = {0};
    write_file(path, text, 0644);
    assert_int_equal(config_load(path, &cfg, &p), -1);
    assert_int_equal(p.count, 1);
    assert_int_equal(p.items[0].line, 4);
    assert_non_null(strstr(p.items[0].message, "chmod 600"));
    config_problems_free(&p);
    config_free(&cfg);
    /* the same file, private: fine; and a readable file without a secret too */
    write_file(path, text, 0600);
    assert_int_equal(config_load(path, &cfg, &p), 0);
    config_free(&cfg);
    write_file(path, minimal, 0644);
    assert_int_equal(config_load(path, &cfg, &p), 0);
    config_free(&cfg);
}

static void a_readable_password_file_is_refused(void **state)
{
    (void)state;
    char pass[160], text[400];
    snprintf(pass, sizeof(pass), "%s/redis.pass", dir);
    write_file(pass, "s3cret\n", 0640);
    snprintf(text, sizeof(text),
             "[env s]\n[host a]\nenv = s\nredis = 127.0.0.1:6379\n"
             "redis_password_file = %s\n",
             pass);
    expect_one_problem(text, 2, "chmod 600");
    chmod(pass, 0600);
    opsdeck_config cfg;
    config_problems p;
    assert_int_equal(load(text, &cfg, &p), 0);
    config_free(&cfg);
    unlink(pass);
    expect_one_problem(text, 2, "cannot be read");
}

static const host_config *load_ssh(opsdeck_config *cfg, const char *ssh)
{
    char text[512];
    config_problems p;
    snprintf(text, sizeof(text), "[env s]\n[host a]\nenv = s\nssh = %s\n", ssh);
    assert_int_equal(load(text, cfg, &p), 0);
    return config_host(cfg, "a");
}

static void ssh_forms(void **state)
{
    (void)state;
    opsdeck_config cfg;
    const host_config *h = load_ssh(&cfg, "deploy@example.org:2200");
    assert_string_equal(h->ssh_user, "deploy");
    assert_string_equal(h->ssh_host, "example.org");
    assert_int_equal(h->ssh_port, 2200);
    config_free(&cfg);
    h = load_ssh(&cfg, "example.org");
    assert_string_equal(h->ssh_user, "tester");
    assert_string_equal(h->ssh_host, "example.org");
    assert_int_equal(h->ssh_port, 22);
    config_free(&cfg);
    h = load_ssh(&cfg, "root@[::1]:2222");
    assert_string_equal(h->ssh_user, "root");
    assert_string_equal(h->ssh_host, "::1");
    assert_int_equal(h->ssh_port, 2222);
    config_free(&cfg);
}

static void ssh_config_alias(void **state)
{
    (void)state;
    char sshdir[160], sshcfg[200];
    snprintf(sshdir, sizeof(sshdir), "%s/.ssh", dir);
    mkdir(sshdir, 0700);
    snprintf(sshcfg, sizeof(sshcfg), "%s/config", sshdir);
    write_file(sshcfg,
               "# a comment\n"
               "Host other\n"
               "    HostName 10.9.9.9\n"
               "Host prod-*  !prod-skip\n"
               "    HostName 10.0.0.7\n"
               "    User ops\n"
               "    Port 2022\n"
               "    IdentityFile ~/.ssh/id_prod\n"
               "    ProxyJump bastion.example.org\n"
               "Host *\n"
               "    User fallback\n"
               "    Port 2999\n",
               0600);
    opsdeck_config cfg;
    const host_config *h = load_ssh(&cfg, "prod-web");
    assert_string_equal(h->ssh_host, "10.0.0.7");
    assert_string_equal(h->ssh_user, "ops");
    assert_int_equal(h->ssh_port, 2022);
    char want[256];
    snprintf(want, sizeof(want), "%s/.ssh/id_prod", dir);
    assert_string_equal(h->identity, want);
    assert_string_equal(h->jump, "bastion.example.org");
    config_free(&cfg);
    /* what the line says wins; a negated pattern does not match */
    h = load_ssh(&cfg, "me@prod-web:22");
    assert_string_equal(h->ssh_user, "me");
    assert_int_equal(h->ssh_port, 22);
    config_free(&cfg);
    h = load_ssh(&cfg, "prod-skip");
    assert_string_equal(h->ssh_host, "prod-skip");
    assert_string_equal(h->ssh_user, "fallback");
    assert_int_equal(h->ssh_port, 2999);
    config_free(&cfg);
    /* OPSDECK_SSH_CONFIG points elsewhere */
    setenv("OPSDECK_SSH_CONFIG", "/nonexistent", 1);
    h = load_ssh(&cfg, "prod-web");
    assert_string_equal(h->ssh_host, "prod-web");
    assert_null(h->jump);
    config_free(&cfg);
}

static void search_order(void **state)
{
    (void)state;
    char buf[512], want[512];
    assert_string_equal(config_find_path("/x/given.conf", buf, sizeof(buf)), "/x/given.conf");
    setenv("OPSDECK_CONFIG", "/from/env.conf", 1);
    assert_string_equal(config_find_path(NULL, buf, sizeof(buf)), "/from/env.conf");
    unsetenv("OPSDECK_CONFIG");
    snprintf(want, sizeof(want), "%s/.config/opsdeck/opsdeck.conf", dir);
    if (access("/etc/opsdeck/opsdeck.conf", F_OK) != 0)
        assert_string_equal(config_find_path(NULL, buf, sizeof(buf)), want);
    setenv("XDG_CONFIG_HOME", "/xdg", 1);
    if (access("/etc/opsdeck/opsdeck.conf", F_OK) != 0)
        assert_string_equal(config_find_path(NULL, buf, sizeof(buf)), "/xdg/opsdeck/opsdeck.conf");
    /* an existing XDG file is taken even when /etc has one */
    char xdg[160];
    snprintf(xdg, sizeof(xdg), "%s/xdg", dir);
    setenv("XDG_CONFIG_HOME", xdg, 1);
    snprintf(want, sizeof(want), "%s/opsdeck", xdg);
    mkdir(xdg, 0700);
    mkdir(want, 0700);
    snprintf(want, sizeof(want), "%s/opsdeck/opsdeck.conf", xdg);
    write_file(want, minimal, 0600);
    assert_string_equal(config_find_path(NULL, buf, sizeof(buf)), want);
    unsetenv("XDG_CONFIG_HOME");
}

static void tilde(void **state)
{
    (void)state;
    char want[256];
    char *s = config_expand_tilde("~/a/b");
    snprintf(want, sizeof(want), "%s/a/b", dir);
    assert_string_equal(s, want);
    free(s);
    s = config_expand_tilde("/abs/~x");
    assert_string_equal(s, "/abs/~x");
    free(s);
    s = config_expand_tilde("~other/x"); /* another user's home is not guessed */
    assert_string_equal(s, "~other/x");
    free(s);
}

static char *run_check(const char *text, mode_t mode, int *rc)
{
    write_file(path, text, mode);
    char out_path[160];
    snprintf(out_path, sizeof(out_path), "%s/check.out", dir);
    FILE *out = fopen(out_path, "w+");
    *rc = config_check_run(path, out);
    rewind(out);
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, out);
    buf[n] = '\0';
    fclose(out);
    return buf;
}

static void check_output(void **state)
{
    (void)state;
    int rc;
    char *out = run_check(minimal, 0600, &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, ": ok (1 host in 1 environment"));
    out = run_check("[env s]\n[host a]\nenv = s\nbogus = 1\nmetrics = nope\n", 0600, &rc);
    assert_int_equal(rc, 78);
    char want[512];
    snprintf(want, sizeof(want), "%s:4: unknown key 'bogus' in [host a]\n%s:5: metrics = nope",
             path, path);
    assert_non_null(strstr(out, want));
    out = run_check("[env s]\n", 0600, &rc);
    snprintf(want, sizeof(want), "%s: no [host NAME]", path);
    assert_non_null(strstr(out, want));
}

/* docker = none: a host without an engine has no containers source (so it
 * is never degraded for lacking one); any other value, the default too,
 * has one. */
static void docker_none_turns_containers_off(void **state)
{
    (void)state;
    opsdeck_config cfg;
    config_problems p;
    assert_int_equal(load("[env s]\n[host plain]\nenv = s\ndocker = none\n"
                          "[host engine]\nenv = s\n[host sudo]\nenv = s\ndocker = sudo docker\n",
                          &cfg, &p),
                     0);
    const host_config *hosts[] = {config_host(&cfg, "plain"), config_host(&cfg, "engine"),
                                  config_host(&cfg, "sudo")};
    fleet_model m;
    assert_int_equal(model_init(&m, &cfg, hosts, 3), 0);
    assert_false(m.hosts[0].status[SRC_CONTAINERS].configured);
    assert_true(m.hosts[1].status[SRC_CONTAINERS].configured);
    assert_true(m.hosts[2].status[SRC_CONTAINERS].configured);
    model_free(&m);
    config_free(&cfg);
}

static void the_shipped_example_loads(void **state)
{
    (void)state;
    /* examples/opsdeck.conf, copied private: it must be valid as shipped */
    FILE *in = fopen("examples/opsdeck.conf", "r");
    if (!in)
        in = fopen("../../../examples/opsdeck.conf", "r");
    assert_non_null(in);
    char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, in);
    buf[n] = '\0';
    fclose(in);
    opsdeck_config cfg;
    config_problems p;
    size_t problems = load(buf, &cfg, &p);
    for (size_t i = 0; i < problems; i++)
        fprintf(stderr, "  example:%d: %s\n", p.items[i].line, p.items[i].message);
    assert_int_equal(problems, 0);
    assert_true(cfg.nhosts >= 2);
    assert_non_null(config_env(&cfg, "production"));
    config_free(&cfg);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(defaults),
        T(production_defaults_to_typed),
        T(production_is_one_fact),
        T(full_example),
        T(every_error_names_its_line),
        T(a_long_line_is_refused),
        T(every_problem_is_collected),
        T(missing_file),
        T(a_readable_file_with_a_secret_is_refused),
        T(a_readable_password_file_is_refused),
        T(ssh_forms),
        T(ssh_config_alias),
        T(search_order),
        T(tilde),
        T(check_output),
        T(docker_none_turns_containers_off),
        T(the_shipped_example_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
