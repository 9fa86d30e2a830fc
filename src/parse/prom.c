/* The Prometheus exposition parser (see parse/prom.h).
 *
 * Each line is found with memchr and parsed within its bounds, so nothing
 * ever reads past a line however the input is broken. Numbers take a fast
 * exact path (Clinger's: at most 19 significant digits and a power of ten
 * that a double holds exactly) and fall back to num_strtod (strtod in the C locale) on a bounded
 * copy. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "opsdeck/numbers.h"
#include "opsdeck/parse/prom.h"

typedef struct parser {
    prom_format format;
    const prom_handlers *h;
    void *arg;
    prom_error *err;
    int line;
    /* the family of the last # TYPE line: tells which le/quantile labels
     * are the histogram's and summary's (families are contiguous) */
    const char *family;
    size_t family_len;
    prom_type family_type;
} parser;

static int __attribute__((format(printf, 2, 3))) fail(parser *ps, const char *fmt, ...)
{
    ps->err->line = ps->line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err->reason, sizeof(ps->err->reason), fmt, ap);
    va_end(ap);
    return -1;
}

static inline bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static inline const char *skip_blanks(const char *p, const char *e)
{
    while (p < e && is_blank(*p))
        p++;
    return p;
}

static inline bool name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static inline bool name_char(unsigned char c)
{
    return name_start(c) || (c >= '0' && c <= '9');
}

/* ---- numbers ---- */

static const double exact_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static bool special_float(const char *s, size_t n, double *out)
{
    double sign = 1;
    if (n && (*s == '+' || *s == '-')) {
        sign = *s == '-' ? -1 : 1;
        s++;
        n--;
    }
    if ((n == 3 && strncasecmp(s, "inf", 3) == 0) ||
        (n == 8 && strncasecmp(s, "infinity", 8) == 0)) {
        *out = sign * INFINITY;
        return true;
    }
    if (n == 3 && strncasecmp(s, "nan", 3) == 0) {
        *out = NAN;
        return true;
    }
    return false;
}

/* A decimal float, the whole of [s, e). */
static bool parse_float(const char *s, const char *e, double *out)
{
    size_t n = (size_t)(e - s);
    if (n == 0)
        return false;
    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    uint64_t mant = 0;
    int digits = 0, exp10 = 0, int_digits = 0, frac_digits = 0;
    for (; p < e && *p >= '0' && *p <= '9'; p++, int_digits++) {
        if (mant == 0 && *p == '0')
            continue;
        if (digits < 19) {
            mant = mant * 10 + (uint64_t)(*p - '0');
            digits++;
        } else {
            exp10++;
            digits++;
        }
    }
    if (p < e && *p == '.') {
        p++;
        for (; p < e && *p >= '0' && *p <= '9'; p++, frac_digits++) {
            if (mant == 0 && *p == '0') {
                exp10--;
                continue;
            }
            if (digits < 19) {
                mant = mant * 10 + (uint64_t)(*p - '0');
                digits++;
                exp10--;
            } else {
                digits++;
            }
        }
    }
    if (int_digits + frac_digits == 0)
        return special_float(s, n, out);
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (p < e && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        if (p == e || *p < '0' || *p > '9')
            return false;
        int ev = 0;
        for (; p < e && *p >= '0' && *p <= '9'; p++)
            if (ev < 100000)
                ev = ev * 10 + (*p - '0');
        exp10 += eneg ? -ev : ev;
    }
    if (p != e)
        return false;
    if (digits <= 19 && mant <= (1ULL << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mant;
        v = exp10 < 0 ? v / exact_pow10[-exp10] : v * exact_pow10[exp10];
        *out = neg ? -v : v;
        return true;
    }
    char buf[256];
    if (n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    *out = num_strtod(buf, NULL); /* the syntax was checked above */
    return true;
}

static bool parse_int_ms(const char *s, const char *e, double *out)
{
    const char *p = s;
    bool neg = false;
    if (p < e && (*p == '+' || *p == '-'))
        neg = *p++ == '-';
    if (p == e)
        return false;
    int64_t v = 0;
    for (; p < e; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (*p - '0');
    }
    *out = (double)(neg ? -v : v);
    return true;
}

/* ---- strings ---- */

static bool valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

/* A quoted string starting after its opening quote: sets *s to its body and
 * returns the position after the closing quote, or NULL (with the error). */
static const char *quoted(parser *ps, const char *p, const char *e, prom_str *s, const char *what)
{
    s->p = p;
    s->escaped = false;
    bool high = false;
    for (; p < e; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            s->len = (size_t)(p - s->p);
            if (high && !valid_utf8((const unsigned char *)s->p, s->len)) {
                fail(ps, "%s is not valid UTF-8", what);
                return NULL;
            }
            return p + 1;
        }
        if (c == '\\') {
            if (p + 1 >= e || (p[1] != '\\' && p[1] != '"' && p[1] != 'n')) {
                fail(ps, "invalid escape in %s (only \\\\, \\\" and \\n)", what);
                return NULL;
            }
            s->escaped = true;
            p++;
        } else if (c >= 0x80) {
            high = true;
        }
    }
    fail(ps, "%s has no closing quote", what);
    return NULL;
}

size_t prom_unescape(prom_str s, char *out, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (s.escaped && c == '\\' && i + 1 < s.len) {
            c = s.p[++i];
            if (c == 'n')
                c = '\n';
        }
        if (size && n < size - 1)
            out[n] = c;
        n++;
    }
    if (size)
        out[n < size - 1 ? n : size - 1] = '\0';
    return n;
}

bool prom_str_eq(prom_str s, const char *text)
{
    if (!s.escaped)
        return s.len == strlen(text) && memcmp(s.p, text, s.len) == 0;
    size_t tlen = strlen(text);
    char buf[512];
    if (tlen >= sizeof(buf))
        return false;
    size_t n = prom_unescape(s, buf, sizeof(buf));
    return n == tlen && memcmp(buf, text, n) == 0;
}

const prom_str *prom_label_get(const prom_sample *s, const char *name)
{
    for (size_t i = 0; i < s->nlabels; i++)
        if (prom_str_eq(s->labels[i].name, name))
            return &s->labels[i].value;
    return NULL;
}

/* ---- lines ---- */

static const char *metric_name(const char *p, const char *e, prom_str *name)
{
    name->p = p;
    name->escaped = false;
    if (p == e || !name_start((unsigned char)*p))
        return NULL;
    while (p < e && name_char((unsigned char)*p))
        p++;
    name->len = (size_t)(p - name->p);
    return p;
}

static bool str_is(prom_str s, const char *lit, size_t n)
{
    return !s.escaped && s.len == n && memcmp(s.p, lit, n) == 0;
}

static int comment(parser *ps, const char *p, const char *e, bool *eof)
{
    p = skip_blanks(p + 1, e);
    const char *word = p;
    while (p < e && !is_blank(*p))
        p++;
    size_t wlen = (size_t)(p - word);
    if (wlen == 3 && memcmp(word, "EOF", 3) == 0 && skip_blanks(p, e) == e) {
        *eof = true;
        return 0;
    }
    bool help = wlen == 4 && memcmp(word, "HELP", 4) == 0;
    bool type = wlen == 4 && memcmp(word, "TYPE", 4) == 0;
    if ((!help && !type) || p == e)
        return 0; /* any other comment */
    p = skip_blanks(p, e);
    prom_str name;
    if (p < e && *p == '"') {
        p = quoted(ps, p + 1, e, &name, "the metric name");
        if (!p)
            return -1;
    } else if (!(p = metric_name(p, e, &name))) {
        return fail(ps, "# %s without a valid metric name", help ? "HELP" : "TYPE");
    }
    if (p < e && !is_blank(*p))
        return fail(ps, "invalid metric name in # %s", help ? "HELP" : "TYPE");
    p = skip_blanks(p, e);
    if (help) {
        prom_str text = {.p = p, .len = (size_t)(e - p), .escaped = false};
        for (const char *q = p; q < e; q++) {
            if (*q != '\\')
                continue;
            if (q + 1 >= e || (q[1] != '\\' && q[1] != 'n'))
                return fail(ps, "invalid escape in # HELP text (only \\\\ and \\n)");
            text.escaped = true;
            q++;
        }
        if (ps->h->help)
            ps->h->help(name, text, ps->arg);
        return 0;
    }
    const char *t = p;
    while (p < e && !is_blank(*p))
        p++;
    prom_str tw = {.p = t, .len = (size_t)(p - t)};
    if (skip_blanks(p, e) != e)
        return fail(ps, "text after the type in # TYPE");
    static const struct {
        const char *word;
        prom_type type;
    } types[] = {{"counter", PROM_COUNTER},
                 {"gauge", PROM_GAUGE},
                 {"histogram", PROM_HISTOGRAM},
                 {"summary", PROM_SUMMARY},
                 {"untyped", PROM_UNTYPED},
                 {"unknown", PROM_UNTYPED},
                 {"gaugehistogram", PROM_GAUGEHISTOGRAM},
                 {"stateset", PROM_STATESET},
                 {"info", PROM_INFO}};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (str_is(tw, types[i].word, strlen(types[i].word))) {
            ps->family = name.p;
            ps->family_len = name.len;
            ps->family_type = types[i].type;
            if (ps->h->type)
                ps->h->type(name, types[i].type, ps->arg);
            return 0;
        }
    }
    return fail(ps, "unknown metric type \"%.*s\" in # TYPE", (int)(tw.len > 40 ? 40 : tw.len),
                tw.p);
}

/* The sample's le or quantile label, when its family makes it one. */
static int numeric_label(parser *ps, prom_sample *s, const prom_label *l)
{
    bool le = str_is(l->name, "le", 2), quantile = str_is(l->name, "quantile", 8);
    if (!le && !quantile)
        return 0;
    if (!ps->family || s->name.len < ps->family_len ||
        memcmp(s->name.p, ps->family, ps->family_len) != 0)
        return 0;
    const char *suffix = s->name.p + ps->family_len;
    size_t slen = s->name.len - ps->family_len;
    if (le && !((ps->family_type == PROM_HISTOGRAM || ps->family_type == PROM_GAUGEHISTOGRAM) &&
                slen == 7 && memcmp(suffix, "_bucket", 7) == 0))
        return 0;
    if (quantile && !(ps->family_type == PROM_SUMMARY && slen == 0))
        return 0;
    char buf[128];
    prom_unescape(l->value, buf, sizeof(buf));
    double v;
    if (l->value.len >= sizeof(buf) || !parse_float(buf, buf + strlen(buf), &v))
        return fail(ps, "%s=\"%.40s\" is not a number", le ? "le" : "quantile", buf);
    if (le) {
        s->has_le = true;
        s->le = v;
    } else {
        s->has_quantile = true;
        s->quantile = v;
    }
    return 0;
}

static const char *labels(parser *ps, const char *p, const char *e, prom_sample *s)
{
    for (;;) {
        p = skip_blanks(p, e);
        if (p < e && *p == '}')
            return p + 1;
        prom_str name;
        if (p < e && *p == '"') {
            p = quoted(ps, p + 1, e, &name, "a quoted name");
            if (!p)
                return NULL;
            const char *q = skip_blanks(p, e);
            if (q < e && (*q == ',' || *q == '}')) {
                /* {"metric.name", ...}: the UTF-8 form of the metric name */
                if (s->name.len) {
                    fail(ps, "two metric names");
                    return NULL;
                }
                s->name = name;
                p = *q == ',' ? q + 1 : q;
                continue;
            }
        } else {
            const char *start = p;
            if (p == e || !(name_start((unsigned char)*p) && *p != ':')) {
                fail(ps, "invalid label name");
                return NULL;
            }
            while (p < e && name_char((unsigned char)*p) && *p != ':')
                p++;
            name = (prom_str){.p = start, .len = (size_t)(p - start)};
        }
        p = skip_blanks(p, e);
        if (p == e || *p != '=') {
            fail(ps, "expected = after label %.*s", (int)(name.len > 40 ? 40 : name.len), name.p);
            return NULL;
        }
        p = skip_blanks(p + 1, e);
        if (p == e || *p != '"') {
            fail(ps, "label %.*s: the value must be quoted", (int)(name.len > 40 ? 40 : name.len),
                 name.p);
            return NULL;
        }
        if (s->nlabels == PROM_MAX_LABELS) {
            fail(ps, "more than %d labels", PROM_MAX_LABELS);
            return NULL;
        }
        prom_label *l = &s->labels[s->nlabels];
        l->name = name;
        if (!(p = quoted(ps, p + 1, e, &l->value, "a label value")))
            return NULL;
        for (size_t i = 0; i < s->nlabels; i++) {
            if (s->labels[i].name.len == name.len &&
                memcmp(s->labels[i].name.p, name.p, name.len) == 0) {
                fail(ps, "label %.*s given twice", (int)(name.len > 40 ? 40 : name.len), name.p);
                return NULL;
            }
        }
        s->nlabels++;
        p = skip_blanks(p, e);
        if (p < e && *p == ',') {
            p++;
            continue;
        }
        if (p < e && *p == '}')
            return p + 1;
        fail(ps, "expected , or } after a label value");
        return NULL;
    }
}

/* An OpenMetrics exemplar: " # {labels} value [timestamp]"; checked, skipped */
static int exemplar(parser *ps, const char *p, const char *e)
{
    p = skip_blanks(p + 1, e);
    if (p == e || *p != '{')
        return fail(ps, "an exemplar must start with {");
    prom_sample ex;
    ex.nlabels = 0;
    ex.name.len = 0;
    if (!(p = labels(ps, p + 1, e, &ex)))
        return -1;
    p = skip_blanks(p, e);
    const char *v = p;
    while (p < e && !is_blank(*p))
        p++;
    double d;
    if (!parse_float(v, p, &d))
        return fail(ps, "the exemplar's value is not a number");
    p = skip_blanks(p, e);
    if (p < e) {
        const char *ts = p;
        while (p < e && !is_blank(*p))
            p++;
        if (!parse_float(ts, p, &d) || skip_blanks(p, e) != e)
            return fail(ps, "text after the exemplar");
    }
    return 0;
}

static int sample_line(parser *ps, const char *p, const char *e, prom_sample *s)
{
    s->nlabels = 0;
    s->has_timestamp = s->has_le = s->has_quantile = false;
    s->line = ps->line;
    s->name.len = 0;
    s->name.escaped = false;
    if (*p != '{') {
        const char *q = metric_name(p, e, &s->name);
        if (!q)
            return fail(ps, "invalid metric name");
        p = q;
        if (p < e && !is_blank(*p) && *p != '{')
            return fail(ps, "invalid character '%c' in the metric name", *p);
        p = skip_blanks(p, e);
    }
    if (p < e && *p == '{') {
        if (!(p = labels(ps, p + 1, e, s)))
            return -1;
        if (!s->name.len)
            return fail(ps, "no metric name");
        p = skip_blanks(p, e);
    }
    for (size_t i = 0; i < s->nlabels; i++)
        if (numeric_label(ps, s, &s->labels[i]) < 0)
            return -1;
    const char *v = p;
    while (p < e && !is_blank(*p))
        p++;
    if (v == p)
        return fail(ps, "no value");
    if (!parse_float(v, p, &s->value))
        return fail(ps, "value \"%.*s\" is not a number", (int)(p - v > 40 ? 40 : p - v), v);
    p = skip_blanks(p, e);
    if (p < e && *p != '#') {
        const char *t = p;
        while (p < e && !is_blank(*p))
            p++;
        bool ok;
        if (ps->format == PROM_FORMAT_OPENMETRICS) {
            ok = parse_float(t, p, &s->timestamp_ms);
            s->timestamp_ms *= 1000.0;
        } else {
            ok = parse_int_ms(t, p, &s->timestamp_ms);
        }
        if (!ok)
            return fail(ps, "timestamp \"%.*s\" is not %s", (int)(p - t > 40 ? 40 : p - t), t,
                        ps->format == PROM_FORMAT_OPENMETRICS ? "a number"
                                                              : "an integer (milliseconds)");
        s->has_timestamp = true;
        p = skip_blanks(p, e);
    }
    if (p < e && *p == '#') {
        if (exemplar(ps, p, e) < 0)
            return -1;
        p = e;
    }
    if (p != e)
        return fail(ps, "text after the %s", s->has_timestamp ? "timestamp" : "value");
    return ps->h->sample ? ps->h->sample(s, ps->arg) : 0;
}

int prom_parse(const char *buf, size_t len, prom_format format, const prom_handlers *h, void *arg,
               prom_error *err)
{
    parser ps = {.format = format, .h = h, .arg = arg, .err = err, .line = 0};
    prom_sample s;
    err->line = 0;
    err->reason[0] = '\0';
    const char *p = buf, *end = buf + len;
    bool eof = false;
    while (p < end) {
        ps.line++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        if (eof)
            return fail(&ps, "text after # EOF");
        if (e > p && e[-1] == '\r')
            return fail(&ps, "carriage return at the end of the line (lines end with \\n)");
        const char *q = skip_blanks(p, e);
        int rc = 0;
        if (q == e) {
            if (format == PROM_FORMAT_OPENMETRICS)
                return fail(&ps, "empty line");
        } else if (*q == '#') {
            rc = comment(&ps, q, e, &eof);
        } else {
            rc = sample_line(&ps, q, e, &s);
        }
        if (rc != 0)
            return rc;
        p = nl ? nl + 1 : end;
    }
    if (format == PROM_FORMAT_OPENMETRICS && !eof) {
        ps.line++;
        return fail(&ps, "no # EOF at the end");
    }
    return 0;
}

prom_format prom_format_of(const char *content_type)
{
    if (content_type && strncasecmp(content_type, "application/openmetrics-text", 28) == 0)
        return PROM_FORMAT_OPENMETRICS;
    return PROM_FORMAT_TEXT;
}
