/* Alertmanager's answer (a real one, captured from the sandbox's
 * Alertmanager: tests/unit/fixtures/alertmanager/alerts.json), and what a
 * broken or hostile one gets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/alert_counts.h"
#include "opsdeck/parse/alerts_json.h"

static char *read_fixture(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof(path), "tests/unit/fixtures/alertmanager/%s", name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[65536];
    *len = fread(buf, 1, sizeof(buf) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void real_answer_sorted_by_severity_then_age(void **state)
{
    (void)state;
    size_t len;
    const char *json = read_fixture("alerts.json", &len);
    alerts_sample s;
    char err[256];
    assert_int_equal(alerts_parse(json, len, &s, err, sizeof(err)), 0);
    assert_int_equal(s.count, 3);
    assert_string_equal(s.items[0].name, "APIDown");
    assert_string_equal(s.items[0].severity, "critical");
    assert_string_equal(s.items[0].state, "active");
    assert_string_equal(s.items[0].summary, "API is down");
    assert_string_equal(s.items[1].name, "DiskFull");
    assert_string_equal(s.items[1].summary, "Disk 95% full");
    assert_string_equal(s.items[1].starts_at, "2026-11-25T03:00:00.000Z");
    assert_true(s.items[1].starts_at_epoch == 1795575600.0);
    /* the escape sequence in a label is kept as received (sanitized at display) */
    assert_non_null(strcasestr(s.items[1].labels_json, "\\u001b[31m"));
    assert_string_equal(s.items[2].name, "Info1");
    assert_string_equal(s.items[2].state, "suppressed");
    assert_non_null(strstr(s.items[0].labels_json, "\"alertname\":\"APIDown\""));
    alerts_sample_clear(&s);
}

static void same_severity_oldest_first(void **state)
{
    (void)state;
    const char *json =
        "[{\"labels\":{\"alertname\":\"B\",\"severity\":\"warning\"},"
        "\"startsAt\":\"2026-11-25T04:00:00Z\",\"status\":{\"state\":\"active\"}},"
        "{\"labels\":{\"alertname\":\"A\",\"severity\":\"warning\"},"
        "\"startsAt\":\"2026-11-25T03:00:00+01:00\",\"status\":{\"state\":\"active\"}},"
        "{\"labels\":{\"alertname\":\"C\",\"severity\":\"page\"},"
        "\"startsAt\":\"2026-11-24T00:00:00Z\"}]";
    alerts_sample s;
    char err[256];
    assert_int_equal(alerts_parse(json, strlen(json), &s, err, sizeof(err)), 0);
    assert_int_equal(s.count, 3);
    assert_string_equal(s.items[0].name, "A"); /* 02:00Z, older than B */
    assert_string_equal(s.items[1].name, "B");
    assert_string_equal(s.items[2].name, "C"); /* unknown severity last */
    assert_string_equal(s.items[2].state, "unprocessed");
    alerts_sample_clear(&s);
}

static void times(void **state)
{
    (void)state;
    assert_true(alerts_parse_time("1970-01-01T00:00:10Z") == 10);
    assert_true(alerts_parse_time("1970-01-01T00:00:10.5Z") == 10.5);
    assert_true(alerts_parse_time("1970-01-01T01:00:10+01:00") == 10);
    assert_true(alerts_parse_time("yesterday") == 0);
    assert_true(alerts_parse_time("1970-01-01T00:00:10") == 0);
}

static void refused_answers(void **state)
{
    (void)state;
    alerts_sample s;
    char err[256];
    assert_int_equal(alerts_parse("{\"error\":1}", 11, &s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "array"));
    assert_int_equal(alerts_parse("[{\"labels\":", 11, &s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not JSON"));
    assert_int_equal(alerts_parse("\xff\xfe", 2, &s, err, sizeof(err)), -1);
    /* entries that are not alerts are skipped, not guessed */
    const char *odd = "[1, \"x\", {\"nolabels\":true}, {\"labels\":{\"alertname\":\"Ok\"}}]";
    assert_int_equal(alerts_parse(odd, strlen(odd), &s, err, sizeof(err)), 0);
    assert_int_equal(s.count, 1);
    assert_string_equal(s.items[0].name, "Ok");
    assert_string_equal(s.items[0].severity, "");
    alerts_sample_clear(&s);
}

static void long_fields_are_cut_not_overflowed(void **state)
{
    (void)state;
    size_t n = 20000;
    char *name = malloc(n + 1);
    memset(name, 'N', n);
    name[n] = '\0';
    char *json = malloc(n * 2 + 200);
    sprintf(json, "[{\"labels\":{\"alertname\":\"%s\"},\"annotations\":{\"summary\":\"%s\"}}]",
            name, name);
    alerts_sample s;
    char err[256];
    assert_int_equal(alerts_parse(json, strlen(json), &s, err, sizeof(err)), 0);
    assert_int_equal(strlen(s.items[0].name), sizeof(s.items[0].name) - 1);
    assert_int_equal(strlen(s.items[0].summary), sizeof(s.items[0].summary) - 1);
    alerts_sample_clear(&s);
    free(json);
    free(name);
}

static void counts_leave_out_suppressed(void **state)
{
    (void)state;
    size_t len;
    const char *json = read_fixture("alerts.json", &len);
    alerts_sample s;
    char err[256];
    assert_int_equal(alerts_parse(json, len, &s, err, sizeof(err)), 0);
    alert_counts c = {0};
    alert_counts_add(&c, &s); /* APIDown critical, DiskFull warning, Info1 suppressed */
    assert_int_equal(c.critical, 1);
    assert_int_equal(c.warning, 1);
    assert_int_equal(c.other, 0);
    assert_true(alert_suppressed(&s.items[2]));
    assert_false(alert_suppressed(&s.items[0]));
    alert_counts_add(&c, &s); /* counts add up across hosts */
    assert_int_equal(c.critical, 2);
    alerts_sample_clear(&s);
    const char *other = "[{\"labels\":{\"alertname\":\"X\",\"severity\":\"page\"}},"
                        "{\"labels\":{\"alertname\":\"Y\",\"severity\":\"CRITICAL\"},"
                        "\"status\":{\"state\":\"active\"}}]";
    assert_int_equal(alerts_parse(other, strlen(other), &s, err, sizeof(err)), 0);
    alert_counts d = {0};
    alert_counts_add(&d, &s);
    assert_int_equal(d.critical, 1); /* severity compared without case */
    assert_int_equal(d.other, 1);    /* unprocessed counts: it is not suppressed */
    alerts_sample_clear(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_answer_sorted_by_severity_then_age),
        cmocka_unit_test(same_severity_oldest_first),
        cmocka_unit_test(times),
        cmocka_unit_test(refused_answers),
        cmocka_unit_test(long_fields_are_cut_not_overflowed),
        cmocka_unit_test(counts_leave_out_suppressed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
