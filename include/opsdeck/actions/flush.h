/* Flush the cache (`F`, `:flush`): FLUSHDB of the host's configured Redis
 * database (redis_db), over a connection of its own through the host's
 * tunnel; verified by DBSIZE answering 0 right after. */
#ifndef OPSDECK_ACTIONS_FLUSH_H
#define OPSDECK_ACTIONS_FLUSH_H

#include "opsdeck/actions/action.h"

#define FLUSH_TIMEOUT_MS 15000

/* NULL with err when the host has no redis =. target is unused (the host's
 * own database): the action table's builder signature. */
action_plan *flush_plan(app_t *app, size_t host, const char *target, char *err, size_t errsize);

#endif
