/* `opsdeck --check` (see check.h). */
#include "opsdeck/check.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/config.h"
#include "opsdeck/exit_status.h"
#include "opsdeck/runbook/runbook.h"

static void print_problem(FILE *out, const char *file, int line, const char *note,
                          const char *message)
{
    if (line > 0)
        fprintf(out, "%s:%d: %s%s\n", file, line, note, message);
    else
        fprintf(out, "%s: %s%s\n", file, note, message);
}

/* By file, then line: each file's problems together, in reading order. */
static int by_place(const void *a, const void *b)
{
    const runbook_problem *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    if (c)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return 0;
}

/* Every runbook of the config's directory; the number of problems. */
static size_t check_runbooks(const opsdeck_config *cfg, FILE *out, runbook_set *set)
{
    char buf[PATH_MAX];
    const char *dir = runbook_find_dir(cfg, buf, sizeof(buf));
    runbook_problems problems = {0};
    runbook_set_load(dir, cfg, set, &problems);
    if (problems.count)
        qsort(problems.items, problems.count, sizeof(*problems.items), by_place);
    for (size_t i = 0; i < problems.count; i++) {
        const runbook_problem *p = &problems.items[i];
        print_problem(out, p->file, p->line, p->note ? "note: " : "", p->message);
    }
    size_t n = runbook_problems_count(&problems);
    runbook_problems_free(&problems);
    return n;
}

int config_check_run(const char *path, FILE *out)
{
    char buf[PATH_MAX];
    const char *file = config_find_path(path, buf, sizeof(buf));
    opsdeck_config cfg;
    config_problems problems = {0};
    int rc = config_load(file, &cfg, &problems);
    for (size_t i = 0; i < problems.count; i++) {
        const config_problem *p = &problems.items[i];
        print_problem(out, p->file, p->line, "", p->message);
    }
    runbook_set set = {0};
    size_t rb_problems = check_runbooks(&cfg, out, &set);
    if (rc == 0 && rb_problems == 0) {
        fprintf(out, "%s: ok (%zu host%s in %zu environment%s, %zu runbook%s", file, cfg.nhosts,
                cfg.nhosts == 1 ? "" : "s", cfg.nenvs, cfg.nenvs == 1 ? "" : "s", set.count,
                set.count == 1 ? "" : "s");
        if (set.dir)
            fprintf(out, " in %s", set.dir);
        fputs(")\n", out);
    }
    runbook_set_free(&set);
    config_problems_free(&problems);
    config_free(&cfg);
    return rc == 0 && rb_problems == 0 ? 0 : EXIT_CONFIG;
}
