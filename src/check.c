/* `opsdeck --check` (see check.h). */
#include "opsdeck/check.h"

#include <limits.h>

#include "opsdeck/config.h"

#define EXIT_CONFIG 78

int config_check_run(const char *path, FILE *out)
{
    char buf[PATH_MAX];
    const char *file = config_find_path(path, buf, sizeof(buf));
    opsdeck_config cfg;
    config_problems problems = {0};
    int rc = config_load(file, &cfg, &problems);
    for (size_t i = 0; i < problems.count; i++) {
        const config_problem *p = &problems.items[i];
        if (p->line > 0)
            fprintf(out, "%s:%d: %s\n", p->file, p->line, p->message);
        else
            fprintf(out, "%s: %s\n", p->file, p->message);
    }
    if (rc == 0)
        fprintf(out, "%s: ok (%zu host%s in %zu environment%s, %zu runbook%s)\n", file, cfg.nhosts,
                cfg.nhosts == 1 ? "" : "s", cfg.nenvs, cfg.nenvs == 1 ? "" : "s", cfg.nrunbooks,
                cfg.nrunbooks == 1 ? "" : "s");
    config_problems_free(&problems);
    config_free(&cfg);
    return rc == 0 ? 0 : EXIT_CONFIG;
}
