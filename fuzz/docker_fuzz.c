/* libFuzzer target for the docker output parser (ps, inspect and stats
 * sections, see docker_json.h) and its figure parsers: any bytes end in a
 * result or a refusal with a reason, never a crash or a read outside. */
#include <assert.h>

#include "fuzz_common.h"
#include "opsdeck/parse/docker_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1); /* exactly size bytes */
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    docker_parse_result res;
    int rc = docker_parse_output(buf, size, &res);
    assert(rc == 0 || rc == -1);
    if (rc == -1)
        assert(res.error[0]);
    for (size_t i = 0; rc == 0 && i < res.count; i++)
        assert(res.items[i].name[0] || 1); /* touch every item */
    docker_parse_result_free(&res);
    free(buf);
    char *s = fuzz_cstring(data, size);
    if (s) {
        double pct;
        int64_t bytes;
        docker_parse_percent(s, &pct);
        docker_parse_size(s, &bytes);
        docker_parse_mem_usage(s, &bytes);
        free(s);
    }
    return 0;
}
