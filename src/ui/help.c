/* `?` and `:help`: the keys of the current panel, then the global keys and
 * commands, in the pager. */
#include <stdio.h>
#include <string.h>

#include "opsdeck/action_table.h"
#include "opsdeck/ui/pager.h"
#include "opsdeck/ui/ui.h"

/* Stands in global_help[] for the panels' line, made from ui_panels[]. */
static const char panels_line[] = "1..N  :panel NAME";

static const char *const global_help[] = {
    "q  :quit            quit (asks first while an action is running)",
    "?  :help            this help",
    ":                   command mode (Backspace edits, Esc cancels, Enter runs)",
    "Tab / Shift-Tab     next / previous environment",
    ":env NAME           show environment NAME",
    "[ / ]               previous / next host of the environment",
    ":host NAME          show host NAME",
    panels_line,
    "/                   filter the current table (Enter keeps it, Esc clears)",
    "Esc                 clear the filter",
    NULL, /* here: the actions, from action_table.h */
    "R  :reconnect       reconnect this host now (also after a refused login)",
    "l  :logs [NAME]     a container's log, followed (l on panel 2: the selected one)",
    "KEY  :run NAME      start runbook NAME on this host (KEY: its key: in panel 7)",
    "                    its checks run by themselves; the plan is confirmed once before",
    "                    its first act; Esc leaves the run view, the run goes on;",
    "                    in it: j k G step shown, PgUp PgDn scroll its output",
    "Every action shows what runs where and asks as the environment says: y, or",
    "its name typed then Enter. Read-only (-r) refuses them all, in the audit log.",
    NULL,
};

static void append(char *buf, size_t size, size_t *len, const char *line)
{
    int n = snprintf(buf + *len, size - *len, "%s\n", line);
    if (n > 0 && (size_t)n < size - *len)
        *len += (size_t)n;
}

/* "1..8  :panel NAME   overview containers ...": the keys and names of
 * the panel table, in key order. */
static void describe_panels(char *line, size_t size)
{
    size_t len = (size_t)snprintf(line, size, "  1..%d  :panel NAME  ", PANEL_COUNT);
    for (int i = 0; i < PANEL_COUNT && len < size; i++)
        if (ui_panels[i])
            len += (size_t)snprintf(line + len, size - len, " %s", ui_panels[i]->name);
}

void ui_open_help(ui_t *ui)
{
    char text[4096];
    size_t len = 0;
    text[0] = '\0';
    const panel *p = ui_panels[ui->panel];
    char heading[64];
    snprintf(heading, sizeof(heading), "%s panel:", p->name);
    append(text, sizeof(text), &len, heading);
    for (const char *const *l = p->help; l && *l; l++) {
        char line[160];
        snprintf(line, sizeof(line), "  %s", *l);
        append(text, sizeof(text), &len, line);
    }
    append(text, sizeof(text), &len, "");
    append(text, sizeof(text), &len, "Everywhere:");
    size_t n = sizeof(global_help) / sizeof(global_help[0]);
    for (size_t i = 0; i + 1 < n; i++) {
        char line[160];
        if (global_help[i] == panels_line) {
            describe_panels(line, sizeof(line));
            append(text, sizeof(text), &len, line);
            continue;
        }
        if (global_help[i]) {
            snprintf(line, sizeof(line), "  %s", global_help[i]);
            append(text, sizeof(text), &len, line);
            continue;
        }
        for (size_t a = 0; a < builtin_actions_count; a++) {
            const builtin_action *act = &builtin_actions[a];
            snprintf(line, sizeof(line), "  %c  %-16s %s", act->key, act->usage, act->help);
            append(text, sizeof(text), &len, line);
        }
    }
    if (ui->opts->read_only) {
        append(text, sizeof(text), &len, "");
        append(text, sizeof(text), &len, "READ-ONLY: this console shows, and changes nothing.");
    }
    append(text, sizeof(text), &len, "");
    append(text, sizeof(text), &len, "q or Esc closes this help.");
    pager_open(ui, "help", text);
}
