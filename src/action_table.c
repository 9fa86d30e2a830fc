/* The built-in actions, one row each (action_table.h). */
#include "opsdeck/action_table.h"

#include <string.h>

#ifndef OPSDECK_READONLY
#include "opsdeck/actions/flush.h"
#include "opsdeck/actions/pg_actions.h"
#include "opsdeck/actions/restart.h"
#define BUILDER(f) (f)
#else
#define BUILDER(f) NULL
#endif

const builtin_action builtin_actions[] = {
    {"restart", 'r', "containers", ACTION_TARGET_CONTAINER, ":restart [NAME]",
     "restart the selected (containers panel) or named container",
     "docker restart NAME, or docker compose restart of its compose service",
     BUILDER(restart_plan)},
    {"cancel", 'c', "postgres", ACTION_TARGET_BACKEND, ":cancel [PID]",
     "cancel the selected (postgres panel) or named backend's query",
     "SELECT pg_cancel_backend(PID) on the host's Postgres", BUILDER(pg_cancel_plan_target)},
    {"terminate", 't', "postgres", ACTION_TARGET_BACKEND, ":terminate [PID]",
     "terminate the selected (postgres panel) or named backend",
     "SELECT pg_terminate_backend(PID) on the host's Postgres", BUILDER(pg_terminate_plan_target)},
    {"kill-idle", 'K', NULL, ACTION_TARGET_HOST, ":kill-idle",
     "terminate every session idle in a transaction past idle_txn",
     "SELECT pg_terminate_backend(pid) of every session idle in a transaction past idle_txn",
     BUILDER(pg_kill_idle_plan)},
    {"flush", 'F', NULL, ACTION_TARGET_HOST, ":flush", "FLUSHDB of this host's Redis database",
     "FLUSHDB of the host's Redis database (redis_db)", BUILDER(flush_plan)},
};

const size_t builtin_actions_count = sizeof(builtin_actions) / sizeof(builtin_actions[0]);

const builtin_action *builtin_action_find(const char *name)
{
    for (size_t i = 0; name && i < builtin_actions_count; i++)
        if (!strcmp(builtin_actions[i].name, name))
            return &builtin_actions[i];
    return NULL;
}

const builtin_action *builtin_action_for_key(int key)
{
    for (size_t i = 0; i < builtin_actions_count; i++)
        if (builtin_actions[i].key == key)
            return &builtin_actions[i];
    return NULL;
}

bool console_key_taken(int key)
{
    /* q ? : Tab [ ] / panels 1..8, movement j k g G, l (logs), R
     * (reconnect), s (alerts: suppressed), Space (pager), Enter, Esc */
    static const char own[] = "q?:[]/12345678jkgGlRs \t\n\r";
    if (key <= 0 || key > 0x7e)
        return true;
    return strchr(own, key) != NULL || builtin_action_for_key(key) != NULL;
}
