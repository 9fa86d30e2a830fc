/* The read-only gate: what it decides, and the denied line it leaves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opsdeck/gate.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/opsdeck-gate-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof(path), "%s/audit.log", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd);
}

static void read_only_follows_the_option_or_the_build(void **state)
{
    (void)state;
    assert_true(gate_is_read_only(true));
#ifdef OPSDECK_READONLY
    assert_true(gate_is_read_only(false));
#else
    assert_false(gate_is_read_only(false));
#endif
}

static void deny_writes_a_denied_line_that_verifies(void **state)
{
    (void)state;
    audit_log log;
    char err[256], msg[256];
    assert_int_equal(audit_open(&log, path, err, sizeof(err)), 0);
    audit_record rec = {
        .host = "prod-api",
        .env = "production",
        .action = "flush",
        .target = "db 0",
        .command = "FLUSHDB",
        .phase = "intent", /* the gate must override it */
        .confirm = "y",
    };
    assert_int_equal(gate_deny(&log, &rec, msg, sizeof(msg)), 0);
    audit_close(&log);
    assert_non_null(strstr(msg, "read-only"));
    assert_non_null(strstr(msg, "flush"));

    json_error_t jerr;
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[4096];
    assert_non_null(fgets(line, sizeof(line), f));
    fclose(f);
    json_t *o = json_loads(line, 0, &jerr);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "phase")), "denied");
    assert_string_equal(json_string_value(json_object_get(o, "confirm")), "none");
    assert_string_equal(json_string_value(json_object_get(o, "action")), "flush");
    assert_string_equal(json_string_value(json_object_get(o, "host")), "prod-api");
    json_decref(o);

    FILE *out = fopen("/dev/null", "w");
    assert_int_equal(audit_verify(path, out), 0);
    fclose(out);
}

static void deny_without_a_log_says_so(void **state)
{
    (void)state;
    char msg[256];
    audit_record rec = {.action = "restart"};
    assert_int_equal(gate_deny(NULL, &rec, msg, sizeof(msg)), -1);
    assert_non_null(strstr(msg, "audit log"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_only_follows_the_option_or_the_build),
        cmocka_unit_test_setup_teardown(deny_writes_a_denied_line_that_verifies, setup, teardown),
        cmocka_unit_test(deny_without_a_log_says_so),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
