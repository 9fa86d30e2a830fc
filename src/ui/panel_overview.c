/* Panel 1, the incident overview: what is wrong, where, since when, and
 * what to do. A status line per environment (production always among
 * them), the hosts table, "Needs attention" (ranked, each line with its
 * remedy; Enter goes to its panel and row), "What changed", and, when rows
 * are left, the selected host's sources. The parts are in overview_*.c;
 * where they go, and what gives way on a small terminal, is
 * overview_layout.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/audit_changes.h"
#include "opsdeck/runbook/runbook.h"
#include "opsdeck/ui/overview.h"
#include "opsdeck/ui/pager.h"

typedef struct overview {
    table_view view;        /* the attention list's selection */
    char selected_key[160]; /* the selection follows the item, not the row */
    size_t selected_host;
    attention_list list;
    audit_tail tail;
    runbook_set runbooks; /* for the runbook each line suggests */
    bool runbooks_loaded;
} overview;

static void *create(void)
{
    return calloc(1, sizeof(overview));
}

static void destroy(void *state)
{
    overview *st = state;
    runbook_set_free(&st->runbooks);
    free(st);
}

/* The runbooks directory, read once (--check is where its problems are
 * told; here a runbook that does not load is simply not suggested). */
static void load_runbooks(ui_t *ui, overview *st)
{
    if (st->runbooks_loaded || !ui->app->config)
        return;
    st->runbooks_loaded = true;
    char dir[4096];
    runbook_problems problems = {0};
    runbook_set_load(runbook_find_dir(ui->app->config, dir, sizeof(dir)), ui->app->config,
                     &st->runbooks, &problems);
    runbook_problems_free(&problems);
}

static const char *const help[] = {
    "j k arrows g G PgUp PgDn   select a line of Needs attention",
    "Enter                      go to its panel and row (its container, backend, alert)",
    "e                          the selected host's sources: their age, why one is stale",
    "[ ]                        previous / next host (the highlighted name in the table)",
    "Needs attention: critical first, then warnings, then silenced alerts; the oldest",
    "first within each; each line says for how long and the remedy at hand: the key of",
    "the action (r restart, c cancel, t terminate, K kill-idle, F flush), or the",
    "runbook whose for: matches (A: api-down: its key and name).",
    "What changed: container starts, image changes, health flips, alerts, and the",
    "actions in the audit log (who, what, result), newest first.",
    "Cells drawn as stale come from a source that did not answer its last poll.",
    NULL,
};

static size_t env_hosts(const ui_t *ui, size_t *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < ui->app->model.nhosts && n < max; i++)
        if (ui_host_in_env(ui, i))
            out[n++] = i;
    return n;
}

static int sources_lines(const host_model *h)
{
    int n = 0;
    for (int k = 0; h && k < SRC_COUNT; k++)
        n += h->status[k].configured;
    return n;
}

static void follow_selection(overview *st)
{
    for (size_t i = 0; st->selected_key[0] && i < st->list.count; i++)
        if (strcmp(st->list.items[i].key, st->selected_key) == 0 &&
            st->list.items[i].host == st->selected_host) {
            st->view.selected = (int)i;
            return;
        }
}

static void remember_selection(overview *st)
{
    if (st->view.selected < 0 || (size_t)st->view.selected >= st->list.count) {
        st->selected_key[0] = '\0';
        return;
    }
    const attention_item *it = &st->list.items[st->view.selected];
    snprintf(st->selected_key, sizeof(st->selected_key), "%s", it->key);
    st->selected_host = it->host;
}

static void draw(ui_t *ui, void *state, ui_rect area)
{
    overview *st = state;
    fleet_model *m = &ui->app->model;
    double now = loop_wall_time();
    const char *audit = ui->audit.path ? ui->audit.path : m->config ? m->config->audit_log : NULL;
    audit_changes_read(m, &st->tail, audit);
    attention_collect(m, ui_env_name(ui), now, &st->list);
    load_runbooks(ui, st);
    attention_suggest_runbooks(m, &st->runbooks, &st->list);
    follow_selection(st);

    size_t hosts[OVERVIEW_MAX_HOSTS];
    size_t n = env_hosts(ui, hosts, OVERVIEW_MAX_HOSTS);
    host_model *h = ui_host_in_env(ui, ui_host_index(ui)) ? ui_host(ui) : NULL;
    overview_needs needs = {
        .envs = overview_status_lines(ui),
        .attention = (int)st->list.count,
        .hosts = (int)n,
        .changes = overview_changes_count(ui),
        .sources = sources_lines(h),
    };
    overview_layout l;
    overview_layout_compute(area.y, area.x, area.h, area.w, &needs, &l);
    table_fit(&st->view, (int)st->list.count, l.attention.h > 1 ? l.attention.h - 1 : 1);
    remember_selection(st);

    overview_draw_status(ui, l.status, now);
    overview_draw_hosts(ui, l.hosts, hosts, n, now);
    overview_draw_attention(ui, l.attention, &st->list, &st->view, now);
    overview_draw_changes(ui, l.changes, now);
    if (h)
        overview_draw_sources(ui, l.sources, h, now);
}

static void show_sources(ui_t *ui)
{
    host_model *h = ui_host(ui);
    if (!h || !ui_host_in_env(ui, ui_host_index(ui)))
        return;
    char text[SRC_COUNT * (MODEL_ERROR_MAX + 80)], title[160];
    overview_sources_text(h, loop_wall_time(), text, sizeof(text));
    snprintf(title, sizeof(title), "sources of %s", h->config->name);
    pager_open(ui, title, text);
}

static bool key(ui_t *ui, void *state, int k, bool is_code)
{
    overview *st = state;
    if (!is_code && (k == '\n' || k == '\r')) {
        if (st->view.selected >= 0 && (size_t)st->view.selected < st->list.count)
            overview_jump(ui, &st->list.items[st->view.selected]);
        else
            ui_say(ui, false, "nothing needs attention here");
        return true;
    }
    if (!is_code && k == 'e') {
        show_sources(ui);
        return true;
    }
    if (!table_nav_key(&st->view, k, is_code))
        return false;
    remember_selection(st);
    return true;
}

const panel panel_overview = {
    .name = "overview",
    .create = create,
    .destroy = destroy,
    .draw = draw,
    .key = key,
    .help = help,
    .filterable = false,
};
