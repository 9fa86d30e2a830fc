/* The exposition parser: every part of text format 0.0.4, the OpenMetrics
 * additions a scrape meets, and malformed input refused with its line and
 * reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/parse/prom.h"

#define MAX_SEEN 64

typedef struct seen_sample {
    char name[64];
    char labels[256]; /* name=value,... unescaped */
    double value;
    bool has_ts;
    double ts_ms;
    bool has_le, has_quantile;
    double le, quantile;
    int line;
} seen_sample;

typedef struct seen {
    seen_sample s[MAX_SEEN];
    int n;
    char types[256];
    char helps[512];
    int stop_after; /* 0: never */
} seen;

static int on_sample(const prom_sample *s, void *arg)
{
    seen *x = arg;
    assert_true(x->n < MAX_SEEN);
    seen_sample *o = &x->s[x->n++];
    prom_unescape(s->name, o->name, sizeof(o->name));
    o->labels[0] = '\0';
    for (size_t i = 0; i < s->nlabels; i++) {
        char n[64], v[128];
        prom_unescape(s->labels[i].name, n, sizeof(n));
        prom_unescape(s->labels[i].value, v, sizeof(v));
        size_t len = strlen(o->labels);
        snprintf(o->labels + len, sizeof(o->labels) - len, "%s%s=%s", i ? "," : "", n, v);
    }
    o->value = s->value;
    o->has_ts = s->has_timestamp;
    o->ts_ms = s->timestamp_ms;
    o->has_le = s->has_le;
    o->le = s->le;
    o->has_quantile = s->has_quantile;
    o->quantile = s->quantile;
    o->line = s->line;
    return x->stop_after && x->n == x->stop_after ? 7 : 0;
}

static void on_type(prom_str name, prom_type type, void *arg)
{
    seen *x = arg;
    char n[64];
    prom_unescape(name, n, sizeof(n));
    size_t len = strlen(x->types);
    snprintf(x->types + len, sizeof(x->types) - len, "%s:%d;", n, (int)type);
}

static void on_help(prom_str name, prom_str text, void *arg)
{
    seen *x = arg;
    char n[64], t[256];
    prom_unescape(name, n, sizeof(n));
    prom_unescape(text, t, sizeof(t));
    size_t len = strlen(x->helps);
    snprintf(x->helps + len, sizeof(x->helps) - len, "%s:%s;", n, t);
}

static const prom_handlers handlers = {.sample = on_sample, .type = on_type, .help = on_help};

static seen *parse_ok(const char *text, prom_format f)
{
    static seen x;
    memset(&x, 0, sizeof(x));
    prom_error err;
    int rc = prom_parse(text, strlen(text), f, &handlers, &x, &err);
    if (rc != 0)
        fail_msg("parse failed at line %d: %s", err.line, err.reason);
    return &x;
}

static void expect_error(const char *text, prom_format f, int line, const char *reason)
{
    seen x;
    memset(&x, 0, sizeof(x));
    prom_error err;
    int rc = prom_parse(text, strlen(text), f, &handlers, &x, &err);
    if (rc != -1)
        fail_msg("accepted: %s", text);
    if (err.line != line || !strstr(err.reason, reason))
        fail_msg("for %s: got line %d \"%s\", wanted line %d \"%s\"", text, err.line, err.reason,
                 line, reason);
}

static void counters_gauges_help_type(void **state)
{
    seen *x = parse_ok("# HELP http_requests_total Requests served.\n"
                       "# TYPE http_requests_total counter\n"
                       "http_requests_total{method=\"GET\",status=\"200\"} 1027\n"
                       "http_requests_total{method=\"POST\",status=\"500\"} 3 1395066363000\n"
                       "\n"
                       "# a comment that is neither\n"
                       "# TYPE temperature gauge\n"
                       "temperature -3.5e1\n"
                       "no_type_at_all 42", /* the last line needs no newline */
                       PROM_FORMAT_TEXT);
    assert_int_equal(x->n, 4);
    assert_string_equal(x->s[0].name, "http_requests_total");
    assert_string_equal(x->s[0].labels, "method=GET,status=200");
    assert_true(x->s[0].value == 1027);
    assert_false(x->s[0].has_ts);
    assert_int_equal(x->s[0].line, 3);
    assert_true(x->s[1].has_ts);
    assert_true(x->s[1].ts_ms == 1395066363000.0);
    assert_true(x->s[2].value == -35);
    assert_int_equal(x->s[2].line, 8);
    assert_string_equal(x->s[3].name, "no_type_at_all");
    assert_string_equal(x->types, "http_requests_total:1;temperature:2;");
    assert_string_equal(x->helps, "http_requests_total:Requests served.;");
}

static void escapes(void **state)
{
    seen *x = parse_ok("# HELP m A \\\\ backslash\\nand a newline \"quoted\"\n"
                       "m{path=\"C:\\\\dir\",msg=\"say \\\"hi\\\"\\nbye\",empty=\"\"} 1\n",
                       PROM_FORMAT_TEXT);
    assert_string_equal(x->helps, "m:A \\ backslash\nand a newline \"quoted\";");
    assert_string_equal(x->s[0].labels, "path=C:\\dir,msg=say \"hi\"\nbye,empty=");
}

/* prom_str_eq and prom_label_get see through escapes */
static int check_label_get(const prom_sample *s, void *arg)
{
    const prom_str *v = prom_label_get(s, "a");
    assert_non_null(v);
    assert_true(v->escaped);
    assert_true(prom_str_eq(*v, "x\"y"));
    assert_false(prom_str_eq(*v, "x\\\"y"));
    assert_null(prom_label_get(s, "b"));
    (*(int *)arg)++;
    return 0;
}

static void label_lookup(void **state)
{
    const char *text = "m{a=\"x\\\"y\"} 1\n";
    prom_handlers h = {.sample = check_label_get};
    prom_error err;
    int calls = 0;
    assert_int_equal(prom_parse(text, strlen(text), PROM_FORMAT_TEXT, &h, &calls, &err), 0);
    assert_int_equal(calls, 1);
}

static void numbers(void **state)
{
    seen *x = parse_ok("a NaN\nb +Inf\nc -Inf\nd Inf\ne nan\nf -infinity\n"
                       "g 1.5e3\nh 0.1\ni 123456789012345678901234\nj -0.000001\nk 1e300\n"
                       "l .5\nm 1.\nn 4.9e-324\no 0.30000000000000004\n",
                       PROM_FORMAT_TEXT);
    assert_int_equal(x->n, 15);
    assert_true(isnan(x->s[0].value));
    assert_true(isinf(x->s[1].value) && x->s[1].value > 0);
    assert_true(isinf(x->s[2].value) && x->s[2].value < 0);
    assert_true(isinf(x->s[3].value) && x->s[3].value > 0);
    assert_true(isnan(x->s[4].value));
    assert_true(isinf(x->s[5].value) && x->s[5].value < 0);
    assert_true(x->s[6].value == 1500.0);
    assert_true(x->s[7].value == 0.1);
    assert_true(x->s[8].value == strtod("123456789012345678901234", NULL));
    assert_true(x->s[9].value == -0.000001);
    assert_true(x->s[10].value == 1e300);
    assert_true(x->s[11].value == 0.5);
    assert_true(x->s[12].value == 1.0);
    assert_true(x->s[13].value == strtod("4.9e-324", NULL));
    assert_true(x->s[14].value == 0.30000000000000004);
    expect_error("n 0x10\n", PROM_FORMAT_TEXT, 1, "is not a number");
    expect_error("n 1e\n", PROM_FORMAT_TEXT, 1, "is not a number");
    expect_error("n 1,5\n", PROM_FORMAT_TEXT, 1, "is not a number");
}

static void histograms_and_summaries(void **state)
{
    seen *x = parse_ok("# TYPE http_request_duration_seconds histogram\n"
                       "http_request_duration_seconds_bucket{le=\"0.005\"} 1\n"
                       "http_request_duration_seconds_bucket{le=\"1e-1\",path=\"/\"} 2\n"
                       "http_request_duration_seconds_bucket{le=\"+Inf\"} 3\n"
                       "http_request_duration_seconds_sum 0.7\n"
                       "http_request_duration_seconds_count 3\n"
                       "# TYPE rpc_seconds summary\n"
                       "rpc_seconds{quantile=\"0.99\"} 0.2\n"
                       "rpc_seconds_sum 4\n"
                       "# TYPE plain gauge\n"
                       "plain{le=\"not a number\",quantile=\"nor this\"} 1\n",
                       PROM_FORMAT_TEXT);
    assert_int_equal(x->n, 8);
    assert_true(x->s[0].has_le && x->s[0].le == 0.005);
    assert_true(x->s[1].has_le && x->s[1].le == 0.1);
    assert_true(x->s[2].has_le && isinf(x->s[2].le));
    assert_false(x->s[3].has_le);
    assert_true(x->s[5].has_quantile && x->s[5].quantile == 0.99);
    assert_false(x->s[6].has_quantile);
    /* le and quantile on a gauge are ordinary labels */
    assert_false(x->s[7].has_le);
    assert_false(x->s[7].has_quantile);
    assert_string_equal(x->s[7].labels, "le=not a number,quantile=nor this");
    expect_error("# TYPE h histogram\nh_bucket{le=\"x\"} 1\n", PROM_FORMAT_TEXT, 2,
                 "le=\"x\" is not a number");
    expect_error("# TYPE s summary\ns{quantile=\"\"} 1\n", PROM_FORMAT_TEXT, 2,
                 "quantile=\"\" is not a number");
}

static void quoted_names(void **state)
{
    seen *x = parse_ok("# TYPE \"my.metric\" counter\n"
                       "{\"my.metric\",\"my.label\"=\"v\"} 2\n"
                       "{\"my.metric\"} 1\n"
                       "plain{\"dotted.label\"=\"w\", } 3\n",
                       PROM_FORMAT_TEXT);
    assert_int_equal(x->n, 3);
    assert_string_equal(x->s[0].name, "my.metric");
    assert_string_equal(x->s[0].labels, "my.label=v");
    assert_string_equal(x->s[1].name, "my.metric");
    assert_string_equal(x->s[1].labels, "");
    assert_string_equal(x->s[2].labels, "dotted.label=w");
    assert_string_equal(x->types, "my.metric:1;");
    expect_error("{\"a\",\"b\"} 1\n", PROM_FORMAT_TEXT, 1, "two metric names");
    expect_error("{x=\"1\"} 1\n", PROM_FORMAT_TEXT, 1, "no metric name");
}

static void whitespace(void **state)
{
    seen *x = parse_ok("  m { a = \"1\" ,\tb=\"2\", }\t 5 \t 1000  \n\t\n", PROM_FORMAT_TEXT);
    assert_int_equal(x->n, 1);
    assert_string_equal(x->s[0].labels, "a=1,b=2");
    assert_true(x->s[0].value == 5 && x->s[0].ts_ms == 1000);
}

static void openmetrics(void **state)
{
    seen *x = parse_ok("# TYPE req counter\n"
                       "# UNIT req requests\n"
                       "# HELP req Requests.\n"
                       "req_total{code=\"200\"} 10 1520879607.789\n"
                       "req_created{code=\"200\"} 1520872607.123\n"
                       "# TYPE lat histogram\n"
                       "lat_bucket{le=\"0.1\"} 8 # {trace_id=\"KOO5S4vxi0o\"} 0.067 1520879602.3\n"
                       "lat_bucket{le=\"+Inf\"} 9 # {} 2\n"
                       "# EOF\n",
                       PROM_FORMAT_OPENMETRICS);
    assert_int_equal(x->n, 4);
    assert_true(x->s[0].has_ts);
    assert_true(fabs(x->s[0].ts_ms - 1520879607789.0) < 0.5);
    assert_string_equal(x->s[1].name, "req_created"); /* _created is a sample like any */
    assert_true(x->s[2].has_le && x->s[2].le == 0.1 && x->s[2].value == 8);
    assert_true(x->s[3].value == 9);
    /* # EOF ends the text format too */
    x = parse_ok("a 1\n# EOF\n", PROM_FORMAT_TEXT);
    assert_int_equal(x->n, 1);
    expect_error("a 1\n# EOF\nb 2\n", PROM_FORMAT_OPENMETRICS, 3, "after # EOF");
    expect_error("a 1\n", PROM_FORMAT_OPENMETRICS, 2, "no # EOF");
    expect_error("a 1\n\n# EOF\n", PROM_FORMAT_OPENMETRICS, 2, "empty line");
    expect_error("a 1 # trace\n# EOF\n", PROM_FORMAT_OPENMETRICS, 1, "must start with {");
    expect_error("a 1 # {a=\"b\"} x\n# EOF\n", PROM_FORMAT_OPENMETRICS, 1,
                 "exemplar's value is not a number");
    assert_int_equal(prom_format_of("application/openmetrics-text; version=1.0.0"),
                     PROM_FORMAT_OPENMETRICS);
    assert_int_equal(prom_format_of("text/plain; version=0.0.4"), PROM_FORMAT_TEXT);
    assert_int_equal(prom_format_of(NULL), PROM_FORMAT_TEXT);
}

static void malformed_lines(void **state)
{
    static const struct {
        const char *text;
        int line;
        const char *reason;
    } cases[] = {
        {"ok 1\nfoo{a=\"b\" 1\n", 2, "expected , or }"},
        {"ok 1\nfoo{a=b} 1\n", 2, "must be quoted"},
        {"ok 1\n\nfoo bar\n", 3, "value \"bar\" is not a number"},
        {"foo 1 abc\n", 1, "timestamp \"abc\" is not an integer"},
        {"foo 1 1.5\n", 1, "is not an integer"},
        {"foo 1 2 3\n", 1, "text after the timestamp"},
        {"# TYPE foo bogus\n", 1, "unknown metric type \"bogus\""},
        {"# TYPE foo counter extra\n", 1, "text after the type"},
        {"# TYPE 9foo counter\n", 1, "without a valid metric name"},
        {"foo{a=\"\\x\"} 1\n", 1, "invalid escape"},
        {"foo{a=\"1\",a=\"2\"} 1\n", 1, "label a given twice"},
        {"1foo 1\n", 1, "invalid metric name"},
        {"foo-bar 1\n", 1, "invalid character '-'"},
        {"foo\n", 1, "no value"},
        {"foo{a=\"\xff\"} 1\n", 1, "not valid UTF-8"},
        {"foo{a=\"\xed\xa0\x80\"} 1\n", 1, "not valid UTF-8"}, /* a surrogate */
        {"foo{a=\"abc} 1\n", 1, "no closing quote"},
        {"foo 1\r\n", 1, "carriage return"},
        {"# HELP foo bad \\t escape\n", 1, "invalid escape in # HELP"},
        {"foo{9a=\"1\"} 1\n", 1, "invalid label name"},
        {"foo{a:b=\"1\"} 1\n", 1, "expected = after label a"},
        {"foo{a=\"1\"}} 1\n", 1, "is not a number"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_error(cases[i].text, PROM_FORMAT_TEXT, cases[i].line, cases[i].reason);
    char many[4096] = "foo{";
    for (int i = 0; i < PROM_MAX_LABELS + 1; i++) {
        size_t len = strlen(many);
        snprintf(many + len, sizeof(many) - len, "l%d=\"v\",", i);
    }
    strcat(many, "} 1\n");
    expect_error(many, PROM_FORMAT_TEXT, 1, "more than 64 labels");
}

static void handler_stops_the_parse(void **state)
{
    seen x;
    memset(&x, 0, sizeof(x));
    x.stop_after = 2;
    prom_error err;
    const char *text = "a 1\nb 2\nc 3\n";
    assert_int_equal(prom_parse(text, strlen(text), PROM_FORMAT_TEXT, &handlers, &x, &err), 7);
    assert_int_equal(x.n, 2);
}

static void empty_and_bounds(void **state)
{
    seen *x = parse_ok("", PROM_FORMAT_TEXT);
    assert_int_equal(x->n, 0);
    /* the parser reads only the bytes it is given: a value cut at the end */
    const char *text = "a 12345";
    seen y;
    memset(&y, 0, sizeof(y));
    prom_error err;
    assert_int_equal(prom_parse(text, 4, PROM_FORMAT_TEXT, &handlers, &y, &err), 0);
    assert_int_equal(y.n, 1);
    assert_true(y.s[0].value == 12);
    /* a NUL inside is just a byte that is not allowed there */
    const char bin[] = "a 1\nb\0 2\n";
    assert_int_equal(prom_parse(bin, sizeof(bin) - 1, PROM_FORMAT_TEXT, &handlers, &y, &err), -1);
    assert_int_equal(err.line, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counters_gauges_help_type),
        cmocka_unit_test(escapes),
        cmocka_unit_test(label_lookup),
        cmocka_unit_test(numbers),
        cmocka_unit_test(histograms_and_summaries),
        cmocka_unit_test(quoted_names),
        cmocka_unit_test(whitespace),
        cmocka_unit_test(openmetrics),
        cmocka_unit_test(malformed_lines),
        cmocka_unit_test(handler_stops_the_parse),
        cmocka_unit_test(empty_and_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
