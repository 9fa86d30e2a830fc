/* The pager: a title and lines, scrolled. See include/opsdeck/ui/pager.h. */
#include "opsdeck/ui/pager.h"

#include <stdlib.h>
#include <string.h>

#include "opsdeck/sanitize.h"
#include "opsdeck/ui/table.h"

#define PAGER_MAX_LINES 4096

struct pager {
    char title[128];
    char *text; /* the copy; lines point into it */
    char **lines;
    int nlines;
    table_view view; /* selected is the first visible line */
};

void pager_close(ui_t *ui)
{
    if (!ui->pager)
        return;
    free(ui->pager->text);
    free(ui->pager->lines);
    free(ui->pager);
    ui->pager = NULL;
}

void pager_open(ui_t *ui, const char *title, const char *text)
{
    pager_close(ui);
    pager *p = calloc(1, sizeof(*p));
    /* sanitized again: a pager never shows a control byte, whoever built it */
    char *copy = p ? sanitize_dup(text, strlen(text), SANITIZE_KEEP_NEWLINES) : NULL;
    char **lines = copy ? calloc(PAGER_MAX_LINES, sizeof(*lines)) : NULL;
    if (!lines) {
        free(copy);
        free(p);
        ui_say(ui, true, "out of memory");
        return;
    }
    /* the title too: it names the container, alert or backend shown */
    sanitize_text(title, strlen(title), p->title, sizeof(p->title), SANITIZE_ONE_LINE);
    p->text = copy;
    p->lines = lines;
    for (char *s = copy; s && p->nlines < PAGER_MAX_LINES;) {
        char *nl = strchr(s, '\n');
        if (nl)
            *nl = '\0';
        if (*s || nl)
            p->lines[p->nlines++] = s;
        s = nl ? nl + 1 : NULL;
    }
    ui->pager = p;
}

void pager_draw(ui_t *ui, ui_rect area)
{
    pager *p = ui->pager;
    ui_fill(area.y, area.x, area.w, ui->attr[THEME_TITLE] | A_REVERSE);
    ui_put(area.y, area.x + 1, area.w - 2, ui->attr[THEME_TITLE] | A_REVERSE, p->title);
    int body = area.h - 1;
    /* the view scrolls by its first line: fit so the last page is full */
    table_fit(&p->view, p->nlines - body + 1 > 0 ? p->nlines - body + 1 : 1, 1);
    int first = p->view.selected;
    for (int i = 0; i < body && first + i < p->nlines; i++)
        ui_put(area.y + 1 + i, area.x + 1, area.w - 2, ui->attr[THEME_NORMAL], p->lines[first + i]);
    if (p->nlines > body) {
        char pos[32];
        snprintf(pos, sizeof(pos), " %d-%d/%d ", first + 1,
                 first + body < p->nlines ? first + body : p->nlines, p->nlines);
        ui_put_right(area.y, area.x, area.w - 1, ui->attr[THEME_TITLE] | A_REVERSE, pos);
    }
}

bool pager_key(ui_t *ui, int key, bool is_code)
{
    pager *p = ui->pager;
    if (!is_code && (key == 'q' || key == 27)) {
        pager_close(ui);
        return true;
    }
    int body = LINES - 4 > 1 ? LINES - 4 : 1;
    if (is_code && (key == KEY_NPAGE || key == KEY_PPAGE)) {
        table_move(&p->view, key == KEY_NPAGE ? body : -body);
        return true;
    }
    if (!is_code && key == ' ') {
        table_move(&p->view, body);
        return true;
    }
    return table_nav_key(&p->view, key, is_code);
}
