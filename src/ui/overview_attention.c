/* The overview's "Needs attention": one line per item, ranked, each with
 * its severity, host, what, how long ("for 3m12s") and the remedy at hand
 * (a key, or the runbook for it). */
#include <stdio.h>

#include "opsdeck/ui/overview.h"
#include "opsdeck/ui/text.h"

#define SEV_W    4
#define SINCE_W  11 /* "for 12d03h" */
#define HOST_MAX 16
#define REMEDY_W 16

static theme_role severity_role(attention_severity s)
{
    return s == ATT_CRITICAL ? THEME_CRIT : s == ATT_WARNING ? THEME_WARN : THEME_DIM;
}

static const char *severity_tag(attention_severity s)
{
    return s == ATT_CRITICAL ? "CRIT" : s == ATT_WARNING ? "WARN" : "SILN";
}

static void draw_item(ui_t *ui, const attention_item *it, int y, int x0, int w, bool selected,
                      double now)
{
    attr_t base = ui->attr[selected ? THEME_SELECTED : THEME_NORMAL];
    ui_fill(y, x0, w, base);
    const host_model *h = &ui->app->model.hosts[it->host];
    int host_w = text_width(h->config->name);
    if (host_w > HOST_MAX)
        host_w = HOST_MAX;
    int remedy_w = it->remedy[0] && w >= 60 ? REMEDY_W : 0;
    int x = x0 + 1, right = x0 + w - 1;
    ui_put(y, x, SEV_W, selected ? base : ui->attr[severity_role(it->severity)] | A_BOLD,
           severity_tag(it->severity));
    x += SEV_W + 1;
    ui_put_remote(y, x, host_w, base, h->config->name);
    x += host_w + 1;
    int what_w = right - x - SINCE_W - 1 - (remedy_w ? remedy_w + 1 : 0);
    ui_put_remote(y, x, what_w, base, it->what);
    x += what_w + 1;
    char since[32], age[24];
    snprintf(since, sizeof(since), "for %s", fmt_age(now - it->since, age, sizeof(age)));
    ui_put_right(y, x, SINCE_W, base, since);
    x += SINCE_W + 1;
    if (remedy_w)
        ui_put_remote(y, x, remedy_w, selected ? base : ui->attr[THEME_TITLE], it->remedy);
}

void overview_draw_attention(ui_t *ui, overview_box b, const attention_list *l, const table_view *v,
                             double now)
{
    if (b.h < 1 || b.w < 10)
        return;
    char title[96];
    int shown = b.h - 1;
    if (l->count > (size_t)shown)
        snprintf(title, sizeof(title), "Needs attention (%zu, %d shown; j k to scroll, Enter: go)",
                 l->count + l->dropped, shown);
    else
        snprintf(title, sizeof(title), "Needs attention (%zu)", l->count + l->dropped);
    ui_fill(b.y, b.x, b.w, ui->attr[THEME_NORMAL]);
    ui_put(b.y, b.x + 1, b.w - 2, ui->attr[THEME_TITLE] | A_BOLD, title);
    if (l->count == 0) {
        if (b.h > 1)
            ui_put(b.y + 1, b.x + 3, b.w - 4, ui->attr[THEME_OK], "nothing: every check passes");
        return;
    }
    for (int r = 0; r < shown && v->top + r < (int)l->count; r++) {
        int i = v->top + r;
        draw_item(ui, &l->items[i], b.y + 1 + r, b.x, b.w, i == v->selected, now);
    }
}
