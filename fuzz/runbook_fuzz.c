/* libFuzzer target for the runbook loader (libyaml and every key's value
 * parser, src/runbook/load.c) and the checks across files and against the
 * config (validate.c): the input is written to a private .yml file that
 * runbook_load_file reads, as it reads an engineer's runbook; what loads is
 * validated as a set of one against a config with two environments, and
 * every step's command and action argument is substituted for a host. Any
 * bytes end in a runbook or in problems with a line, never a crash. */
#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "opsdeck/config.h"
#include "opsdeck/runbook/runbook.h"

static const char config_text[] = "[opsdeck]\n"
                                  "interval = 2\n"
                                  "[env staging]\n"
                                  "confirm = yes\n"
                                  "[env production]\n"
                                  "confirm = typed\n"
                                  "[host prod-api]\n"
                                  "env = production\n"
                                  "ssh = deploy@127.0.0.1:22\n"
                                  "docker = sudo docker\n"
                                  "health = http://127.0.0.1:8000/api/v1/health\n"
                                  "postgres = host=127.0.0.1 dbname=app\n"
                                  "redis = 127.0.0.1:6379\n";

static char path[64];
static opsdeck_config cfg;
static bool have_cfg;

static void write_file(const char *p, const void *data, size_t size)
{
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        abort();
    if (write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
}

static void load_config(void)
{
    char conf[64];
    snprintf(conf, sizeof(conf), "/dev/shm/opsdeck-runbook-fuzz.%d.conf", (int)getpid());
    write_file(conf, config_text, sizeof(config_text) - 1);
    config_problems problems = {0};
    if (config_load(conf, &cfg, &problems) != 0)
        abort(); /* the harness's own config must load */
    config_problems_free(&problems);
    unlink(conf);
    have_cfg = true;
}

static void substitute_steps(const runbook_step *steps, size_t n, const host_config *host)
{
    char out[4096], err[256];
    for (size_t i = 0; i < n; i++) {
        if (steps[i].run)
            runbook_substitute(steps[i].run, host, out, sizeof(out), err, sizeof(err));
        if (steps[i].action_arg)
            runbook_expand(steps[i].action_arg, host, out, sizeof(out), err, sizeof(err));
        for (size_t o = 0; o < steps[i].noptions; o++)
            substitute_steps(steps[i].options[o].steps, steps[i].options[o].nsteps, host);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!have_cfg)
        load_config();
    if (!path[0])
        snprintf(path, sizeof(path), "/dev/shm/opsdeck-runbook-fuzz.%d.yml", (int)getpid());
    write_file(path, data, size);
    runbook rb;
    runbook_problems problems = {0};
    int rc = runbook_load_file(path, &rb, &problems);
    assert(rc == 0 || problems.count > 0);
    for (size_t i = 0; i < problems.count; i++)
        assert(problems.items[i].message && problems.items[i].message[0]);
    if (rc == 0) {
        runbook_set set = {.items = &rb, .count = 1};
        runbook_validate_set(&set, &cfg, &problems);
        for (size_t h = 0; h < cfg.nhosts; h++)
            substitute_steps(rb.steps, rb.nsteps, &cfg.hosts[h]);
        for (size_t e = 0; e < cfg.nenvs; e++)
            (void)runbook_confirm_for(&rb, &cfg.envs[e]);
        runbook_free(&rb);
    }
    runbook_problems_free(&problems);
    unlink(path);
    return 0;
}
