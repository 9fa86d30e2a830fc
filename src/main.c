/* opsdeck: the entry point. Parses the command line and hands over to the
 * console, the snapshot, the config check or the audit verifier. */
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opsdeck/adhoc.h"
#include "opsdeck/app.h"
#include "opsdeck/audit.h"
#include "opsdeck/gate.h"
#include "opsdeck/check.h"
#include "opsdeck/exit_status.h"
#include "opsdeck/config.h"
#include "opsdeck/first_run.h"
#include "opsdeck/runbook/plan.h"
#include "opsdeck/snapshot.h"
#include "opsdeck/ui/console.h"

#define MAX_HOSTS 64

typedef enum { MODE_CONSOLE, MODE_ONCE, MODE_CHECK, MODE_PLAN, MODE_VERIFY_AUDIT } run_mode;

typedef struct cli {
    run_mode mode;
    bool json;
    bool read_only;
    const char *config;
    const char *env;
    const char *hosts[MAX_HOSTS + 1];
    int nhosts;
    const char *theme;
    int interval_s;
    const char *audit_file;
    const char *const *dests; /* DESTINATION...: ad hoc hosts, no config */
    int ndests;
    const char *runbook; /* --plan */
} cli;

static void usage(FILE *f)
{
    fputs("usage: opsdeck [-c FILE] [-e ENV] [-H HOST]... [-r|--read-only] [-t THEME] "
          "[-i SECONDS]\n"
          "       opsdeck --once [--json] [-c FILE] [-e ENV] [-H HOST]... [-i SECONDS]\n"
          "       opsdeck --check [-c FILE]\n"
          "       opsdeck --plan RUNBOOK [-c FILE] [-e ENV] [-H HOST]...\n"
          "       opsdeck --verify-audit FILE\n"
          "       opsdeck --version | --help\n"
          "       opsdeck [options] DESTINATION...   (no config: [user@]host[:port] or an ssh "
          "alias)\n",
          f);
}

static void help(void)
{
    usage(stdout);
    fputs("\n"
          "A terminal console for on-call engineers: golden signals, containers,\n"
          "Postgres, Redis, WebSocket stats and alerts of a service's hosts over SSH.\n"
          "\n"
          "  -c, --config FILE     config file (default: $OPSDECK_CONFIG,\n"
          "                        $XDG_CONFIG_HOME/opsdeck/opsdeck.conf, "
          "/etc/opsdeck/opsdeck.conf)\n"
          "  -e, --env ENV         only the hosts of this environment\n"
          "  -H, --host HOST       only this host (repeatable)\n"
          "  -r, --read-only       show everything, change nothing\n"
          "  -t, --theme THEME     colour theme (default, light, high-contrast, mono)\n"
          "  -i, --interval SECS   seconds between refreshes (default: the config's, 2)\n"
          "      --once            poll twice one interval apart, print a snapshot, exit\n"
          "                        (0 all answered, 1 a source failed, 2 something critical)\n"
          "      --json            with --once: the snapshot as JSON (schema version 1)\n"
          "      --check           validate the config and every runbook: FILE:LINE: message\n"
          "                        per problem\n"
          "      --plan RUNBOOK    print what the runbook would run on each selected host\n"
          "                        (every step, the exact command, its confirmation);\n"
          "                        connects to nothing\n"
          "      --verify-audit FILE  check an audit log's hash chain\n"
          "      --version         print the version\n"
          "      --help            this help\n"
          "\n"
          "DESTINATION ([user@]host[:port], or a Host alias of ~/.ssh/config, ProxyJump\n"
          "included) opens those hosts with no config file: environment adhoc (confirm by\n"
          "typing its name), containers through docker, and the node_exporter (:9100),\n"
          "metrics and health (:8000) the host answers on, looked for once at connect.\n"
          "A host behind a jump host: jump = in the config, or ProxyJump in ~/.ssh/config.\n"
          "\n"
          "In the console, ? shows the keys of the current panel; R (:reconnect)\n"
          "reconnects the selected host now, also after a refused login; l on the\n"
          "containers panel (:logs [NAME]) follows a container's log. See opsdeck(1),\n"
          "opsdeck.conf(5) and opsdeck-runbook(5).\n",
          stdout);
}

static int parse_interval(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 1 || v > 3600)
        return -1;
    *out = (int)v;
    return 0;
}

/* Returns -1 to exit 0 (--help/--version), EXIT_USAGE on a usage error. */
static int parse_cli(int argc, char **argv, cli *c)
{
    enum { OPT_ONCE = 256, OPT_JSON, OPT_CHECK, OPT_PLAN, OPT_VERIFY, OPT_VERSION, OPT_HELP };
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"env", required_argument, NULL, 'e'},
        {"host", required_argument, NULL, 'H'},
        {"read-only", no_argument, NULL, 'r'},
        {"theme", required_argument, NULL, 't'},
        {"interval", required_argument, NULL, 'i'},
        {"once", no_argument, NULL, OPT_ONCE},
        {"json", no_argument, NULL, OPT_JSON},
        {"check", no_argument, NULL, OPT_CHECK},
        {"plan", required_argument, NULL, OPT_PLAN},
        {"verify-audit", required_argument, NULL, OPT_VERIFY},
        {"version", no_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    int opt;
    bool once = false, check = false;
    while ((opt = getopt_long(argc, argv, "c:e:H:rt:i:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            c->config = optarg;
            break;
        case 'e':
            c->env = optarg;
            break;
        case 'H':
            if (c->nhosts == MAX_HOSTS) {
                fprintf(stderr, "opsdeck: at most %d -H options\n", MAX_HOSTS);
                return EXIT_USAGE;
            }
            c->hosts[c->nhosts++] = optarg;
            break;
        case 'r':
            c->read_only = true;
            break;
        case 't':
            c->theme = optarg;
            break;
        case 'i':
            if (parse_interval(optarg, &c->interval_s) < 0) {
                fprintf(stderr, "opsdeck: -i takes whole seconds from 1 to 3600, not '%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_ONCE:
            once = true;
            break;
        case OPT_JSON:
            c->json = true;
            break;
        case OPT_CHECK:
            check = true;
            break;
        case OPT_PLAN:
            c->runbook = optarg;
            break;
        case OPT_VERIFY:
            c->mode = MODE_VERIFY_AUDIT;
            c->audit_file = optarg;
            break;
        case OPT_VERSION:
            printf("opsdeck %s\n", OPSDECK_VERSION);
            return -1;
        case OPT_HELP:
            help();
            return -1;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        /* DESTINATION...: every host given, and no config file */
        if (c->config || c->env || c->nhosts || check || c->runbook ||
            c->mode == MODE_VERIFY_AUDIT) {
            fprintf(stderr,
                    "opsdeck: '%s': a DESTINATION goes without -c, -e, -H, --check, --plan and "
                    "--verify-audit (it needs no config file)\n",
                    argv[optind]);
            usage(stderr);
            return EXIT_USAGE;
        }
        c->dests = (const char *const *)argv + optind;
        c->ndests = argc - optind;
    }
    bool plan = c->runbook != NULL;
    if (once + check + plan + (c->mode == MODE_VERIFY_AUDIT) > 1) {
        fputs("opsdeck: --once, --check, --plan and --verify-audit exclude each other\n", stderr);
        return EXIT_USAGE;
    }
    if (plan && (c->json || c->read_only || c->theme || c->interval_s)) {
        fputs("opsdeck: --plan takes -c, -e and -H only\n", stderr);
        return EXIT_USAGE;
    }
    if (c->json && !once) {
        fputs("opsdeck: --json goes with --once\n", stderr);
        return EXIT_USAGE;
    }
    if (once && (c->read_only || c->theme)) {
        fputs("opsdeck: --once changes nothing and draws nothing: no -r or -t\n", stderr);
        return EXIT_USAGE;
    }
    if (once)
        c->mode = MODE_ONCE;
    else if (check)
        c->mode = MODE_CHECK;
    else if (plan)
        c->mode = MODE_PLAN;
    return 0;
}

/* Loads the config, printing every problem as --check does. */
static int load_config(const cli *c, opsdeck_config *cfg)
{
    char path[PATH_MAX];
    config_find_path(c->config, path, sizeof(path));
    config_problems problems = {0};
    int rc = config_load(path, cfg, &problems);
    for (size_t i = 0; i < problems.count; i++) {
        const config_problem *p = &problems.items[i];
        if (p->line > 0)
            fprintf(stderr, "%s:%d: %s\n", p->file, p->line, p->message);
        else
            fprintf(stderr, "%s: %s\n", p->file, p->message);
    }
    config_problems_free(&problems);
    if (rc < 0) {
        fprintf(stderr, "opsdeck: %s has problems; `opsdeck --check -c %s` lists them\n", path,
                path);
        return -1;
    }
    return 0;
}

static int console_main(const opsdeck_config *cfg, const app_options *opts,
                        const console_options *copts)
{
    loop_t *loop = loop_new();
    if (!loop)
        return EXIT_FAILURE;
    app_t app;
    char err[512] = "";
    int rc = app_init(&app, loop, cfg, opts, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "opsdeck: %s\n", err[0] ? err : "out of memory");
        app_free(&app);
        loop_free(loop);
        return rc == APP_ERR_SELECTION ? EXIT_USAGE : EXIT_CONFIG;
    }
    app_start(&app);
    rc = console_run(&app, copts);
    app_free(&app);
    loop_free(loop);
    return rc;
}

/* No -c, no $OPSDECK_CONFIG and none of the usual files: a first run. */
static bool first_run(const cli *c, char *path, size_t size)
{
    if (c->config || getenv("OPSDECK_CONFIG"))
        return false;
    config_find_path(NULL, path, size);
    return access(path, F_OK) != 0;
}

/* The config of ad hoc hosts, their endpoints probed once. */
static int load_adhoc(const cli *c, opsdeck_config *cfg)
{
    config_problems problems = {0};
    int rc = adhoc_config(c->dests, (size_t)c->ndests, cfg, &problems);
    for (size_t i = 0; i < problems.count; i++)
        fprintf(stderr, "opsdeck: %s\n", problems.items[i].message);
    config_problems_free(&problems);
    if (rc < 0)
        return -1;
    char note[4096];
    adhoc_probe(cfg, 10000, note, sizeof(note));
    fputs(note, stderr); /* what was found (before the screen takes over) */
    return 0;
}

static int run_with_config(const cli *c)
{
    opsdeck_config cfg;
    char path[PATH_MAX];
    if (!c->ndests && first_run(c, path, sizeof(path))) {
        first_run_print(stderr, path);
        return EXIT_CONFIG;
    }
    if (c->ndests ? load_adhoc(c, &cfg) < 0 : load_config(c, &cfg) < 0) {
        config_free(&cfg);
        return c->ndests ? EXIT_USAGE : EXIT_CONFIG;
    }
    app_options opts = {
        .interactive = c->mode == MODE_CONSOLE,
        .interval_s = c->interval_s,
        .only_env = c->env,
        .only_hosts = c->nhosts ? c->hosts : NULL,
    };
    int rc;
    if (c->mode == MODE_ONCE) {
        rc = snapshot_run(&cfg, &opts, c->json, stdout);
    } else {
        console_options copts = {
            .theme = c->theme ? c->theme : cfg.theme,
            /* a READONLY build is read-only whatever the flags say */
            .read_only = gate_is_read_only(c->read_only || cfg.read_only),
            .start_env = c->env,
        };
        rc = console_main(&cfg, &opts, &copts);
    }
    config_free(&cfg);
    return rc;
}

int main(int argc, char **argv)
{
    /* Only character handling follows the user's locale (ncurses needs the
     * charset for wide characters). Numbers, times and messages stay "C":
     * LC_ALL=es_ES.UTF-8 must not turn "0.25" into 0 or "0,25" into output
     * (numbers.h). */
    setlocale(LC_CTYPE, "");
    /* a peer closing a tunnel or channel must be an error return, not death */
    signal(SIGPIPE, SIG_IGN);
    cli c = {0};
    int rc = parse_cli(argc, argv, &c);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    switch (c.mode) {
    case MODE_CHECK:
        return config_check_run(c.config, stdout);
    case MODE_PLAN:
        return runbook_plan_run(c.config, c.runbook, c.env, c.hosts, (size_t)c.nhosts, stdout,
                                stderr);
    case MODE_VERIFY_AUDIT:
        return audit_verify(c.audit_file, stdout);
    case MODE_ONCE:
    case MODE_CONSOLE:
        break;
    }
    return run_with_config(&c);
}
