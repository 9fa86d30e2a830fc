/* Copies cut on a UTF-8 character boundary (utf8_copy.h). */
#include "opsdeck/utf8_copy.h"

#include <string.h>

void utf8_copy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size) {
        n = size - 1;
        /* back over continuation bytes (10xxxxxx) to the start of the
         * character that would be cut */
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}
