/* The HTTP/1.1 response reader fed byte by byte and whole, and the Engine
 * API figures computed as docker's CLI computes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "opsdeck/parse/docker_api.h"
#include "opsdeck/parse/http_reader.h"

typedef struct got {
    int status, done;
    char body[256];
    size_t len;
} got;

static void on_head(int status, void *arg)
{
    ((got *)arg)->status = status;
}

static void on_body(const char *buf, size_t len, void *arg)
{
    got *g = arg;
    assert_true(g->len + len < sizeof(g->body));
    memcpy(g->body + g->len, buf, len);
    g->len += len;
}

static void on_done(void *arg)
{
    ((got *)arg)->done++;
}

static const http_reader_cb cb = {.head = on_head, .body = on_body, .done = on_done};

static const char two[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
                          "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";

static void whole_and_byte_by_byte(void **state)
{
    (void)state;
    for (int split = 0; split < 2; split++) {
        http_reader r;
        http_reader_init(&r);
        got g = {0};
        size_t n = strlen(two);
        if (split) {
            for (size_t i = 0; i < n; i++)
                assert_int_equal(http_reader_feed(&r, two + i, 1, &cb, &g), 0);
        } else {
            assert_int_equal(http_reader_feed(&r, two, n, &cb, &g), 0);
        }
        assert_int_equal(g.done, 2);
        assert_int_equal(g.status, 404);
        assert_int_equal(g.len, 10);
        assert_memory_equal(g.body, "helloabcde", 10);
    }
}

static void refused(void **state)
{
    (void)state;
    http_reader r;
    got g = {0};
    http_reader_init(&r);
    assert_int_equal(http_reader_feed(&r, "SSH-2.0-x\r\n", 11, &cb, &g), -1);
    assert_non_null(strstr(r.error, "status line"));
    char big[HTTP_LINE_MAX + 10];
    memset(big, 'a', sizeof(big));
    http_reader_init(&r);
    assert_int_equal(http_reader_feed(&r, "HTTP/1.1 200 OK\r\n", 17, &cb, &g), 0);
    assert_int_equal(http_reader_feed(&r, big, sizeof(big), &cb, &g), -1);
    http_reader_init(&r);
    const char bad[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
    assert_int_equal(http_reader_feed(&r, bad, strlen(bad), &cb, &g), -1);
    /* three digits, but no HTTP status (fuzz/corpus/engine_api/crash-status-000) */
    http_reader_init(&r);
    assert_int_equal(http_reader_feed(&r, "HTTP/1.1 000 OK\r\n", 17, &cb, &g), -1);
    assert_non_null(strstr(r.error, "not an HTTP status"));
}

static void docker_figures(void **state)
{
    (void)state;
    docker_cpu_sample a = {true, 1e9, 100e9, 2}, b = {true, 1.5e9, 102e9, 2};
    assert_float_equal(docker_cpu_percent(&a, &b), 50.0, 1e-9); /* 0.5 s of 2 s, 2 CPUs */
    docker_cpu_sample none = {0};
    assert_true(docker_cpu_percent(&none, &b) < 0);
    char s[64];
    docker_human_duration(0.5, s, sizeof(s));
    assert_string_equal(s, "Less than a second");
    docker_human_duration(75, s, sizeof(s));
    assert_string_equal(s, "About a minute");
    docker_human_duration(3 * 3600, s, sizeof(s));
    assert_string_equal(s, "3 hours");
    const char stats[] = "{\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":5},\"system_cpu_usage\":9,"
                         "\"online_cpus\":2},\"memory_stats\":{\"usage\":1000,\"stats\":"
                         "{\"inactive_file\":200}}}";
    docker_cpu_sample c;
    int64_t mem;
    char why[64];
    assert_int_equal(docker_api_parse_stats(stats, strlen(stats), &c, &mem, why, sizeof(why)), 0);
    assert_true(c.valid);
    assert_int_equal(mem, 800); /* as docker stats: less the inactive page cache */
    /* counters near DBL_MAX (a host's bytes): unknown, never inf or NaN
     * (fuzz/corpus/engine_api/crash-cpu-percent-nan.bin) */
    docker_cpu_sample low = {true, -1.7e308, -1.7e308, 2}, high = {true, 1.7e308, 1.7e308, 2};
    assert_true(docker_cpu_percent(&low, &high) == -1);
    /* a CPU count past INT_MAX or a negative page cache: read as absent */
    const char odd[] = "{\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":5},\"system_cpu_usage\":9,"
                       "\"online_cpus\":1e300},\"memory_stats\":{\"usage\":1000,\"stats\":"
                       "{\"inactive_file\":-1e300}}}";
    assert_int_equal(docker_api_parse_stats(odd, strlen(odd), &c, &mem, why, sizeof(why)), 0);
    assert_false(c.valid); /* no CPU count, no percpu_usage */
    assert_int_equal(mem, 1000);
    /* cgroup v1 (engine 20.10 here): no online_cpus on old engines, the
     * CPUs counted from percpu_usage; the page cache as total_inactive_file */
    const char v1[] =
        "{\"read\":\"2026-12-03T01:00:00Z\",\"blkio_stats\":{\"io_service_bytes_"
        "recursive\":[{\"major\":8,\"op\":\"Read\",\"value\":4096}]},\"cpu_stats\":"
        "{\"cpu_usage\":{\"total_usage\":2.5e9,\"percpu_usage\":[1,2,3,4]},"
        "\"system_cpu_usage\":40e9},\"precpu_stats\":{\"cpu_usage\":{\"total_usage\":0}},"
        "\"memory_stats\":{\"usage\":5000,\"stats\":{\"total_inactive_file\":1000,"
        "\"inactive_file\":4000}}}";
    assert_int_equal(docker_api_parse_stats(v1, strlen(v1), &c, &mem, why, sizeof(why)), 0);
    assert_true(c.valid);
    assert_int_equal(c.online_cpus, 4);
    assert_float_equal(c.total_ns, 2.5e9, 0);
    assert_float_equal(c.system_ns, 40e9, 0);
    assert_int_equal(mem, 4000);
    /* two of them one interval apart: docker stats' CPU % */
    docker_cpu_sample later = c;
    later.total_ns += 0.5e9;
    later.system_ns += 4e9;
    assert_float_equal(docker_cpu_percent(&c, &later), 50.0, 1e-9);
    /* an answer that is not a JSON object: refused with a reason */
    const char *const not_stats[] = {"[]", "{\"cpu_stats\":", "<html>"};
    for (size_t i = 0; i < 3; i++) {
        why[0] = '\0';
        assert_int_equal(
            docker_api_parse_stats(not_stats[i], strlen(not_stats[i]), &c, &mem, why, sizeof(why)),
            -1);
        assert_false(c.valid);
        assert_true(why[0] != '\0');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(whole_and_byte_by_byte),
        cmocka_unit_test(refused),
        cmocka_unit_test(docker_figures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
