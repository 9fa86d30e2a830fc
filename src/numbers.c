/* Locale-free decimal reading (numbers.h). */
#include "opsdeck/numbers.h"

#include <locale.h>
#include <stdlib.h>

/* Made once and kept for the life of the process: newlocale() allocates,
 * and the reading is on every sample's path. */
static locale_t c_locale(void)
{
    static locale_t loc;
    if (!loc)
        loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    return loc;
}

double num_strtod(const char *s, char **end)
{
    locale_t loc = c_locale();
    if (!loc) /* only on memory exhaustion; the global locale is C for numbers */
        return strtod(s, end);
    return strtod_l(s, end, loc);
}
