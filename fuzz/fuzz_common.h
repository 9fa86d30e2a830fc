/* What every libFuzzer target here shares: the entry point's prototype and
 * a check that text bound for the terminal holds no control byte. */
#ifndef OPSDECK_FUZZ_COMMON_H
#define OPSDECK_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of exactly size bytes (the parsers that take C
 * strings get one; nothing past it may be read). */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s) {
        memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

/* C0 controls but the allowed newline, DEL, and the C1 controls as UTF-8
 * (U+0080..U+009F are C2 80..C2 9F). */
static inline int fuzz_has_control(const char *s, size_t len, int newline_ok)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(newline_ok && c == '\n')) || c == 0x7f)
            return 1;
        if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] <= 0x9f)
            return 1;
    }
    return 0;
}

#endif
