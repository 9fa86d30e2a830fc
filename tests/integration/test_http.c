/* The HTTP client on the loop, against a real server started here: status,
 * body, the size cap, the time bound, a Unix socket, refused connections,
 * and many requests at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "opsdeck/net/http.h"

static char dir[64], port_file[128], sock_path[128], base[128];
static pid_t server;

typedef struct result {
    bool done;
    http_response res;
    char body[256];
    size_t body_len;
} result;

static void on_done(const http_response *res, void *arg)
{
    result *r = arg;
    r->done = true;
    r->res = *res;
    r->body_len = res->body_len;
    snprintf(r->body, sizeof(r->body), "%s", res->body);
    r->res.body = NULL;
}

static int start_server(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/opsdeck-http-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(port_file, sizeof(port_file), "%s/port", dir);
    snprintf(sock_path, sizeof(sock_path), "%s/http.sock", dir);
    server = fork();
    if (server == 0) {
        execl("/usr/bin/python3", "python3", "tests/integration/http_server.py", "127.0.0.9",
              port_file, sock_path, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100; i++) { /* bounded: 10 s */
        FILE *f = fopen(port_file, "r");
        int port = 0;
        if (f && fscanf(f, "%d", &port) == 1 && port > 0) {
            fclose(f);
            snprintf(base, sizeof(base), "http://127.0.0.9:%d", port);
            return 0;
        }
        if (f)
            fclose(f);
        usleep(100000);
    }
    return -1;
}

static int stop_server(void **state)
{
    (void)state;
    if (server > 0) {
        kill(server, SIGTERM);
        waitpid(server, NULL, 0);
    }
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd);
}

/* Runs the loop until every result is done (bounded by limit_ms). */
static void run_until_done(loop_t *loop, result *results, int n, int limit_ms)
{
    int64_t deadline = loop_update_time(loop) + limit_ms;
    for (;;) {
        int pending = 0;
        for (int i = 0; i < n; i++)
            pending += !results[i].done;
        if (!pending || loop_update_time(loop) > deadline)
            return;
        loop_run_once(loop, 100);
    }
}

static result get(const char *path, const char *unix_socket, size_t max, int timeout_ms)
{
    loop_t *loop = loop_new();
    http_client *c = http_client_new(loop);
    char url[256];
    snprintf(url, sizeof(url), "%s%s", base, path);
    result r = {0};
    assert_non_null(http_get(c, url, unix_socket, max, timeout_ms, on_done, &r));
    run_until_done(loop, &r, 1, 20000);
    assert_true(r.done);
    http_client_free(c);
    loop_free(loop);
    return r;
}

static void status_and_body(void **state)
{
    (void)state;
    result r = get("/ok", NULL, 4096, 5000);
    assert_true(r.res.ok);
    assert_int_equal(r.res.status, 200);
    assert_string_equal(r.body, "{\"status\":\"ok\"}");
    assert_true(r.res.total_s > 0 && r.res.total_s < 5);
    r = get("/unavailable", NULL, 4096, 5000);
    assert_true(r.res.ok); /* a response, whatever its status */
    assert_int_equal(r.res.status, 503);
}

static void the_size_is_capped(void **state)
{
    (void)state;
    result r = get("/big/100000", NULL, 100000, 5000);
    assert_true(r.res.ok);
    assert_int_equal(r.body_len, 100000);
    r = get("/big/100001", NULL, 100000, 5000);
    assert_false(r.res.ok);
    assert_non_null(strstr(r.res.error, "larger than 100000 bytes"));
    r = get("/endless", NULL, 1000000, 10000);
    assert_false(r.res.ok);
    assert_non_null(strstr(r.res.error, "larger than 1000000 bytes"));
    assert_non_null(strstr(r.res.error, "/endless"));
}

static void the_time_is_bounded(void **state)
{
    (void)state;
    result r = get("/slow", NULL, 4096, 700);
    assert_false(r.res.ok);
    assert_true(r.res.total_s < 3);
    assert_non_null(strstr(r.res.error, "/slow"));
    assert_non_null(strstr(r.res.error, "imed out"));
}

static void through_a_unix_socket(void **state)
{
    (void)state;
    /* the URL's host and port are the far side's; the bytes go to the socket */
    loop_t *loop = loop_new();
    http_client *c = http_client_new(loop);
    result r = {0};
    assert_non_null(http_get(c, "http://127.0.0.1:1/ok", sock_path, 4096, 5000, on_done, &r));
    run_until_done(loop, &r, 1, 10000);
    assert_true(r.res.ok);
    assert_int_equal(r.res.status, 200);
    http_client_free(c);
    loop_free(loop);
}

static void refused_says_where(void **state)
{
    (void)state;
    loop_t *loop = loop_new();
    http_client *c = http_client_new(loop);
    result r = {0};
    assert_non_null(http_get(c, "http://127.0.0.9:1/health", NULL, 4096, 5000, on_done, &r));
    run_until_done(loop, &r, 1, 10000);
    assert_false(r.res.ok);
    assert_non_null(strstr(r.res.error, "http://127.0.0.9:1/health"));
    assert_non_null(strstr(r.res.error, "onnect"));
    http_client_free(c);
    loop_free(loop);
}

static void many_at_once_and_cancel(void **state)
{
    (void)state;
    enum { N = 30 };
    loop_t *loop = loop_new();
    http_client *c = http_client_new(loop);
    result r[N] = {0};
    http_request *slow = NULL;
    char url[256];
    for (int i = 0; i < N; i++) {
        snprintf(url, sizeof(url), "%s/big/%d", base, 1000 + i);
        assert_non_null(http_get(c, url, NULL, 1 << 20, 10000, on_done, &r[i]));
    }
    result never = {0};
    snprintf(url, sizeof(url), "%s/slow", base);
    slow = http_get(c, url, NULL, 4096, 10000, on_done, &never);
    assert_non_null(slow);
    http_cancel(slow);
    run_until_done(loop, r, N, 15000);
    for (int i = 0; i < N; i++) {
        assert_true(r[i].res.ok);
        assert_int_equal(r[i].body_len, (size_t)(1000 + i));
    }
    assert_false(never.done);
    /* requests still in flight at free are dropped without a call */
    result dropped = {0};
    assert_non_null(http_get(c, url, NULL, 4096, 10000, on_done, &dropped));
    http_client_free(c);
    assert_false(dropped.done);
    loop_free(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_and_body),     cmocka_unit_test(the_size_is_capped),
        cmocka_unit_test(the_time_is_bounded), cmocka_unit_test(through_a_unix_socket),
        cmocka_unit_test(refused_says_where),  cmocka_unit_test(many_at_once_and_cancel),
    };
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
