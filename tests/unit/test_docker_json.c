/* The containers command and its parser, over output captured from a real
 * Docker engine (tests/unit/fixtures/docker/: a throwaway dockerd with a
 * busybox image, containers healthy, unhealthy, paused, exited, created,
 * restarted and restarting), and over every kind of broken output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opsdeck/parse/docker_json.h"

static char *read_fixture(const char *name, size_t *len)
{
    /* __FILE__ is tests/unit/test_docker_json.c, relative to the tree root */
    char path[512];
    const char *slash = strrchr(__FILE__, '/');
    snprintf(path, sizeof(path), "%.*s/fixtures/docker/%s", (int)(slash - __FILE__), __FILE__,
             name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static const container_info *find(const docker_parse_result *r, const char *name)
{
    for (size_t i = 0; i < r->count; i++)
        if (strcmp(r->items[i].name, name) == 0)
            return &r->items[i];
    fail_msg("no container named %s", name);
    return NULL;
}

static int parse_str(const char *s, docker_parse_result *r)
{
    return docker_parse_output(s, strlen(s), r);
}

/* ---- real engine output ---- */

static void running_fleet(void **state)
{
    (void)state;
    size_t len;
    char *buf = read_fixture("running.out", &len);
    docker_parse_result r;
    assert_int_equal(docker_parse_output(buf, len, &r), 0);
    assert_string_equal(r.error, "");
    assert_string_equal(r.warning, "");
    assert_int_equal(r.skipped, 0);
    assert_int_equal(r.flagged, 0);
    assert_int_equal(r.stats_exit, 0);
    assert_int_equal(r.count, 6);
    const char *order[] = {"api", "flappy", "gone", "made", "plain", "sick"};
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(r.items[i].name, order[i]);

    const container_info *api = find(&r, "api");
    assert_string_equal(api->id,
                        "34e77c76882a91662ff4201ca7ad4e123e60c033016d803f0a3ddb4982db6ce0");
    assert_string_equal(api->image, "busybox:local");
    assert_string_equal(api->state, "running");
    assert_string_equal(api->health, "healthy");
    assert_string_equal(api->status, "Up 3 minutes (healthy)");
    assert_string_equal(api->compose_service, "api");
    assert_int_equal(api->restarts, 0);
    assert_float_equal(api->cpu_percent, 1.32, 1e-9);
    assert_int_equal(api->mem_bytes, 448 * 1024);

    const container_info *plain = find(&r, "plain");
    assert_string_equal(plain->health, "");
    assert_string_equal(plain->compose_service, "caddy");
    assert_float_equal(plain->cpu_percent, 97.12, 1e-9);
    assert_int_equal(plain->mem_bytes, 580 * 1024);

    const container_info *sick = find(&r, "sick");
    assert_string_equal(sick->health, "unhealthy");
    assert_string_equal(sick->status, "Up 3 minutes (unhealthy)");
    assert_string_equal(sick->compose_service, "");

    const container_info *flappy = find(&r, "flappy");
    assert_string_equal(flappy->state, "exited");
    assert_int_equal(flappy->restarts, 3);
    assert_string_equal(flappy->status, "Exited (1) 2 minutes ago");
    assert_true(flappy->cpu_percent < 0);
    assert_true(flappy->mem_bytes < 0);

    assert_string_equal(find(&r, "gone")->status, "Exited (3) 3 minutes ago");
    assert_string_equal(find(&r, "made")->state, "created");
    assert_string_equal(find(&r, "made")->status, "Created");
    docker_parse_result_free(&r);
    free(buf);
}

static void paused_and_restarting(void **state)
{
    (void)state;
    size_t len;
    char *buf = read_fixture("paused-restarting.out", &len);
    docker_parse_result r;
    assert_int_equal(docker_parse_output(buf, len, &r), 0);
    assert_int_equal(r.count, 7);
    assert_int_equal(r.skipped + r.flagged, 0);
    const container_info *looper = find(&r, "looper");
    assert_string_equal(looper->state, "restarting");
    assert_int_equal(looper->restarts, 6);
    assert_string_equal(looper->status, "Restarting (2) 1 second ago");
    const container_info *plain = find(&r, "plain");
    assert_string_equal(plain->state, "paused");
    assert_string_equal(plain->status, "Up 3 minutes (Paused)");
    assert_float_equal(plain->cpu_percent, 0.0, 1e-9);
    assert_int_equal(plain->mem_bytes, 324 * 1024);
    docker_parse_result_free(&r);
    free(buf);
}

/* ---- units ---- */

static void percentages(void **state)
{
    (void)state;
    double v;
    assert_int_equal(docker_parse_percent("12.34%", &v), 0);
    assert_float_equal(v, 12.34, 1e-9);
    assert_int_equal(docker_parse_percent("0.00%", &v), 0);
    assert_float_equal(v, 0, 0);
    assert_int_equal(docker_parse_percent("397.5%", &v), 0); /* four cores busy */
    assert_float_equal(v, 397.5, 1e-9);
    assert_int_equal(docker_parse_percent(" 5% ", &v), 0);
    assert_float_equal(v, 5, 0);
    const char *bad[] = {"--",
                         "",
                         "%",
                         "12.34",
                         "12,34%",
                         "-1%",
                         "1e3%",
                         "12.3.4%",
                         "12%x",
                         "nan%",
                         "99999999999999999999999999999999999%"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(docker_parse_percent(bad[i], &v), -1);
}

static void sizes(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int64_t bytes;
    } good[] = {
        {"0B", 0},
        {"512B", 512},
        {"1KiB", 1024},
        {"12.5MiB", 13107200},
        {"1.5GiB", 1610612736},
        {"2TiB", 2199023255552LL},
        {"3kB", 3000},
        {"3KB", 3000},
        {"1.2MB", 1200000},
        {"1.9GB", 1900000000},
        {"4TB", 4000000000000LL},
    };
    int64_t b;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(docker_parse_size(good[i].text, &b), 0);
        assert_int_equal(b, good[i].bytes);
    }
    const char *bad[] = {"",     "B",     "12",    "12 MiB x",      "12mib",
                         "12XB", "-3MiB", "MiB12", "9999999999PiB", "1.2.3MB"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(docker_parse_size(bad[i], &b), -1);

    assert_int_equal(docker_parse_mem_usage("12.5MiB / 1.9GiB", &b), 0);
    assert_int_equal(b, 13107200);
    assert_int_equal(docker_parse_mem_usage("580KiB / 23.54GiB", &b), 0);
    assert_int_equal(b, 580 * 1024);
    assert_int_equal(docker_parse_mem_usage("100MB", &b), 0); /* no limit shown */
    assert_int_equal(b, 100000000);
    assert_int_equal(docker_parse_mem_usage("-- / --", &b), -1);
    assert_int_equal(docker_parse_mem_usage("/ 1GiB", &b), -1);
}

/* ---- hostile and broken output ---- */

#define ID_A "aaaa000000000000000000000000000000000000000000000000000000000001"
#define ID_B "bbbb000000000000000000000000000000000000000000000000000000000002"

static void no_containers(void **state)
{
    (void)state;
    docker_parse_result r;
    assert_int_equal(parse_str("---opsdeck-ps---\n\n---opsdeck-inspect---\n---opsdeck-stats---\n"
                               "---opsdeck-end--- 0\n",
                               &r),
                     0);
    assert_int_equal(r.count, 0);
    assert_int_equal(r.skipped + r.flagged, 0);
    docker_parse_result_free(&r);
}

static void refuses_what_is_not_the_command_output(void **state)
{
    (void)state;
    docker_parse_result r;
    assert_int_equal(parse_str("", &r), -1);
    assert_string_equal(r.error, "output has no ---opsdeck-ps--- section");
    assert_int_equal(parse_str("---opsdeck-ps---\nx \"Up\"\n", &r), -1);
    assert_string_equal(r.error, "output has no ---opsdeck-inspect--- section");
    /* markers count only at a line start */
    assert_int_equal(parse_str("x---opsdeck-ps---\n---opsdeck-inspect---\n[]\n", &r), -1);
    assert_int_equal(parse_str("---opsdeck-ps---\n---opsdeck-inspect---\n{\"Id\": 1}\n", &r), -1);
    assert_non_null(strstr(r.error, "not a JSON array"));
    assert_int_equal(parse_str("---opsdeck-ps---\n---opsdeck-inspect---\n[{\"Id\": \n", &r), -1);
    assert_non_null(strstr(r.error, "not a JSON array"));
    assert_null(r.items);
}

static void refuses_oversized_output(void **state)
{
    (void)state;
    size_t len = DOCKER_OUTPUT_MAX + 1;
    char *big = malloc(len);
    assert_non_null(big);
    memset(big, ' ', len);
    memcpy(big, "---opsdeck-ps---\n", 17);
    docker_parse_result r;
    assert_int_equal(docker_parse_output(big, len, &r), -1);
    assert_non_null(strstr(r.error, "over the"));
    free(big);
}

static void malformed_entries_are_flagged_not_fatal(void **state)
{
    (void)state;
    const char *out =
        "---opsdeck-ps---\n" ID_A " \"Up 1 second\"\n"
        "no-space-here\n" ID_B " Up unquoted\n"
        "---opsdeck-inspect---\n"
        "[{\"Id\": \"" ID_A "\", \"Name\": \"/a\", \"State\": {\"Status\": "
        "\"running\"}, \"Config\": {\"Image\": \"img\"}, \"RestartCount\": -5},\n"
        " {\"Name\": \"/no-id\"},\n"
        " 42,\n"
        " {\"Id\": \"" ID_B "\", \"Name\": \"/b\"}]\n"
        "---opsdeck-stats---\n"
        "{not json\n"
        "{\"ID\": \"" ID_A "\", \"CPUPerc\": \"lots\", \"MemUsage\": \"1MiB / 2MiB\"}\n"
        "{\"ID\": \"" ID_B "\", \"CPUPerc\": \"--\", \"MemUsage\": \"-- / --\"}\n"
        "{\"ID\": \"unknown\", \"CPUPerc\": \"1%\", \"MemUsage\": \"1B\"}\n"
        "---opsdeck-end--- 0\n";
    docker_parse_result r;
    assert_int_equal(parse_str(out, &r), 0);
    assert_int_equal(r.count, 2);
    assert_int_equal(r.skipped, 2); /* the entry without Id, and 42 */
    /* two bad ps lines, b without State.Status, the non-JSON stats line, "lots" */
    assert_int_equal(r.flagged, 5);
    assert_string_equal(r.warning, "docker inspect entry 2: no Id or Name");
    const container_info *a = find(&r, "a");
    assert_string_equal(a->status, "Up 1 second");
    assert_int_equal(a->restarts, 0);
    assert_true(a->cpu_percent < 0);
    assert_int_equal(a->mem_bytes, 1048576);
    const container_info *b = find(&r, "b");
    assert_string_equal(b->state, "unknown");
    assert_string_equal(b->status, "unknown"); /* its ps line was unreadable */
    assert_string_equal(b->image, "");
    assert_true(b->cpu_percent < 0 && b->mem_bytes < 0); /* "--": unknown, not an error */
    docker_parse_result_free(&r);
}

static void huge_and_hostile_strings_are_kept_bounded(void **state)
{
    (void)state;
    /* a 4000-byte name of two-byte characters, escape sequences in the
     * image and status, and a label whose value would be a marker line if
     * it were not JSON-escaped */
    size_t cap = 64 * 1024;
    char *out = malloc(cap);
    assert_non_null(out);
    int n = snprintf(out, cap,
                     "---opsdeck-ps---\n" ID_A " \"\\u001b[2J\\u001b]0;pwned\\u0007Up\"\n"
                     "---opsdeck-inspect---\n[{\"Id\": \"" ID_A "\", \"Name\": \"/");
    for (int i = 0; i < 2000; i++)
        n += snprintf(out + n, cap - n, "\xc3\xa9");
    snprintf(out + n, cap - n,
             "\", \"State\": {\"Status\": \"running\", \"Health\": {\"Status\": "
             "\"healthy-but-this-is-far-too-long-for-the-field\"}}, \"Config\": {\"Image\": "
             "\"\\u001b[31mred\", \"Labels\": {\"com.docker.compose.service\": "
             "\"x\\n---opsdeck-stats---\\n\"}}}]\n"
             "---opsdeck-stats---\n---opsdeck-end--- 0\n");
    docker_parse_result r;
    assert_int_equal(parse_str(out, &r), 0);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.skipped + r.flagged, 0);
    const container_info *c = &r.items[0];
    /* bounded to the field, cut between characters, not inside one */
    assert_int_equal(strlen(c->name), 126);
    assert_int_equal((unsigned char)c->name[125], 0xa9);
    assert_int_equal(strlen(c->health), 31);
    /* stored as received: the display sanitizes, the parser does not hide */
    assert_string_equal(c->image, "\x1b[31mred");
    assert_string_equal(c->status, "\x1b[2J\x1b]0;pwned\aUp");
    assert_string_equal(c->compose_service, "x\n---opsdeck-stats---\n");
    docker_parse_result_free(&r);
    free(out);
}

static void cut_off_output(void **state)
{
    (void)state;
    size_t len;
    char *buf = read_fixture("running.out", &len);
    const char *stats = strstr(buf, "---opsdeck-stats---");
    assert_non_null(stats);
    size_t stats_at = (size_t)(stats - buf);
    /* every cut inside the inspect array refuses the output; every cut after
     * it keeps the list and says it was cut off */
    for (size_t cut = 0; cut < len; cut += 37) {
        char *copy = malloc(cut ? cut : 1);
        memcpy(copy, buf, cut);
        docker_parse_result r;
        int rc = docker_parse_output(copy, cut, &r);
        if (cut >= stats_at + strlen("---opsdeck-stats---") && cut < len - 1) {
            assert_int_equal(rc, 0);
            assert_int_equal(r.count, 6);
            assert_true(r.flagged >= 1); /* cut off, maybe inside a stats line */
            assert_int_equal(r.skipped, 0);
        } else if (cut < stats_at - 3) {
            assert_int_equal(rc, -1);
        }
        docker_parse_result_free(&r);
        free(copy);
    }
    free(buf);
}

/* Deterministic noise, so that a failure can be replayed. */
static uint32_t next_rand(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static void garbage_never_crashes(void **state)
{
    (void)state;
    size_t len;
    char *fixture = read_fixture("paused-restarting.out", &len);
    uint32_t seed = 12345;
    char *buf = malloc(len);
    assert_non_null(buf);
    for (int round = 0; round < 300; round++) {
        /* the real output with a few bytes changed: mostly still valid */
        memcpy(buf, fixture, len);
        for (int k = 0; k < 1 + round % 8; k++)
            buf[next_rand(&seed) % len] = (char)next_rand(&seed);
        docker_parse_result r;
        if (docker_parse_output(buf, len, &r) == 0) {
            assert_true(r.count <= 7);
            for (size_t i = 0; i < r.count; i++)
                assert_true(strlen(r.items[i].name) < sizeof(r.items[i].name));
        } else {
            assert_string_not_equal(r.error, "");
        }
        docker_parse_result_free(&r);
    }
    for (int round = 0; round < 200; round++) {
        /* pure noise, sometimes behind valid markers */
        size_t n = next_rand(&seed) % 4096;
        size_t at = 0;
        if (round % 2)
            at = (size_t)snprintf(buf, len, "---opsdeck-ps---\n---opsdeck-inspect---\n");
        for (size_t i = at; i < n && i < len; i++)
            buf[i] = (char)next_rand(&seed);
        docker_parse_result r;
        docker_parse_output(buf, n < at ? at : n, &r);
        docker_parse_result_free(&r);
    }
    free(buf);
    free(fixture);
}

/* ---- the command line ---- */

static void command_quotes_the_prefix(void **state)
{
    (void)state;
    char cmd[4096];
    assert_true(docker_status_command("sudo  docker -H unix:///run/it's.sock", cmd, sizeof(cmd)) >
                0);
    const char *args = strstr(cmd, "' 'opsdeck-containers'");
    assert_non_null(args);
    assert_string_equal(args, "' 'opsdeck-containers' 'sudo' 'docker' '-H' "
                              "'unix:///run/it'\\''s.sock'");
    assert_true(docker_status_command(NULL, cmd, sizeof(cmd)) > 0);
    assert_non_null(strstr(cmd, "'opsdeck-containers' 'docker'"));
    assert_true(docker_status_command("  ", cmd, sizeof(cmd)) > 0);
    assert_non_null(strstr(cmd, "'opsdeck-containers' 'docker'"));
    assert_int_equal(docker_status_command("docker", cmd, 100), -1);
}

/* The docker value reaches the host's shell as words, never as code: run
 * the real command line under sh with a prefix full of shell syntax. */
static void command_never_evaluates_the_prefix(void **state)
{
    (void)state;
    char dir[] = "/tmp/opsdeck-docker-json-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char prefix[2048], cmd[4096], path[128];
    snprintf(path, sizeof(path), "%s/pwned", dir);
    snprintf(prefix, sizeof(prefix), "echo ;touch %s $(touch %s) `touch %s`", path, path, path);
    assert_true(docker_status_command(prefix, cmd, sizeof(cmd)) > 0);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char out[8192];
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = '\0';
    assert_int_equal(pclose(p), 0);
    struct stat st;
    assert_int_not_equal(stat(path, &st), 0);
    /* echo printed its arguments where docker's output would be */
    assert_non_null(strstr(out, "---opsdeck-ps---\n;touch "));
    assert_non_null(strstr(out, "---opsdeck-end--- 0"));
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(running_fleet),
        cmocka_unit_test(paused_and_restarting),
        cmocka_unit_test(percentages),
        cmocka_unit_test(sizes),
        cmocka_unit_test(no_containers),
        cmocka_unit_test(refuses_what_is_not_the_command_output),
        cmocka_unit_test(refuses_oversized_output),
        cmocka_unit_test(malformed_entries_are_flagged_not_fatal),
        cmocka_unit_test(huge_and_hostile_strings_are_kept_bounded),
        cmocka_unit_test(cut_off_output),
        cmocka_unit_test(garbage_never_crashes),
        cmocka_unit_test(command_quotes_the_prefix),
        cmocka_unit_test(command_never_evaluates_the_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
