/* One container's inspect (the Engine API's GET /containers/{id}/json, the
 * object `docker inspect` prints) and the shell command that reaches the
 * engine, over objects captured from a real Docker engine
 * (tests/unit/fixtures/docker/: a throwaway dockerd with a busybox image,
 * containers healthy, unhealthy, paused, exited, created, restarted and
 * restarting), and over every kind of broken object. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opsdeck/parse/docker_json.h"

#define MAX_FIXTURE 8

typedef struct fixture {
    char *objects[MAX_FIXTURE]; /* each container's object, as the engine sends it */
    container_info items[MAX_FIXTURE];
    size_t count;
} fixture;

/* A fixture (a `docker inspect` array), each object parsed on its own. */
static void load(const char *name, fixture *fx)
{
    /* __FILE__ is tests/unit/test_docker_json.c, relative to the tree root */
    char path[512];
    const char *slash = strrchr(__FILE__, '/');
    snprintf(path, sizeof(path), "%.*s/fixtures/docker/%s", (int)(slash - __FILE__), __FILE__,
             name);
    json_error_t err;
    json_t *arr = json_load_file(path, 0, &err);
    assert_true(json_is_array(arr));
    memset(fx, 0, sizeof(*fx));
    assert_true(json_array_size(arr) <= MAX_FIXTURE);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        fx->objects[i] = json_dumps(json_array_get(arr, i), JSON_INDENT(4));
        char why[256];
        assert_int_equal(docker_parse_inspect_one(fx->objects[i], strlen(fx->objects[i]),
                                                  &fx->items[i], why, sizeof(why)),
                         0);
        assert_string_equal(why, "");
        fx->count++;
    }
    json_decref(arr);
}

static void unload(fixture *fx)
{
    for (size_t i = 0; i < fx->count; i++)
        free(fx->objects[i]);
}

static const container_info *find(const fixture *fx, const char *name)
{
    for (size_t i = 0; i < fx->count; i++)
        if (strcmp(fx->items[i].name, name) == 0)
            return &fx->items[i];
    fail_msg("no container named %s", name);
    return NULL;
}

static int parse_str(const char *s, container_info *ci, char *why, size_t whysize)
{
    return docker_parse_inspect_one(s, strlen(s), ci, why, whysize);
}

/* ---- real engine objects ---- */

static void running_fleet(void **state)
{
    (void)state;
    fixture fx;
    load("running.json", &fx);
    assert_int_equal(fx.count, 6);

    const container_info *api = find(&fx, "api");
    assert_string_equal(api->id,
                        "34e77c76882a91662ff4201ca7ad4e123e60c033016d803f0a3ddb4982db6ce0");
    assert_string_equal(api->image, "busybox:local");
    assert_string_equal(api->state, "running");
    assert_string_equal(api->health, "healthy");
    assert_string_equal(api->compose_service, "api");
    assert_int_equal(api->restarts, 0);
    assert_float_equal(api->started_at, 1795580542.449378808, 1e-5); /* 2026-11-25T04:22:22.449 */
    /* the figures come from the stats requests, not from inspect */
    assert_true(api->cpu_percent < 0);
    assert_true(api->mem_bytes < 0);
    assert_string_equal(api->status, "");

    const container_info *plain = find(&fx, "plain");
    assert_string_equal(plain->health, "");
    assert_string_equal(plain->compose_service, "caddy");

    assert_string_equal(find(&fx, "sick")->health, "unhealthy");
    assert_string_equal(find(&fx, "sick")->compose_service, "");

    const container_info *flappy = find(&fx, "flappy");
    assert_string_equal(flappy->state, "exited");
    assert_int_equal(flappy->restarts, 3);
    assert_int_equal(flappy->exit_code, 1);
    assert_true(flappy->finished_at >= flappy->started_at);

    assert_int_equal(find(&fx, "gone")->exit_code, 3);
    const container_info *made = find(&fx, "made");
    assert_string_equal(made->state, "created");
    assert_float_equal(made->started_at, 0, 0); /* docker's 0001-01-01: never */
    unload(&fx);
}

static void paused_and_restarting(void **state)
{
    (void)state;
    fixture fx;
    load("paused-restarting.json", &fx);
    assert_int_equal(fx.count, 7);
    const container_info *looper = find(&fx, "looper");
    assert_string_equal(looper->state, "restarting");
    assert_int_equal(looper->restarts, 6);
    assert_int_equal(looper->exit_code, 2);
    assert_string_equal(find(&fx, "plain")->state, "paused");
    unload(&fx);
}

static void times(void **state)
{
    (void)state;
    assert_float_equal(docker_parse_time("1970-01-01T00:00:01Z"), 1, 0);
    assert_float_equal(docker_parse_time("2026-12-02T16:20:52.5Z"), 1796228452.5, 1e-6);
    assert_float_equal(docker_parse_time("0001-01-01T00:00:00Z"), 0, 0);
    assert_float_equal(docker_parse_time("yesterday"), 0, 0);
    assert_float_equal(docker_parse_time(""), 0, 0);
    assert_float_equal(docker_parse_time(NULL), 0, 0);
}

/* ---- broken objects ---- */

#define ID_A "aaaa000000000000000000000000000000000000000000000000000000000001"

static void malformed_objects_are_refused_or_flagged(void **state)
{
    (void)state;
    container_info c;
    char why[256];
    /* no Id or Name, not an object, not JSON: refused, saying why */
    assert_int_equal(parse_str("{\"Name\": \"/no-id\"}", &c, why, sizeof(why)), -1);
    assert_string_equal(why, "docker inspect: no Id or Name");
    assert_int_equal(parse_str("{\"Id\": \"\", \"Name\": \"/x\"}", &c, why, sizeof(why)), -1);
    assert_int_equal(parse_str("42", &c, why, sizeof(why)), -1);
    assert_string_equal(why, "inspect is not a JSON object");
    assert_int_equal(parse_str("[{\"Id\": \"" ID_A "\"}]", &c, why, sizeof(why)), -1);
    assert_int_equal(parse_str("{not json", &c, why, sizeof(why)), -1);
    assert_int_equal(parse_str("", &c, why, sizeof(why)), -1);

    /* kept, incomplete: no State.Status; odd figures clamped */
    assert_int_equal(parse_str("{\"Id\": \"" ID_A "\", \"Name\": \"/b\", \"RestartCount\": -5, "
                               "\"State\": {\"ExitCode\": \"x\"}, \"Config\": 7}",
                               &c, why, sizeof(why)),
                     0);
    assert_string_equal(why, "docker inspect: no State.Status");
    assert_string_equal(c.name, "b");
    assert_string_equal(c.state, "unknown");
    assert_string_equal(c.image, "");
    assert_int_equal(c.restarts, 0);
    assert_int_equal(c.exit_code, 0);
    assert_int_equal(parse_str("{\"Id\": \"" ID_A "\", \"Name\": \"/b\", \"RestartCount\": "
                               "99999999999, \"State\": {\"Status\": \"running\"}}",
                               &c, why, sizeof(why)),
                     0);
    assert_string_equal(why, "");
    assert_int_equal(c.restarts, 1000000000);
}

static void huge_and_hostile_strings_are_kept_bounded(void **state)
{
    (void)state;
    /* a 4000-byte name of two-byte characters, escape sequences in the
     * image, a health status too long for its field, a NUL in a label */
    size_t cap = 64 * 1024;
    char *obj = malloc(cap);
    assert_non_null(obj);
    int n = snprintf(obj, cap, "{\"Id\": \"" ID_A "\", \"Name\": \"/");
    for (int i = 0; i < 2000; i++)
        n += snprintf(obj + n, cap - n, "\xc3\xa9");
    snprintf(obj + n, cap - n,
             "\", \"State\": {\"Status\": \"running\", \"Health\": {\"Status\": "
             "\"healthy-but-this-is-far-too-long-for-the-field\"}}, \"Config\": {\"Image\": "
             "\"\\u001b[31mred\", \"Labels\": {\"com.docker.compose.service\": "
             "\"x\\n\\u0000y\"}}}");
    container_info c;
    char why[256];
    assert_int_equal(parse_str(obj, &c, why, sizeof(why)), 0);
    /* bounded to the field, cut between characters, not inside one */
    assert_int_equal(strlen(c.name), 126);
    assert_int_equal((unsigned char)c.name[125], 0xa9);
    assert_int_equal(strlen(c.health), 31);
    /* stored as received: the display sanitizes, the parser does not hide */
    assert_string_equal(c.image, "\x1b[31mred");
    assert_string_equal(c.compose_service, "x\n");
    free(obj);
}

static void cut_off_objects_are_refused(void **state)
{
    (void)state;
    fixture fx;
    load("running.json", &fx);
    const char *obj = fx.objects[5];
    size_t len = strlen(obj);
    for (size_t cut = 0; cut < len; cut += 7) {
        char *copy = malloc(cut ? cut : 1);
        memcpy(copy, obj, cut);
        container_info c;
        char why[256];
        assert_int_equal(docker_parse_inspect_one(copy, cut, &c, why, sizeof(why)), -1);
        assert_string_not_equal(why, "");
        free(copy);
    }
    unload(&fx);
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
    fixture fx;
    load("paused-restarting.json", &fx);
    uint32_t seed = 12345;
    for (int round = 0; round < 700; round++) {
        /* a real object with a few bytes changed: mostly still valid */
        const char *obj = fx.objects[round % fx.count];
        size_t len = strlen(obj);
        char *buf = malloc(len);
        assert_non_null(buf);
        memcpy(buf, obj, len);
        for (int k = 0; k < 1 + round % 8; k++)
            buf[next_rand(&seed) % len] = (char)next_rand(&seed);
        container_info c;
        char why[256];
        if (docker_parse_inspect_one(buf, len, &c, why, sizeof(why)) == 0) {
            assert_true(strlen(c.name) < sizeof(c.name));
            assert_true(strlen(c.state) < sizeof(c.state));
        } else {
            assert_string_not_equal(why, "");
        }
        free(buf);
    }
    unload(&fx);
}

/* ---- the command line ---- */

static void command_quotes_the_prefix(void **state)
{
    (void)state;
    char cmd[4096];
    const char *script = "exec \"$@\" system dial-stdio";
    assert_true(docker_shell_command("sudo  docker -H unix:///run/it's.sock", script, cmd,
                                     sizeof(cmd)) > 0);
    assert_string_equal(cmd, "sh -c 'exec \"$@\" system dial-stdio' 'opsdeck-containers' "
                             "'sudo' 'docker' '-H' 'unix:///run/it'\\''s.sock'");
    assert_true(docker_shell_command(NULL, script, cmd, sizeof(cmd)) > 0);
    assert_non_null(strstr(cmd, "'opsdeck-containers' 'docker'"));
    assert_true(docker_shell_command("  ", script, cmd, sizeof(cmd)) > 0);
    assert_non_null(strstr(cmd, "'opsdeck-containers' 'docker'"));
    assert_int_equal(docker_shell_command("docker", script, cmd, 40), -1);
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
    assert_true(docker_shell_command(prefix, "exec \"$@\" system dial-stdio", cmd, sizeof(cmd)) >
                0);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char out[8192];
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = '\0';
    assert_int_equal(pclose(p), 0);
    struct stat st;
    assert_int_not_equal(stat(path, &st), 0);
    /* echo printed its arguments, the prefix's words, where docker would run */
    char want[2100];
    snprintf(want, sizeof(want), ";touch %s $(touch %s) `touch %s` system dial-stdio\n", path, path,
             path);
    assert_string_equal(out, want);
    rmdir(dir);
}

/* The socket is read off the docker value only when the value says nothing
 * but where it is; anything else is the command's business (dial-stdio). */
static void engine_socket_only_from_plain_values(void **state)
{
    char path[64];
    assert_true(docker_engine_socket("docker", path, sizeof(path)));
    assert_string_equal(path, "/var/run/docker.sock");
    assert_true(docker_engine_socket(NULL, path, sizeof(path)));
    assert_string_equal(path, "/var/run/docker.sock");
    assert_true(docker_engine_socket(" \t", path, sizeof(path)));
    assert_string_equal(path, "/var/run/docker.sock");
    assert_true(
        docker_engine_socket("/usr/bin/docker -H unix:///tmp/s/docker.sock", path, sizeof(path)));
    assert_string_equal(path, "/tmp/s/docker.sock");
    assert_true(docker_engine_socket("docker  --host\tunix:///run/d.sock ", path, sizeof(path)));
    assert_string_equal(path, "/run/d.sock");
    assert_true(docker_engine_socket("docker --host=unix:///run/e.sock", path, sizeof(path)));
    assert_string_equal(path, "/run/e.sock");

    static const char *const refused[] = {
        "sudo docker",
        "sudo -n docker -H unix:///run/d.sock",
        "docker -H tcp://10.0.0.1:2375",
        "docker -H ssh://deploy@db1",
        "docker -H unix://relative.sock",
        "docker -H unix://",
        "docker -H",
        "docker --tls -H unix:///run/d.sock",
        "docker -H unix:///run/d.sock --tls",
        "docker --context prod",
        "mydocker",
        "podman",
        "/usr/local/bin/docker-wrapper",
        "docker -H unix:///a/path/longer/than/the/buffer/given/to/it/by/the/caller/docker.sock",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        strcpy(path, "untouched");
        assert_false(docker_engine_socket(refused[i], path, sizeof(path)));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(running_fleet),
        cmocka_unit_test(paused_and_restarting),
        cmocka_unit_test(times),
        cmocka_unit_test(malformed_objects_are_refused_or_flagged),
        cmocka_unit_test(huge_and_hostile_strings_are_kept_bounded),
        cmocka_unit_test(cut_off_objects_are_refused),
        cmocka_unit_test(garbage_never_crashes),
        cmocka_unit_test(command_quotes_the_prefix),
        cmocka_unit_test(command_never_evaluates_the_prefix),
        cmocka_unit_test(engine_socket_only_from_plain_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
