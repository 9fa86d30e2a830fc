/* The panel table: keys 1..8 and `:panel NAME` index it. A panel is one
 * file (panel_NAME.c, defining `const panel panel_NAME`) plus its row
 * here; a slot without one is NULL and its key says so. */
#include <string.h>

#include "opsdeck/ui/ui.h"

extern const panel panel_overview, panel_containers, panel_signals, panel_postgres, panel_redis,
    panel_alerts, panel_runbooks, panel_audit;

const panel *const ui_panels[PANEL_COUNT] = {
    [PANEL_OVERVIEW] = &panel_overview, [PANEL_CONTAINERS] = &panel_containers,
    [PANEL_SIGNALS] = &panel_signals,   [PANEL_POSTGRES] = &panel_postgres,
    [PANEL_REDIS] = &panel_redis,       [PANEL_ALERTS] = &panel_alerts,
    [PANEL_RUNBOOKS] = &panel_runbooks, [PANEL_AUDIT] = &panel_audit,
};

int ui_panel_from_name(const char *name)
{
    for (int i = 0; i < PANEL_COUNT; i++)
        if (ui_panels[i] && strcmp(ui_panels[i]->name, name) == 0)
            return i;
    return -1;
}
