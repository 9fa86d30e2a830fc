/* The panel table: keys 1..8 and `:panel NAME` index it. A later panel is
 * one new file plus its entry here; until then the slot is NULL and the
 * console says the panel is not in this build. */
#include <string.h>

#include "opsdeck/ui/ui.h"

const char *const ui_panel_names[PANEL_COUNT] = {
    [PANEL_OVERVIEW] = "overview", [PANEL_CONTAINERS] = "containers", [PANEL_SIGNALS] = "signals",
    [PANEL_POSTGRES] = "postgres", [PANEL_REDIS] = "redis",           [PANEL_ALERTS] = "alerts",
    [PANEL_RUNBOOKS] = "runbooks", [PANEL_AUDIT] = "audit",
};

const panel *const ui_panels[PANEL_COUNT] = {
    [PANEL_OVERVIEW] = &panel_overview, [PANEL_CONTAINERS] = &panel_containers,
    [PANEL_SIGNALS] = &panel_signals,   [PANEL_POSTGRES] = &panel_postgres,
    [PANEL_REDIS] = &panel_redis,       [PANEL_ALERTS] = &panel_alerts,
    [PANEL_RUNBOOKS] = &panel_runbooks, [PANEL_AUDIT] = &panel_audit,
};

int ui_panel_from_name(const char *name)
{
    for (int i = 0; i < PANEL_COUNT; i++)
        if (strcmp(ui_panel_names[i], name) == 0)
            return i;
    return -1;
}
