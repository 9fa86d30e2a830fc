/* Remote text to terminal-safe text.
 *
 * C0 controls and DEL are shown in caret notation (ESC is "^["), so an
 * engineer can see that a host sent an escape sequence without the terminal
 * obeying it. C1 controls (a second way to start a sequence), bidi
 * overrides and invalid UTF-8 become U+FFFD. */
#include "opsdeck/sanitize.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

struct sink {
    char *out;
    size_t size, len;
    bool full;
    int column; /* code points since the last newline, for tab stops */
};

static void put(struct sink *s, const char *bytes, size_t n)
{
    if (s->full || s->len + n + 1 > s->size) {
        s->full = true;
        return;
    }
    memcpy(s->out + s->len, bytes, n);
    s->len += n;
    s->column++;
}

/* Decodes one UTF-8 sequence at p. Returns its length and sets *cp, or 0
 * when the bytes are not a valid, shortest-form encoding of a scalar value. */
static size_t decode_utf8(const unsigned char *p, size_t avail, uint32_t *cp)
{
    unsigned char c = p[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

/* Code points a terminal would act on rather than print. */
static bool is_unsafe_code_point(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F)        /* C1 controls, e.g. CSI 0x9B */
           || (cp >= 0x202A && cp <= 0x202E) /* bidi embeddings/overrides */
           || (cp >= 0x2066 && cp <= 0x2069) /* bidi isolates */
           || cp == 0x061C || cp == 0x200E || cp == 0x200F || cp == 0xFEFF;
}

static void put_control(struct sink *s, unsigned char c, sanitize_mode mode, bool *last_space)
{
    bool one_line = mode == SANITIZE_ONE_LINE;
    if (c == '\n' || c == '\r' || c == '\t') {
        if (one_line) {
            if (!*last_space)
                put(s, " ", 1);
            *last_space = true;
        } else if (c == '\n') {
            put(s, "\n", 1);
            s->column = 0;
        } else if (c == '\t') {
            do
                put(s, " ", 1);
            while (s->column % 8 && !s->full);
        }
        /* a lone \r in multi-line text would rewrite the line: dropped */
        return;
    }
    char caret[2] = {'^', c == 0x7F ? '?' : (char)(c + '@')};
    put(s, caret, 2);
    s->column++; /* two cells */
    *last_space = false;
}

size_t sanitize_text(const char *in, size_t inlen, char *out, size_t outsize, sanitize_mode mode)
{
    if (!outsize)
        return 0;
    struct sink s = {.out = out, .size = outsize};
    const unsigned char *p = (const unsigned char *)in;
    bool last_space = false;
    size_t i = 0;
    while (i < inlen && !s.full) {
        unsigned char c = p[i];
        if (c == ' ' && mode == SANITIZE_ONE_LINE && last_space) {
            i++; /* one line: a run of white space becomes one space */
            continue;
        }
        if (c < 0x20 || c == 0x7F) {
            put_control(&s, c, mode, &last_space);
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = decode_utf8(p + i, inlen - i, &cp);
        if (n == 0) {
            put(&s, REPLACEMENT, 3);
            i++;
        } else {
            if (is_unsafe_code_point(cp))
                put(&s, REPLACEMENT, 3);
            else
                put(&s, (const char *)p + i, n);
            i += n;
        }
        last_space = c == ' ';
    }
    out[s.len] = '\0';
    return s.len;
}

char *sanitize_dup(const char *in, size_t inlen, sanitize_mode mode)
{
    /* worst case: every byte becomes U+FFFD (3 bytes) or a tab 8 spaces */
    size_t size = inlen * 8 + 1;
    char *out = malloc(size);
    if (!out)
        return NULL;
    sanitize_text(in, inlen, out, size, mode);
    return out;
}
