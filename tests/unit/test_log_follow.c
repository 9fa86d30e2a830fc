/* The command that follows a container's log: the host's docker = value
 * (its words quoted, as every command for the engine starts), compose's
 * service when the host has compose =, the name quoted, and the wrapper
 * that stops it when the channel closes; the command a runbook's logs
 * check reads the last lines with. The commands themselves run against
 * the sandbox in tests/e2e/test_console_logs.sh and
 * test_console_runbook_logs.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "opsdeck/logs/log_follow.h"

static void docker_logs_with_the_hosts_docker(void **state)
{
    (void)state;
    host_config hc = {.name = "prod-api", .docker = "sudo docker"};
    container_info c = {.name = "grupo_gad_api", .compose_service = "api"};
    char cmd[4096];
    assert_int_equal(log_follow_command(&hc, &c, cmd, sizeof(cmd)), 0);
    assert_non_null(strstr(
        cmd, "'sudo' 'docker' logs --tail 500 --timestamps --follow 'grupo_gad_api' </dev/null &"));
    /* the channel's stdin ending stops it */
    assert_non_null(strstr(cmd, "exec 3<&0;"));
    assert_non_null(strstr(cmd, "cat <&3 >/dev/null 2>&1; kill $p"));
    hc.docker = NULL;
    assert_int_equal(log_follow_command(&hc, &c, cmd, sizeof(cmd)), 0);
    assert_non_null(strstr(cmd, "; 'docker' logs --tail 500"));
}

static void compose_service_log_on_a_compose_host(void **state)
{
    (void)state;
    host_config hc = {.name = "prod-api", .compose = "/srv/app/docker-compose.yml"};
    container_info c = {.name = "grupo_gad_api", .compose_service = "api"};
    char cmd[4096];
    assert_int_equal(log_follow_command(&hc, &c, cmd, sizeof(cmd)), 0);
    assert_non_null(strstr(cmd, "'docker' compose -f '/srv/app/docker-compose.yml' logs --no-color "
                                "--tail 500 --timestamps --follow 'api'"));
    /* a container compose did not make: its own log */
    c.compose_service[0] = '\0';
    assert_int_equal(log_follow_command(&hc, &c, cmd, sizeof(cmd)), 0);
    assert_non_null(strstr(cmd, "'docker' logs --tail 500 --timestamps --follow 'grupo_gad_api'"));
}

static void a_name_cannot_break_out_of_its_quotes(void **state)
{
    (void)state;
    host_config hc = {.name = "h"};
    container_info c = {.name = "x'; rm -rf / #"};
    char cmd[4096];
    assert_int_equal(log_follow_command(&hc, &c, cmd, sizeof(cmd)), 0);
    assert_non_null(strstr(cmd, "--follow 'x'\\''; rm -rf / #' </dev/null"));
    char small[64];
    assert_int_equal(log_follow_command(&hc, &c, small, sizeof(small)), -1);
}

/* A runbook's logs check reads the last lines once: no --follow, no
 * wrapper (it ends by itself), the container's own log even on a compose
 * host (it names a container), the count bounded as the log view's. */
static void tail_once_for_a_runbook_check(void **state)
{
    (void)state;
    host_config hc = {.name = "prod-api", .docker = "sudo docker", .compose = "/srv/app/dc.yml"};
    char cmd[4096];
    assert_int_equal(log_tail_command(&hc, "grupo_gad_api", 50, cmd, sizeof(cmd)), 0);
    assert_string_equal(cmd, "'sudo' 'docker' logs --tail 50 --timestamps 'grupo_gad_api'");
    assert_int_equal(log_tail_command(&hc, "api", LOG_TAIL_LINES, cmd, sizeof(cmd)), 0);
    assert_string_equal(cmd, "'sudo' 'docker' logs --tail 500 --timestamps 'api'");
    assert_int_equal(log_tail_command(&hc, "api", 0, cmd, sizeof(cmd)), -1);
    assert_int_equal(log_tail_command(&hc, "api", LOG_TAIL_LINES + 1, cmd, sizeof(cmd)), -1);
    hc.docker = NULL;
    assert_int_equal(log_tail_command(&hc, "x'; rm -rf / #", 5, cmd, sizeof(cmd)), 0);
    assert_string_equal(cmd, "'docker' logs --tail 5 --timestamps 'x'\\''; rm -rf / #'");
    char small[32];
    assert_int_equal(log_tail_command(&hc, "grupo_gad_api", 5, small, sizeof(small)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(docker_logs_with_the_hosts_docker),
        cmocka_unit_test(tail_once_for_a_runbook_check),
        cmocka_unit_test(compose_service_log_on_a_compose_host),
        cmocka_unit_test(a_name_cannot_break_out_of_its_quotes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
