/* The one gate between remote text and the terminal.
 *
 * Everything that came from a host (query text, container names, alert
 * labels, command output) goes through sanitize_text() before it is drawn.
 * No escape sequence and no control byte survives: ESC, C0 and C1 controls
 * and DEL are replaced, invalid UTF-8 becomes U+FFFD, and so do code points
 * the terminal would treat as formatting (bidi overrides). */
#ifndef OPSDECK_SANITIZE_H
#define OPSDECK_SANITIZE_H

#include <stddef.h>

typedef enum {
    SANITIZE_ONE_LINE = 1,     /* newlines and tabs fold into single spaces */
    SANITIZE_KEEP_NEWLINES = 2 /* newline kept; tab becomes spaces */
} sanitize_mode;

/* Writes at most outsize-1 bytes plus a NUL into out, never cutting a UTF-8
 * sequence in half. Returns the length written. */
size_t sanitize_text(const char *in, size_t inlen, char *out, size_t outsize, sanitize_mode mode);

/* Same, into a new heap string. */
char *sanitize_dup(const char *in, size_t inlen, sanitize_mode mode);

#endif
