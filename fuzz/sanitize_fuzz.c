/* libFuzzer target for the sanitizer, the one gate between remote text and
 * the terminal: whatever the input, the output holds no control byte (C0
 * but the kept newline, DEL, C1), is NUL-terminated inside its buffer, and
 * is cut only between UTF-8 sequences. */
#include <assert.h>

#include "fuzz_common.h"
#include "opsdeck/sanitize.h"

static void check(const uint8_t *data, size_t size, size_t outsize, sanitize_mode mode)
{
    char *out = malloc(outsize);
    if (!out)
        return;
    size_t n = sanitize_text((const char *)data, size, out, outsize, mode);
    assert(n < outsize && out[n] == '\0' && strlen(out) == n);
    assert(!fuzz_has_control(out, n, mode == SANITIZE_KEEP_NEWLINES));
    /* not cut inside a sequence: the last byte is not a lead byte */
    if (n)
        assert(((unsigned char)out[n - 1] & 0xc0) != 0xc0);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t small = size ? 1 + data[0] % 16 : 1; /* a tight buffer cuts mid-text */
    check(data, size, small, SANITIZE_ONE_LINE);
    check(data, size, 4 * size + 16, SANITIZE_ONE_LINE);
    check(data, size, 4 * size + 16, SANITIZE_KEEP_NEWLINES);
    char *dup = sanitize_dup((const char *)data, size, SANITIZE_ONE_LINE);
    if (dup)
        assert(!fuzz_has_control(dup, strlen(dup), 0));
    free(dup);
    return 0;
}
