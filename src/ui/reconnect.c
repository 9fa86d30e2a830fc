/* R and :reconnect: the selected host's connection, made again now rather
 * than after the backoff, and also after a refused login, which is
 * otherwise not retried (the same key would be refused again: the person
 * who fixed it says when). */
#include "opsdeck/transport/transport.h"
#include "opsdeck/ui/ui.h"

void ui_reconnect(ui_t *ui)
{
    host_model *h = ui_host(ui);
    if (!h) {
        ui_say(ui, true, "reconnect: no host selected");
        return;
    }
    size_t i = ui_host_index(ui);
    transport_t *t = app_host_transport(ui->app, i);
    if (transport_is_local(t)) {
        ui_say(ui, false, "%s: this machine: nothing to reconnect", h->config->name);
        return;
    }
    if (ui_action_busy(ui)) {
        /* cutting the session would cut the action's output and verify */
        ui_say(ui, true, "%s: an action is running; reconnect when it is done", h->config->name);
        return;
    }
    transport_reconnect(t);
    ui_say(ui, false, "%s: reconnecting", h->config->name);
}
