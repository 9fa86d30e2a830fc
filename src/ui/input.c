/* Keys: dialogs first (they own every key), then the line being edited,
 * the pager, the global keys, and last the current panel. */
#include <string.h>

#include "opsdeck/action_table.h"
#include "opsdeck/ui/command.h"
#include "opsdeck/ui/dialog.h"
#include "opsdeck/ui/pager.h"
#include "opsdeck/ui/paste.h"
#include "opsdeck/ui/ui.h"

#define KEY_ESC 27
#define KEY_TAB '\t'

int ui_line_key(int key, bool is_code)
{
    if (is_code) {
        switch (key) {
        case KEY_BACKSPACE:
        case KEY_DC:
            return LINE_KEY_BACKSPACE;
        case KEY_ENTER:
            return LINE_KEY_ENTER;
        default:
            return 0;
        }
    }
    switch (key) {
    case '\n':
    case '\r':
        return LINE_KEY_ENTER;
    case KEY_ESC:
        return LINE_KEY_ESCAPE;
    case 0x7f:
    case 0x08:
        return LINE_KEY_BACKSPACE;
    default:
        return key;
    }
}

static void run_command(ui_t *ui, const char *line)
{
    command c;
    command_parse(line, &c);
    switch (c.kind) {
    case CMD_NONE:
        break;
    case CMD_ENV:
        if (ui_select_env(ui, c.arg) < 0)
            ui_say(ui, true, "no environment named '%s'", c.arg);
        break;
    case CMD_HOST:
        if (ui_select_host(ui, c.arg) < 0)
            ui_say(ui, true, "no host named '%s'", c.arg);
        break;
    case CMD_PANEL: {
        int p = ui_panel_from_name(c.arg);
        if (p < 0)
            ui_say(ui, true,
                   "no panel named '%s' (overview containers signals postgres redis "
                   "alerts runbooks audit)",
                   c.arg);
        else
            ui_show_panel(ui, p);
        break;
    }
    case CMD_QUIT:
        ui_request_quit(ui);
        break;
    case CMD_ACTION:
        ui_action_request(ui, c.action, c.arg[0] ? c.arg : NULL);
        break;
    case CMD_HELP:
        ui_open_help(ui);
        break;
    case CMD_RECONNECT:
        ui_reconnect(ui);
        break;
    case CMD_RUN:
        ui_runbook_request(ui, c.arg);
        break;
    case CMD_LOGS:
        ui_logs_open(ui, c.arg[0] ? c.arg : NULL);
        break;
    case CMD_INVALID:
        ui_say(ui, true, "%s", c.message);
        break;
    }
}

static void edit_line(ui_t *ui, int key, bool is_code)
{
    int k = ui_line_key(key, is_code);
    if (k == 0)
        return;
    line_edit *e = ui->mode == UI_COMMAND ? &ui->cmdline : &ui->filter[ui->panel];
    line_result r = line_key(e, k);
    if (ui->mode == UI_FILTER) {
        if (r == LINE_CANCELLED)
            line_clear(e); /* Esc clears the filter */
        if (r != LINE_EDITING)
            ui->mode = UI_NORMAL;
        return;
    }
    if (r == LINE_EDITING)
        return;
    ui->mode = UI_NORMAL;
    if (r == LINE_DONE) {
        char line[LINE_EDIT_MAX];
        memcpy(line, e->text, sizeof(line));
        run_command(ui, line);
    }
    line_clear(e);
}

/* The keys every panel shares. Returns true when key was one of them. */
static bool global_key(ui_t *ui, int key, bool is_code)
{
    if (is_code) {
        if (key == KEY_BTAB) {
            ui_step_env(ui, -1);
            return true;
        }
        return false;
    }
    /* the actions (action_table.h): on the selected row of their panel
     * (r: containers, c t: postgres) or on the host (K, F); the action path
     * decides what may happen */
    const builtin_action *a = builtin_action_for_key(key);
    if (a) {
        if (a->panel && strcmp(ui_panels[ui->panel]->name, a->panel))
            return false;
        ui_action_request(ui, a->name, NULL);
        return true;
    }
    switch (key) {
    case 'q':
        ui_request_quit(ui);
        return true;
    case 'R':
        ui_reconnect(ui);
        return true;
    case '?':
        ui_open_help(ui);
        return true;
    case ':':
        line_clear(&ui->cmdline);
        ui->mode = UI_COMMAND;
        return true;
    case KEY_TAB:
        ui_step_env(ui, 1);
        return true;
    case '[':
        ui_step_host(ui, -1);
        return true;
    case ']':
        ui_step_host(ui, 1);
        return true;
    case '/':
        if (ui_panels[ui->panel]->filterable)
            ui->mode = UI_FILTER;
        else
            ui_say(ui, true, "%s: nothing to filter here", ui_panels[ui->panel]->name);
        return true;
    case KEY_ESC:
        line_clear(&ui->filter[ui->panel]);
        return true;
    default:
        if (key >= '1' && key <= '0' + PANEL_COUNT) {
            ui_show_panel(ui, key - '1');
            return true;
        }
        return ui_runbook_key(ui, key);
    }
}

void ui_key(ui_t *ui, int key, bool is_code)
{
    if (paste_filter(ui, key, is_code))
        return;
    if (dialog_active(ui)) {
        dialog_key(ui, key, is_code);
        return;
    }
    if (ui->mode != UI_NORMAL) {
        edit_line(ui, key, is_code);
        return;
    }
    ui->status[0] = '\0'; /* a message lasts until the next key */
    if (ui_action_view_key(ui, key, is_code))
        return;
    if (ui_runbook_view_key(ui, key, is_code))
        return;
    if (ui->pager && pager_key(ui, key, is_code))
        return;
    if (ui_log_view_key(ui, key, is_code))
        return;
    if (global_key(ui, key, is_code))
        return;
    const panel *p = ui_panels[ui->panel];
    if (p->key)
        p->key(ui, ui->panel_state[ui->panel], key, is_code);
}
