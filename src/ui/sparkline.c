/* Sparklines (see sparkline.h): the scaling, and the drawing with each
 * cell coloured by where its own value stood against the thresholds. */
#include "opsdeck/ui/sparkline.h"

#include <math.h>

#include "opsdeck/ui/ui.h"

void sparkline_heights(const history *h, int w, double floor_max, int *out)
{
    int shown = h->count < w ? h->count : w;
    int first = h->count - shown; /* oldest value shown */
    double max = floor_max > 0 ? floor_max : 0;
    for (int i = 0; i < shown; i++) {
        double v = history_at(h, first + i);
        if (signal_known(v) && v > max)
            max = v;
    }
    for (int c = 0; c < w; c++) {
        int i = c - (w - shown);
        double v = i >= 0 ? history_at(h, first + i) : NAN;
        if (!signal_known(v)) {
            out[c] = 0;
            continue;
        }
        int level = max > 0 ? 1 + (int)floor(v / max * (SPARK_LEVELS - 1) + 0.5) : 1;
        out[c] = level > SPARK_LEVELS ? SPARK_LEVELS : level;
    }
}

void ui_sparkline(ui_t *ui, int y, int x, int w, const history *h, double floor_max,
                  const double *warn_crit)
{
    static const char *const blocks[SPARK_LEVELS + 1] = {" ", "▁", "▂", "▃", "▄",
                                                         "▅", "▆", "▇", "█"};
    /* without UTF-8 the terminal cannot draw blocks: a ramp of ASCII */
    static const char *const ascii[SPARK_LEVELS + 1] = {" ", "_", ".", "-", "~",
                                                        "=", "+", "*", "#"};
    if (w <= 0)
        return;
    int heights[512];
    if (w > 512)
        w = 512;
    sparkline_heights(h, w, floor_max, heights);
    int shown = h->count < w ? h->count : w;
    for (int c = 0; c < w; c++) {
        int i = c - (w - shown);
        double v = i >= 0 ? history_at(h, h->count - shown + i) : NAN;
        signal_level l = !signal_known(v) ? LEVEL_UNKNOWN
                         : warn_crit      ? level_of(v, warn_crit[0], warn_crit[1])
                                          : LEVEL_OK;
        ui_put(y, x + c, 1, ui->attr[ui_level_role(l, THEME_OK)],
               (ui->utf8 ? blocks : ascii)[heights[c]]);
    }
}
