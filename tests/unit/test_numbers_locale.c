/* Numbers read the same under a decimal-comma locale (es_ES.UTF-8, which
 * scripts/install-deps.sh generates): num_strtod itself, and every reader
 * that takes a decimal from the outside world: the config's thresholds,
 * the exposition parser's slow path, PromQL sample values, alert start
 * times. Each test runs with LC_ALL set to the comma locale, the worst case
 * (main() sets only LC_CTYPE). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opsdeck/config.h"
#include "opsdeck/numbers.h"
#include "opsdeck/parse/alerts_json.h"
#include "opsdeck/parse/prom.h"
#include "opsdeck/signals/scrape_rates.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    /* no SKIP: the install script generates it; a missing one is a failure */
    if (!setlocale(LC_ALL, "es_ES.UTF-8")) {
        fprintf(stderr, "es_ES.UTF-8 is not generated (scripts/install-deps.sh does it)\n");
        return -1;
    }
    strcpy(dir, "/tmp/opsdeck-numbers-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[96];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    setlocale(LC_ALL, "C");
    return system(cmd);
}

static void the_locale_really_has_a_decimal_comma(void **state)
{
    (void)state;
    /* otherwise every test below proves nothing */
    assert_string_equal(localeconv()->decimal_point, ",");
    char *end;
    assert_true(strtod("0.25", &end) == 0.0 && *end == '.');
}

static void num_strtod_reads_a_point(void **state)
{
    (void)state;
    char *end;
    assert_true(num_strtod("0.25", &end) == 0.25);
    assert_int_equal(*end, '\0');
    assert_true(num_strtod("1.5e-3s", &end) == 1.5e-3);
    assert_string_equal(end, "s");
    /* a comma is not a decimal point here either: it ends the number */
    assert_true(num_strtod("0,25", &end) == 0.0);
    assert_string_equal(end, ",25");
    assert_true(num_strtod("12", NULL) == 12.0);
}

static void config_thresholds_read_decimals(void **state)
{
    (void)state;
    char path[96];
    snprintf(path, sizeof(path), "%s/opsdeck.conf", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("[opsdeck]\n"
          "slow_query = 0.5\n"
          "error_warn = 0.5%\n"
          "error_crit = 0.02\n"
          "p95_warn = 0.25s\n"
          "p95_crit = 750ms\n"
          "[env staging]\n"
          "[host api]\n"
          "env = staging\n",
          f);
    fclose(f);
    chmod(path, 0600);
    opsdeck_config cfg;
    config_problems p = {0};
    int rc = config_load(path, &cfg, &p);
    for (size_t i = 0; i < p.count; i++)
        fprintf(stderr, "  problem %d: %s\n", p.items[i].line, p.items[i].message);
    assert_int_equal(rc, 0);
    assert_true(cfg.slow_query_s == 0.5);
    assert_true(cfg.limits.error_warn == 0.005);
    assert_true(cfg.limits.error_crit == 0.02);
    assert_true(cfg.limits.p95_warn_s == 0.25);
    assert_true(cfg.limits.p95_crit_s == 0.75);
    config_problems_free(&p);
    config_free(&cfg);
}

static int keep_value(const prom_sample *s, void *arg)
{
    *(double *)arg = s->value;
    return 0;
}

static void exposition_slow_path_reads_decimals(void **state)
{
    (void)state;
    /* more than 19 significant digits: past the exact fast path */
    const char *text = "x 0.12345678901234567890123\n";
    prom_handlers h = {.sample = keep_value};
    double v = 0;
    prom_error err;
    assert_int_equal(prom_parse(text, strlen(text), PROM_FORMAT_TEXT, &h, &v, &err), 0);
    assert_true(v > 0.1234567890 && v < 0.1234567891);
}

static void promql_sample_reads_decimals(void **state)
{
    (void)state;
    const char *body = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
                       "\"result\":[{\"metric\":{},\"value\":[1700000000.123,\"0.0375\"]}]}}";
    double v = -1;
    char err[128] = "";
    assert_int_equal(promql_value(body, &v, err, sizeof(err)), 0);
    assert_true(v == 0.0375);
}

static void alert_start_time_keeps_its_fraction(void **state)
{
    (void)state;
    double t = alerts_parse_time("2024-03-01T10:00:00.25Z");
    assert_true(t == 1709287200.25);
    t = alerts_parse_time("2024-03-01T11:00:00.5+01:00");
    assert_true(t == 1709287200.5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_locale_really_has_a_decimal_comma),
        cmocka_unit_test(num_strtod_reads_a_point),
        cmocka_unit_test(config_thresholds_read_decimals),
        cmocka_unit_test(exposition_slow_path_reads_decimals),
        cmocka_unit_test(promql_sample_reads_decimals),
        cmocka_unit_test(alert_start_time_keeps_its_fraction),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
