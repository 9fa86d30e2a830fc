/* libFuzzer target for the exposition parser: any bytes, in both formats,
 * must end in a clean accept or a refusal with a line and a reason; never a
 * read outside the buffer (ASan watches), never a crash. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/parse/prom.h"

static int on_sample(const prom_sample *s, void *arg)
{
    size_t *n = arg;
    char buf[64];
    /* touch every byte handed out, so ASan sees any pointer that is off */
    prom_unescape(s->name, buf, sizeof(buf));
    for (size_t i = 0; i < s->nlabels; i++) {
        prom_unescape(s->labels[i].name, buf, sizeof(buf));
        prom_unescape(s->labels[i].value, buf, sizeof(buf));
    }
    assert(s->nlabels <= PROM_MAX_LABELS);
    (*n)++;
    return 0;
}

static void on_help(prom_str name, prom_str text, void *arg)
{
    char buf[64];
    prom_unescape(name, buf, sizeof(buf));
    prom_unescape(text, buf, sizeof(buf));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a copy of exactly size bytes: nothing after it may be read */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    prom_handlers h = {.sample = on_sample, .help = on_help};
    for (int f = 0; f < 2; f++) {
        size_t n = 0;
        prom_error err;
        int rc =
            prom_parse(buf, size, f ? PROM_FORMAT_OPENMETRICS : PROM_FORMAT_TEXT, &h, &n, &err);
        assert(rc == 0 || rc == -1);
        if (rc == -1)
            assert(err.line >= 1 && err.reason[0]);
    }
    free(buf);
    return 0;
}
