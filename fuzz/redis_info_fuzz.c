/* libFuzzer target for Redis's INFO answer. */
#include <assert.h>

#include "fuzz_common.h"
#include "opsdeck/parse/redis_info.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    redis_info out;
    char err[256] = "";
    int db = size ? data[0] % 17 : 0;
    int rc = redis_info_parse(buf, size, db, &out, err, sizeof(err));
    assert(rc == 0 || (rc == -1 && err[0]));
    free(buf);
    return 0;
}
