/* The golden-signal math against values computed by hand: counter
 * increases through resets, histogram_quantile() with Prometheus's rules,
 * the per-series map, rates from two scrapes, and PromQL answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "opsdeck/signals/scrape_rates.h"
#include "opsdeck/signals/levels.h"
#include "opsdeck/signals/quantile.h"
#include "opsdeck/signals/series_map.h"

#define near(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static void increases_and_resets(void **state)
{
    near(counter_increase(100, 130), 30);
    near(counter_increase(130, 130), 0);
    near(counter_increase(130, 20), 20); /* reset: counts from zero */
    assert_true(isnan(counter_increase(NAN, 3)));
}

static void quantiles_by_hand(void **state)
{
    bucket b[] = {{0.1, 10}, {0.5, 30}, {1, 40}, {INFINITY, 40}};
    near(histogram_quantile(0.5, b, 4), 0.3);   /* rank 20: 0.1 + 0.4 * 10/20 */
    near(histogram_quantile(0.95, b, 4), 0.9);  /* rank 38: 0.5 + 0.5 * 8/10 */
    near(histogram_quantile(0.99, b, 4), 0.98); /* rank 39.6 */
    near(histogram_quantile(0, b, 4), 0);
    near(histogram_quantile(1, b, 4), 1);
    assert_true(isinf(histogram_quantile(-0.1, b, 4)) && histogram_quantile(-0.1, b, 4) < 0);
    assert_true(isinf(histogram_quantile(1.1, b, 4)) && histogram_quantile(1.1, b, 4) > 0);
    /* a rank in the +Inf bucket: the highest finite bound */
    bucket tail[] = {{0.1, 10}, {INFINITY, 20}};
    near(histogram_quantile(0.9, tail, 2), 0.1);
    /* the first bucket interpolates from zero */
    bucket first[] = {{0.2, 10}, {INFINITY, 10}};
    near(histogram_quantile(0.5, first, 2), 0.1);
    /* a non-positive first bound is returned as is */
    bucket neg[] = {{-1, 5}, {INFINITY, 10}};
    near(histogram_quantile(0.2, neg, 2), -1);
    /* counts that go down are taken as the highest so far */
    bucket bumpy[] = {{0.1, 10}, {0.5, 8}, {1, 20}, {INFINITY, 20}};
    near(histogram_quantile(0.5, bumpy, 4), 0.1);
}

static void quantiles_without_data(void **state)
{
    bucket empty[] = {{0.1, 0}, {1, 0}, {INFINITY, 0}};
    assert_true(isnan(histogram_quantile(0.95, empty, 3))); /* no observations */
    bucket no_inf[] = {{0.1, 3}, {1, 5}};
    assert_true(isnan(histogram_quantile(0.5, no_inf, 2)));
    bucket one[] = {{INFINITY, 5}};
    assert_true(isnan(histogram_quantile(0.5, one, 1)));
    assert_true(isnan(histogram_quantile(NAN, empty, 3)));
}

static void buckets_sorted_and_merged(void **state)
{
    bucket b[] = {{INFINITY, 4}, {0.5, 2}, {0.1, 1}, {0.5, 3}, {INFINITY, 6}};
    size_t n = buckets_normalise(b, 5);
    assert_int_equal(n, 3);
    near(b[0].le, 0.1);
    near(b[0].count, 1);
    near(b[1].le, 0.5);
    near(b[1].count, 5);
    assert_true(isinf(b[2].le));
    near(b[2].count, 10);
}

static void series_map_per_series(void **state)
{
    series_map *m = series_map_new();
    assert_non_null(m);
    series_map_begin(m);
    assert_true(isnan(series_map_update(m, "a", 1, 10)));
    assert_true(isnan(series_map_update(m, "b", 1, 5)));
    assert_true(isnan(series_map_update(m, "a", 1, 11))); /* twice in one scrape */
    series_map_end(m);
    series_map_begin(m);
    near(series_map_update(m, "a", 1, 15), 4);
    near(series_map_update(m, "b", 1, 2), 2); /* b was reset */
    series_map_end(m);
    series_map_begin(m);
    near(series_map_update(m, "a", 1, 15), 0);
    series_map_end(m); /* b not seen: forgotten */
    assert_int_equal(series_map_count(m), 1);
    series_map_begin(m);
    assert_true(isnan(series_map_update(m, "b", 1, 7)));
    /* many series: the table grows */
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "series-%d", i);
        series_map_update(m, key, strlen(key), i);
    }
    series_map_end(m);
    assert_int_equal(series_map_count(m), 5001); /* a was not seen: forgotten */
    series_map_begin(m);
    near(series_map_update(m, "series-4321", 11, 4400), 79);
    assert_false(series_map_full(m));
    series_map_end(m);
    series_map_free(m);
}

static const char *page1 = "# TYPE http_requests_total counter\n"
                           "http_requests_total{method=\"GET\",status=\"2xx\"} 100\n"
                           "http_requests_total{method=\"GET\",status=\"5xx\"} 10\n"
                           "# TYPE http_request_duration_seconds histogram\n"
                           "http_request_duration_seconds_bucket{le=\"0.1\"} 50\n"
                           "http_request_duration_seconds_bucket{le=\"0.5\"} 90\n"
                           "http_request_duration_seconds_bucket{le=\"+Inf\"} 110\n";
static const char *page2 = "# TYPE http_requests_total counter\n"
                           "http_requests_total{method=\"GET\",status=\"2xx\"} 200\n"
                           "http_requests_total{method=\"GET\",status=\"5xx\"} 30\n"
                           "# TYPE http_request_duration_seconds histogram\n"
                           "http_request_duration_seconds_bucket{le=\"0.1\"} 80\n"
                           "http_request_duration_seconds_bucket{le=\"0.5\"} 190\n"
                           "http_request_duration_seconds_bucket{le=\"+Inf\"} 230\n";
/* the process restarted: 2xx counts from zero, 5xx did not move */
static const char *page3 = "# TYPE http_requests_total counter\n"
                           "http_requests_total{method=\"GET\",status=\"2xx\"} 50\n"
                           "http_requests_total{method=\"GET\",status=\"5xx\"} 30\n";

static void rates_from_two_scrapes(void **state)
{
    host_config host;
    memset(&host, 0, sizeof(host));
    scrape_rates sr = {0};
    golden_values g;
    char err[256];
    assert_int_equal(
        scrape_rates_update(&sr, &host, page1, strlen(page1), PROM_FORMAT_TEXT, 1000, &g, err, 256),
        0);
    assert_true(isnan(g.rps)); /* the first scrape only primes */
    assert_int_equal(
        scrape_rates_update(&sr, &host, page2, strlen(page2), PROM_FORMAT_TEXT, 1010, &g, err, 256),
        0);
    near(g.rps, 12.0);               /* (100 + 20) / 10 s */
    near(g.error_ratio, 20.0 / 120); /* 5xx share of the increase */
    /* bucket increases: 30, 100, 120 -> p50 rank 60 in (0.1, 0.5]: 0.1 + 0.4 * 30/70 */
    near(g.p50_s, 0.1 + 0.4 * 30.0 / 70.0);
    near(g.p95_s, 0.5); /* rank 114 in +Inf: the highest finite bound */
    assert_int_equal(
        scrape_rates_update(&sr, &host, page3, strlen(page3), PROM_FORMAT_TEXT, 1020, &g, err, 256),
        0);
    near(g.rps, 5.0);
    near(g.error_ratio, 0.0);
    assert_true(isnan(g.p95_s)); /* no histogram in this page */
    series_map_free(sr.series);
}

static void configured_names(void **state)
{
    host_config host;
    memset(&host, 0, sizeof(host));
    host.requests_metric = (char *)"api_hits";
    host.status_label = (char *)"code";
    const char *a = "api_hits{code=\"200\"} 1\napi_hits{code=\"503\"} 1\nhttp_requests_total 9\n";
    const char *b = "api_hits{code=\"200\"} 4\napi_hits{code=\"503\"} 2\nhttp_requests_total 99\n";
    scrape_rates sr = {0};
    golden_values g;
    char err[256];
    scrape_rates_update(&sr, &host, a, strlen(a), PROM_FORMAT_TEXT, 10, &g, err, 256);
    scrape_rates_update(&sr, &host, b, strlen(b), PROM_FORMAT_TEXT, 12, &g, err, 256);
    near(g.rps, 2.0);
    near(g.error_ratio, 0.25);
    series_map_free(sr.series);
}

static void scrape_errors(void **state)
{
    host_config host;
    memset(&host, 0, sizeof(host));
    scrape_rates sr = {0};
    golden_values g;
    char err[256];
    const char *none = "other_metric 1\n";
    assert_int_equal(
        scrape_rates_update(&sr, &host, none, strlen(none), PROM_FORMAT_TEXT, 1, &g, err, 256), -1);
    assert_string_equal(err, "no http_requests_total in the metrics page");
    const char *bad = "http_requests_total 1\nhttp_requests_total{ 2\n";
    assert_int_equal(
        scrape_rates_update(&sr, &host, bad, strlen(bad), PROM_FORMAT_TEXT, 2, &g, err, 256), -1);
    assert_non_null(strstr(err, "malformed metrics page, line 2"));
    series_map_free(sr.series);
}

static void promql_answers(void **state)
{
    double v = 0;
    char err[256];
    assert_int_equal(
        promql_value("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
                     "\"result\":[{\"metric\":{},\"value\":[1700000000.1,\"12.5\"]}]}}",
                     &v, err, 256),
        0);
    near(v, 12.5);
    assert_int_equal(promql_value("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
                                  "\"result\":[]}}",
                                  &v, err, 256),
                     0);
    assert_true(isnan(v));
    assert_int_equal(promql_value("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\","
                                  "\"result\":[1700000000,\"NaN\"]}}",
                                  &v, err, 256),
                     0);
    assert_true(isnan(v));
    assert_int_equal(promql_value("{\"status\":\"error\",\"errorType\":\"bad_data\","
                                  "\"error\":\"parse error\"}",
                                  &v, err, 256),
                     -1);
    assert_string_equal(err, "query failed: parse error");
    assert_int_equal(promql_value("<html>", &v, err, 256), -1);
    assert_non_null(strstr(err, "not JSON"));
}

static void threshold_levels(void **state)
{
    (void)state;
    assert_int_equal(level_of(0.199, 0.2, 0.5), LEVEL_OK);
    assert_int_equal(level_of(0.2, 0.2, 0.5), LEVEL_WARN); /* at warn is warn */
    assert_int_equal(level_of(0.499, 0.2, 0.5), LEVEL_WARN);
    assert_int_equal(level_of(0.5, 0.2, 0.5), LEVEL_CRIT); /* at crit is critical */
    assert_int_equal(level_of(NAN, 0.2, 0.5), LEVEL_UNKNOWN);
    assert_int_equal(level_of(-1, 0.2, 0.5), LEVEL_UNKNOWN);
    assert_true(signal_known(0));
    assert_false(signal_known(NAN));
    assert_false(signal_known(-1));

    thresholds t = {.p95_warn_s = 0.2,
                    .p95_crit_s = 0.5,
                    .error_warn = 0.01,
                    .error_crit = 0.05,
                    .cpu_warn = 70,
                    .cpu_crit = 90,
                    .mem_warn = 80,
                    .mem_crit = 90};
    golden_sample g = {.rps = 100,
                       .error_ratio = 0.02,
                       .latency_p95_s = 0.1,
                       .cpu_percent = -1,
                       .mem_percent = 85};
    assert_int_equal(golden_level(&g, &t, SIGNAL_RPS), LEVEL_OK); /* no thresholds */
    assert_int_equal(golden_level(&g, &t, SIGNAL_ERRORS), LEVEL_WARN);
    assert_int_equal(golden_level(&g, &t, SIGNAL_P95), LEVEL_OK);
    assert_int_equal(golden_level(&g, &t, SIGNAL_CPU), LEVEL_UNKNOWN);
    assert_int_equal(golden_level(&g, &t, SIGNAL_MEM), LEVEL_WARN);
    assert_int_equal(golden_worst(&g, &t), LEVEL_WARN);
    g.error_ratio = 0.05;
    assert_int_equal(golden_worst(&g, &t), LEVEL_CRIT);
    /* unknown values never make a host critical */
    golden_sample none = {
        .rps = NAN, .error_ratio = NAN, .latency_p95_s = NAN, .cpu_percent = -1, .mem_percent = -1};
    assert_int_equal(golden_worst(&none, &t), LEVEL_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(increases_and_resets),   cmocka_unit_test(quantiles_by_hand),
        cmocka_unit_test(quantiles_without_data), cmocka_unit_test(buckets_sorted_and_merged),
        cmocka_unit_test(series_map_per_series),  cmocka_unit_test(rates_from_two_scrapes),
        cmocka_unit_test(configured_names),       cmocka_unit_test(scrape_errors),
        cmocka_unit_test(promql_answers),         cmocka_unit_test(threshold_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
