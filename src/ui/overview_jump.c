/* Enter on a "needs attention" line: the panel and row it is about, on its
 * host. The panel's `/` filter is cleared so the row is there to select. */
#include <stdio.h>

#include "opsdeck/ui/overview.h"
#include "opsdeck/ui/pager.h"

static int panel_of(attention_kind kind)
{
    switch (kind) {
    case ATT_ALERT:
        return PANEL_ALERTS;
    case ATT_CONTAINER:
        return PANEL_CONTAINERS;
    case ATT_HEALTH:
    case ATT_SIGNAL:
        return PANEL_SIGNALS;
    case ATT_BLOCKED:
    case ATT_SLOW_QUERY:
    case ATT_IDLE_TXN:
        return PANEL_POSTGRES;
    case ATT_REDIS:
        return PANEL_REDIS;
    case ATT_HOST:
    case ATT_SOURCE:
        break;
    }
    return PANEL_OVERVIEW;
}

void overview_jump(ui_t *ui, const attention_item *it)
{
    const host_model *h = &ui->app->model.hosts[it->host];
    ui_set_host(ui, it->host);
    int to = panel_of(it->kind);
    if (to == PANEL_OVERVIEW) {
        /* a host or source that does not answer: why, in its own words */
        char text[SRC_COUNT * (MODEL_ERROR_MAX + 80)];
        overview_sources_text(h, loop_wall_time(), text, sizeof(text));
        char title[160];
        snprintf(title, sizeof(title), "sources of %s", h->config->name);
        pager_open(ui, title, text);
        return;
    }
    line_clear(&ui->filter[to]);
    if (it->kind == ATT_CONTAINER)
        ui_containers_select(ui, it->subject);
    else if (to == PANEL_POSTGRES)
        ui_postgres_select_pid(ui, it->pid);
    else if (it->kind == ATT_ALERT)
        ui_alerts_select(ui, h->config->name, it->subject, it->state, it->severity == ATT_SILENCED);
    ui_show_panel(ui, to);
}
