/* Restart a container: `docker restart NAME`, or `docker compose -f COMPOSE
 * restart SERVICE` when the container belongs to the host's compose project;
 * verified by the container running again (and healthy, where it has a
 * health check) within the plan's time. */
#ifndef OPSDECK_ACTIONS_RESTART_H
#define OPSDECK_ACTIONS_RESTART_H

#include "opsdeck/actions/action.h"

#define RESTART_TIMEOUT_MS 90000

/* Describes the restart of the container named name on host (it must be in
 * the host's latest container list). NULL with err when it cannot be. */
action_plan *restart_plan(app_t *app, size_t host, const char *name, char *err, size_t errsize);

#endif
