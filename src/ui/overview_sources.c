/* The selected host's sources on the overview, each with its age or why
 * it is stale; the same as text for the pager (`e`, and Enter on a source
 * or host that does not answer). */
#include <stdio.h>

#include "opsdeck/ui/overview.h"

void overview_sources_text(const host_model *h, double now, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < SRC_COUNT && len < size; k++) {
        if (!h->status[k].configured)
            continue;
        char text[MODEL_ERROR_MAX + 64];
        ui_freshness(h, (source_kind)k, now, text, sizeof(text));
        int n =
            snprintf(buf + len, size - len, "%-11s %s\n", source_kind_name((source_kind)k), text);
        if (n < 0)
            break;
        len += (size_t)n;
    }
}

void overview_draw_sources(ui_t *ui, overview_box b, const host_model *h, double now)
{
    if (b.h < 2 || !h)
        return;
    char title[160];
    snprintf(title, sizeof(title), "Sources of %s", h->config->name);
    ui_put_remote(b.y, b.x + 1, b.w - 2, ui->attr[THEME_TITLE] | A_BOLD, title);
    int y = b.y + 1;
    for (int k = 0; k < SRC_COUNT && y < b.y + b.h; k++) {
        if (!h->status[k].configured)
            continue;
        char text[MODEL_ERROR_MAX + 64];
        theme_role role = ui_freshness(h, (source_kind)k, now, text, sizeof(text));
        ui_put(y, b.x + 3, 12, ui->attr[THEME_NORMAL], source_kind_name((source_kind)k));
        ui_put_remote(y, b.x + 16, b.w - 17, ui->attr[role], text);
        y++;
    }
}
