/* libFuzzer target for a health check's body as the console shows it: the
 * JSON (or any text) pretty-printed for the pager, then through the
 * sanitizer; nothing that reaches the terminal holds a control byte. */
#include <assert.h>

#include "fuzz_common.h"
#include "opsdeck/sanitize.h"
#include "opsdeck/ui/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstring(data, size);
    if (!s)
        return 0;
    char *pretty = json_pretty(s);
    if (pretty) {
        char *clean = sanitize_dup(pretty, strlen(pretty), SANITIZE_KEEP_NEWLINES);
        if (clean)
            assert(!fuzz_has_control(clean, strlen(clean), 1));
        free(clean);
    }
    free(pretty);
    free(s);
    return 0;
}
