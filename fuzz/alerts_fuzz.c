/* libFuzzer target for Alertmanager's /api/v2/alerts answer. */
#include <assert.h>

#include "fuzz_common.h"
#include "opsdeck/parse/alerts_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    alerts_sample out = {0};
    char err[256] = "";
    int rc = alerts_parse(buf, size, &out, err, sizeof(err));
    assert(rc == 0 || (rc == -1 && err[0]));
    alerts_sample_clear(&out);
    free(buf);
    return 0;
}
