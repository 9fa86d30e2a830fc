/* Copying a host's string into a fixed-size field: when it does not fit it
 * is cut before the UTF-8 character the cut would fall in, never through
 * it, so a field never ends in half a character (which the sanitizer
 * would then show as U+FFFD). Every parser and source that keeps host
 * strings in fixed fields copies with it. */
#ifndef OPSDECK_UTF8_COPY_H
#define OPSDECK_UTF8_COPY_H

#include <stddef.h>

/* Copies src into dst (size > 0 bytes, NUL-terminated), cut on a
 * character boundary when it is longer than size - 1 bytes. */
void utf8_copy(char *dst, size_t size, const char *src);

#endif
