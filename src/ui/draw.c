/* Drawing helpers: clipped text (wide characters counted by their columns),
 * the one place remote text is sanitized on its way to the screen, boxes. */
#include <string.h>
#include <strings.h>

#include "opsdeck/sanitize.h"
#include "opsdeck/ui/text.h"
#include "opsdeck/ui/ui.h"

#define CELL_MAX 1024 /* bytes of one sanitized line; longer is clipped anyway */

int ui_put(int y, int x, int w, attr_t attr, const char *text)
{
    if (w <= 0 || y < 0 || y >= LINES || x < 0 || x >= COLS)
        return 0;
    if (x + w > COLS)
        w = COLS - x;
    int cols;
    size_t n = text_fit(text, w, &cols);
    attrset(attr);
    mvaddnstr(y, x, text, (int)n);
    attrset(A_NORMAL);
    return cols;
}

int ui_put_remote(int y, int x, int w, attr_t attr, const char *text)
{
    char clean[CELL_MAX];
    sanitize_text(text ? text : "", text ? strlen(text) : 0, clean, sizeof(clean),
                  SANITIZE_ONE_LINE);
    return ui_put(y, x, w, attr, clean);
}

const char *ui_clean(const char *text, char *buf, size_t size)
{
    sanitize_text(text ? text : "", text ? strlen(text) : 0, buf, size, SANITIZE_ONE_LINE);
    return buf;
}

int ui_put_right(int y, int x, int w, attr_t attr, const char *text)
{
    char clean[CELL_MAX];
    sanitize_text(text, strlen(text), clean, sizeof(clean), SANITIZE_ONE_LINE);
    int tw = text_width(clean);
    int pad = w - tw;
    if (pad <= 0)
        return ui_put(y, x, w, attr, clean);
    return pad + ui_put(y, x + pad, tw, attr, clean);
}

void ui_fill(int y, int x, int w, attr_t attr)
{
    if (y < 0 || y >= LINES || x < 0 || x >= COLS || w <= 0)
        return;
    if (x + w > COLS)
        w = COLS - x;
    attrset(attr);
    mvhline(y, x, ' ', w);
    attrset(A_NORMAL);
}

void ui_draw_headings(ui_t *ui, int y, const column_spec *cols, int n, const int *w)
{
    attr_t a = ui->attr[THEME_TITLE];
    ui_fill(y, 0, COLS, a);
    int x = 1;
    for (int c = 0; c < n; c++) {
        if (!w[c])
            continue;
        if (cols[c].right)
            ui_put_right(y, x, w[c], a, cols[c].title);
        else
            ui_put(y, x, w[c], a, cols[c].title);
        x += w[c] + 1;
    }
}

ui_rect ui_box(ui_rect r, attr_t attr, const char *title)
{
    for (int y = r.y; y < r.y + r.h; y++)
        ui_fill(y, r.x, r.w, attr);
    attrset(attr);
    mvhline(r.y, r.x + 1, ACS_HLINE, r.w - 2);
    mvhline(r.y + r.h - 1, r.x + 1, ACS_HLINE, r.w - 2);
    mvvline(r.y + 1, r.x, ACS_VLINE, r.h - 2);
    mvvline(r.y + 1, r.x + r.w - 1, ACS_VLINE, r.h - 2);
    mvaddch(r.y, r.x, ACS_ULCORNER);
    mvaddch(r.y, r.x + r.w - 1, ACS_URCORNER);
    mvaddch(r.y + r.h - 1, r.x, ACS_LLCORNER);
    mvaddch(r.y + r.h - 1, r.x + r.w - 1, ACS_LRCORNER);
    attrset(A_NORMAL);
    if (title && *title) {
        ui_put(r.y, r.x + 2, r.w - 4, attr | A_BOLD, " ");
        /* titles name containers, hosts, alerts: text from a host */
        int n = ui_put_remote(r.y, r.x + 3, r.w - 6, attr | A_BOLD, title);
        ui_put(r.y, r.x + 3 + n, 1, attr | A_BOLD, " ");
    }
    return (ui_rect){r.y + 1, r.x + 2, r.h - 2, r.w - 4};
}

attr_t ui_env_attr(const ui_t *ui, const char *env, bool active)
{
    if (ui_env_is_production(ui, env))
        return ui->attr[THEME_PRODUCTION] | (active ? A_UNDERLINE : 0);
    return ui->attr[active ? THEME_TAB_ACTIVE : THEME_TAB];
}

theme_role ui_level_role(signal_level level, theme_role ok_role)
{
    switch (level) {
    case LEVEL_CRIT:
        return THEME_CRIT;
    case LEVEL_WARN:
        return THEME_WARN;
    case LEVEL_OK:
        return ok_role;
    default:
        return THEME_DIM;
    }
}

theme_role ui_state_role(const char *word)
{
    static const struct {
        const char *word;
        theme_role role;
    } map[] = {
        {"running", THEME_OK},     {"healthy", THEME_OK},      {"up", THEME_OK},
        {"starting", THEME_WARN},  {"restarting", THEME_WARN}, {"paused", THEME_WARN},
        {"created", THEME_WARN},   {"degraded", THEME_WARN},   {"connecting", THEME_DIM},
        {"unhealthy", THEME_CRIT}, {"exited", THEME_CRIT},     {"dead", THEME_CRIT},
        {"removing", THEME_WARN},  {"down", THEME_CRIT},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++)
        if (strcasecmp(map[i].word, word) == 0)
            return map[i].role;
    return THEME_NORMAL;
}
