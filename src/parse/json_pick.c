/* A few numbers out of a JSON text (parse/json_pick.h): one pass that
 * checks the grammar and, for the object members on a wanted path, keeps
 * the numbers (or array lengths) found at its end. Nothing is allocated
 * but a copy of a number too long for the stack. */
#include "opsdeck/parse/json_pick.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH_MAX  2048 /* containers in containers, as jansson's parser */
#define KEY_MAX    64   /* longer keys match no path */
#define NUMBER_MAX 128  /* longer numbers are copied to the heap to be read */

typedef struct scan {
    const char *p, *end;
    json_pick *picks;
    size_t npicks;
} scan;

static void skip_ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static int hex4(scan *s)
{
    if (s->end - s->p < 4)
        return -1;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = *s->p++;
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t utf8_put(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* One escape after the backslash: its bytes into out; 0 when invalid. */
static size_t escape(scan *s, char *out)
{
    if (s->p >= s->end)
        return 0;
    char e = *s->p++;
    const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
    const char *hit = e ? strchr(from, e) : NULL;
    if (hit) {
        out[0] = to[hit - from];
        return 1;
    }
    if (e != 'u')
        return 0;
    int cp = hex4(s);
    if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
        return 0; /* a lone low surrogate */
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (s->end - s->p < 2 || s->p[0] != '\\' || s->p[1] != 'u')
            return 0;
        s->p += 2;
        int lo = hex4(s);
        if (lo < 0xDC00 || lo > 0xDFFF)
            return 0;
        return utf8_put(0x10000 + ((uint32_t)(cp - 0xD800) << 10) + (uint32_t)(lo - 0xDC00), out);
    }
    return utf8_put((uint32_t)cp, out);
}

/* A string at s->p (its opening quote). With key, its text is decoded
 * there, NUL ended; *keylen past KEY_MAX - 1 when it did not fit. Plain
 * runs are skipped (and copied) whole: strings are most of the text. */
static bool string(scan *s, char *key, size_t *keylen)
{
    s->p++;
    size_t n = 0;
    for (;;) {
        const char *run = s->p;
        while (s->p < s->end && *s->p != '"' && *s->p != '\\' && (unsigned char)*s->p >= 0x20)
            s->p++;
        size_t len = (size_t)(s->p - run);
        if (key && n + len < KEY_MAX)
            memcpy(key + n, run, len);
        n += len;
        if (s->p >= s->end || (unsigned char)*s->p < 0x20)
            return false; /* unended, or a control character not escaped */
        if (*s->p++ == '"')
            break;
        char out[4];
        if (!(len = escape(s, out)))
            return false;
        if (key && n + len < KEY_MAX)
            memcpy(key + n, out, len);
        n += len;
    }
    if (key) {
        key[n < KEY_MAX ? n : KEY_MAX - 1] = '\0';
        *keylen = n;
    }
    return true;
}

static bool digits(scan *s)
{
    const char *start = s->p;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
        s->p++;
    return s->p > start;
}

/* A number at s->p: false when it is not one; its value when asked for
 * (converting every number of the text would cost more than the rest). */
static bool number(scan *s, double *value)
{
    const char *start = s->p;
    if (s->p < s->end && *s->p == '-')
        s->p++;
    if (s->p < s->end && *s->p == '0')
        s->p++;
    else if (!digits(s))
        return false;
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (!digits(s))
            return false;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (!digits(s))
            return false;
    }
    if (!value)
        return true;
    size_t len = (size_t)(s->p - start);
    char small[NUMBER_MAX];
    char *copy = len < sizeof(small) ? small : malloc(len + 1);
    if (!copy)
        return false;
    memcpy(copy, start, len);
    copy[len] = '\0';
    *value = strtod(copy, NULL);
    if (copy != small)
        free(copy);
    return true;
}

static bool literal(scan *s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return false;
    s->p += n;
    return true;
}

static bool value(scan *s, int depth, uint32_t active);

/* The picks of active whose path has key at depth: the members to follow. */
static uint32_t following(const scan *s, uint32_t active, int depth, const char *key, size_t keylen)
{
    uint32_t next = 0;
    for (size_t i = 0; i < s->npicks && keylen < KEY_MAX; i++)
        if (active & (UINT32_C(1) << i) && s->picks[i].path[depth] &&
            strlen(s->picks[i].path[depth]) == keylen &&
            memcmp(s->picks[i].path[depth], key, keylen) == 0)
            next |= UINT32_C(1) << i;
    return next;
}

static bool object(scan *s, int depth, uint32_t active)
{
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return true;
    }
    for (;;) {
        char key[KEY_MAX];
        size_t keylen = 0;
        if (s->p >= s->end || *s->p != '"' || !string(s, key, &keylen))
            return false;
        skip_ws(s);
        if (s->p >= s->end || *s->p != ':')
            return false;
        s->p++;
        uint32_t next = active ? following(s, active, depth, key, keylen) : 0;
        /* a later duplicate replaces the earlier member whole */
        for (size_t i = 0; next && i < s->npicks; i++)
            if (next & (UINT32_C(1) << i)) {
                s->picks[i].found = false;
                s->picks[i].array_len = 0;
            }
        if (!value(s, depth + 1, next))
            return false;
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            skip_ws(s);
            continue;
        }
        if (s->p < s->end && *s->p == '}') {
            s->p++;
            return true;
        }
        return false;
    }
}

static bool array(scan *s, int depth, size_t *count)
{
    s->p++;
    skip_ws(s);
    *count = 0;
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return true;
    }
    for (;;) {
        if (!value(s, depth + 1, 0))
            return false;
        ++*count;
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == ']') {
            s->p++;
            return true;
        }
        return false;
    }
}

/* The picks of active whose path ends here (depth keys deep). */
static uint32_t ending(const scan *s, uint32_t active, int depth)
{
    uint32_t end = 0;
    for (size_t i = 0; i < s->npicks; i++)
        if (active & (UINT32_C(1) << i) && !s->picks[i].path[depth])
            end |= UINT32_C(1) << i;
    return end;
}

static bool value(scan *s, int depth, uint32_t active)
{
    skip_ws(s);
    if (s->p >= s->end)
        return false;
    uint32_t here = active ? ending(s, active, depth) : 0;
    char c = *s->p;
    if ((c == '{' || c == '[') && depth >= DEPTH_MAX)
        return false; /* the one container too many (depth of them around it) */
    if (c == '{')
        return object(s, depth, active & ~here);
    if (c == '[') {
        size_t n;
        if (!array(s, depth, &n))
            return false;
        for (size_t i = 0; here && i < s->npicks; i++)
            if (here & (UINT32_C(1) << i))
                s->picks[i].array_len = n;
        return true;
    }
    if (c == '"')
        return string(s, NULL, NULL);
    if (c == 't')
        return literal(s, "true");
    if (c == 'f')
        return literal(s, "false");
    if (c == 'n')
        return literal(s, "null");
    double v = 0;
    if (!number(s, here ? &v : NULL))
        return false;
    for (size_t i = 0; here && i < s->npicks; i++)
        if (here & (UINT32_C(1) << i)) {
            s->picks[i].found = true;
            s->picks[i].value = v;
        }
    return true;
}

int json_pick_numbers(const char *buf, size_t len, json_pick *picks, size_t npicks)
{
    if (npicks > JSON_PICK_MAX)
        npicks = JSON_PICK_MAX;
    for (size_t i = 0; i < npicks; i++) {
        picks[i].found = false;
        picks[i].value = 0;
        picks[i].array_len = 0;
    }
    scan s = {buf, buf + len, picks, npicks};
    uint32_t all = npicks == 32 ? UINT32_MAX : (UINT32_C(1) << npicks) - 1;
    skip_ws(&s);
    bool is_object = s.p < s.end && *s.p == '{';
    /* a top-level value that is not an object has no members to pick */
    if (!value(&s, 0, is_object ? all : 0))
        return -1;
    skip_ws(&s);
    return s.p != s.end ? -1 : is_object;
}
