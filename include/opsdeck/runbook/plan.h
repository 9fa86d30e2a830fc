/* `opsdeck --plan RUNBOOK`: what a runbook would do on each selected host,
 * for review before it runs (like a `terraform plan`). Every step with its
 * kind, the exact command after substitution, and the confirmation it
 * needs. Connects to nothing and changes nothing. The format is in
 * opsdeck(1), PLAN OUTPUT. */
#ifndef OPSDECK_RUNBOOK_PLAN_H
#define OPSDECK_RUNBOOK_PLAN_H

#include <stdio.h>

#include "opsdeck/config.h"
#include "opsdeck/runbook/runbook.h"

/* The plan of rb on host (its environment env, NULL when not configured)
 * to out. Returns 0, or -1 when a step cannot be planned there (a value
 * the host does not have): that step's line says why, and so does err. */
int runbook_plan_print(const runbook *rb, const host_config *host, const env_config *env, FILE *out,
                       char *err, size_t errsize);

/* The whole of --plan: the config (config_path, or the search order), the
 * runbooks, the hosts selected by only_env and only_hosts (every host when
 * none), a plan per host. Returns 0, 64 (usage: no such runbook, host or
 * environment), or 78 (the config or a runbook does not validate, or a step
 * cannot be planned on a selected host). Problems go to errout. */
int runbook_plan_run(const char *config_path, const char *name, const char *only_env,
                     const char *const *only_hosts, size_t nhosts, FILE *out, FILE *errout);

#endif
