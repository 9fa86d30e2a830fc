/* The overview panel's parts (panel_overview.c puts them together; the
 * layout is overview_layout.h). Internal to src/ui/. */
#ifndef OPSDECK_UI_OVERVIEW_H
#define OPSDECK_UI_OVERVIEW_H

#include "opsdeck/attention.h"
#include "opsdeck/ui/overview_layout.h"
#include "opsdeck/ui/ui.h"

#define OVERVIEW_MAX_HOSTS 256

/* Status lines (overview_status.c): the current environment's, then one
 * for each other environment, production ones first (so production is on
 * screen, in its colour, whichever is selected). */
int overview_status_lines(const ui_t *ui);
void overview_draw_status(ui_t *ui, overview_box b, double now);

/* The hosts table (overview_hosts.c); hosts: indexes into the model. */
void overview_draw_hosts(ui_t *ui, overview_box b, const size_t *hosts, size_t n, double now);

/* "Needs attention" (overview_attention.c): the ranked list, v its
 * selection; "for 3m12s" from each item's since. */
void overview_draw_attention(ui_t *ui, overview_box b, const attention_list *l, const table_view *v,
                             double now);

/* "What changed" (overview_changes.c): the environment's changes, newest
 * first. */
int overview_changes_count(const ui_t *ui);
void overview_draw_changes(ui_t *ui, overview_box b, double now);

/* The selected host's sources, each with its age or why it is stale. */
void overview_draw_sources(ui_t *ui, overview_box b, const host_model *h, double now);
/* The same as text, for the pager (the `e` key). */
void overview_sources_text(const host_model *h, double now, char *buf, size_t size);

/* Enter on an attention line (overview_jump.c): its panel, its host, its row. */
void overview_jump(ui_t *ui, const attention_item *it);

#endif
