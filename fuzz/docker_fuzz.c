/* libFuzzer target for one container's inspect (the Engine API's answer,
 * see docker_json.h) and docker's times: any bytes end in a container or a
 * refusal with a reason, never a crash or a read outside. */
#include <assert.h>

#include "fuzz_common.h"
#include "opsdeck/parse/docker_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1); /* exactly size bytes */
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    container_info ci;
    char why[256];
    int rc = docker_parse_inspect_one(buf, size, &ci, why, sizeof(why));
    assert(rc == 0 || rc == -1);
    if (rc == -1)
        assert(why[0]);
    else
        assert(strlen(ci.name) < sizeof(ci.name) && strlen(ci.state) < sizeof(ci.state));
    free(buf);
    char *s = fuzz_cstring(data, size);
    if (s) {
        docker_parse_time(s);
        free(s);
    }
    return 0;
}
