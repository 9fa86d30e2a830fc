/* libFuzzer target for the theme file parser. */
#include <assert.h>

#include "fuzz_common.h"
#include "opsdeck/ui/theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    theme t;
    theme_builtin_default(&t);
    char err[512] = "";
    int rc = theme_parse(&t, buf, size, "fuzz.theme", err, sizeof(err));
    assert(rc == 0 || (rc == -1 && err[0]));
    free(buf);
    return 0;
}
