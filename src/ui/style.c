/* From a theme to curses attributes: colour pairs are made as needed, and
 * a terminal with fewer colours gets the nearest of its eight. */
#include "opsdeck/ui/ui.h"

static attr_t attrs_of(unsigned a)
{
    attr_t out = A_NORMAL;
    if (a & THEME_ATTR_BOLD)
        out |= A_BOLD;
    if (a & THEME_ATTR_DIM)
        out |= A_DIM;
    if (a & THEME_ATTR_REVERSE)
        out |= A_REVERSE;
    if (a & THEME_ATTR_UNDERLINE)
        out |= A_UNDERLINE;
    if (a & THEME_ATTR_STANDOUT)
        out |= A_STANDOUT;
    return out;
}

static int fit_color(int c)
{
    if (c < 0 || c < COLORS)
        return c;
    return c < 16 ? c - 8 : COLOR_WHITE; /* bright-X on an 8-colour terminal */
}

/* The pair for fg/bg, made on first use; 0 (the default) when out of pairs. */
static int pair_for(int fg, int bg, short *made_fg, short *made_bg, int *nmade)
{
    for (int i = 0; i < *nmade; i++)
        if (made_fg[i] == fg && made_bg[i] == bg)
            return i + 1;
    if (*nmade + 1 >= COLOR_PAIRS || *nmade >= THEME_COUNT)
        return 0;
    made_fg[*nmade] = (short)fg;
    made_bg[*nmade] = (short)bg;
    (*nmade)++;
    init_pair((short)*nmade, (short)fg, (short)bg);
    return *nmade;
}

void ui_apply_theme(ui_t *ui, const theme *t)
{
    short made_fg[THEME_COUNT], made_bg[THEME_COUNT];
    int nmade = 0;
    bool colour = has_colors();
    for (int r = 0; r < THEME_COUNT; r++) {
        const theme_style *s = &t->roles[r];
        attr_t a = attrs_of(s->attrs);
        if (colour && (s->fg >= 0 || s->bg >= 0)) {
            int pair = pair_for(fit_color(s->fg), fit_color(s->bg), made_fg, made_bg, &nmade);
            a |= COLOR_PAIR(pair);
        }
        ui->attr[r] = a;
    }
}
