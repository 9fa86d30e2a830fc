/* libFuzzer target for the WebSocket statistics answer; the text kept from
 * it (last_broadcast_at) is bounded and terminated. */
#include <assert.h>

#include "fuzz_common.h"
#include "opsdeck/parse/ws_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstring(data, size);
    if (!s)
        return 0;
    ws_sample w;
    char err[256] = "";
    if (!ws_parse(s, &w, err, sizeof(err)))
        assert(err[0]);
    else
        assert(strlen(w.last_broadcast_at) < sizeof(w.last_broadcast_at));
    free(s);
    return 0;
}
