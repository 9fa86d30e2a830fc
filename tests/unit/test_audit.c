/* The audit chain: lines are written, verify, and any edit, removal or
 * insertion is caught at the right line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opsdeck/audit.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/opsdeck-audit-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof(path), "%s/sub/audit.log", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd);
}

static void append_n(int n)
{
    audit_log log;
    char err[256];
    assert_int_equal(audit_open(&log, path, err, sizeof(err)), 0);
    for (int i = 0; i < n; i++) {
        char target[16];
        snprintf(target, sizeof(target), "%d", 1000 + i);
        audit_record r = {
            .host = "prod-api",
            .env = "production",
            .remote_user = "deploy",
            .action = "terminate",
            .target = target,
            .command = "SELECT pg_terminate_backend(1000)",
            .confirm = "typed:production",
            .phase = i % 2 ? "finished" : "intent",
            .has_exit_status = i % 2,
            .exit_status = 0,
        };
        assert_int_equal(audit_append(&log, &r, err, sizeof(err)), 0);
    }
    audit_close(&log);
}

static char *slurp(size_t *len)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *buf = calloc(1, 1 << 16);
    *len = fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    return buf;
}

static void spit(const char *buf)
{
    FILE *f = fopen(path, "w");
    fputs(buf, f);
    fclose(f);
}

static int verify(char *out, size_t size)
{
    FILE *f = fmemopen(out, size, "w");
    int rc = audit_verify(path, f);
    fclose(f);
    return rc;
}

static void written_log_verifies_with_every_field(void **state)
{
    (void)state;
    append_n(3);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char out[512] = "";
    assert_int_equal(verify(out, sizeof(out)), 0);
    assert_non_null(strstr(out, "ok, 3 lines intact"));

    size_t len;
    char *buf = slurp(&len);
    json_error_t err;
    json_t *first = json_loadb(buf, strchr(buf, '\n') - buf, 0, &err);
    assert_non_null(first);
    const char *keys[] = {"ts",          "local_user", "host",    "env",           "remote_user",
                          "action",      "target",     "command", "confirm",       "phase",
                          "exit_status", "duration_s", "verify",  "output_sha256", "prev"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
        assert_non_null(json_object_get(first, keys[i]));
    assert_string_equal(json_string_value(json_object_get(first, "prev")), AUDIT_GENESIS);
    assert_string_equal(json_string_value(json_object_get(first, "phase")), "intent");
    json_decref(first);
    free(buf);
}

static void reopening_continues_the_chain(void **state)
{
    (void)state;
    append_n(2);
    append_n(2);
    char out[512] = "";
    assert_int_equal(verify(out, sizeof(out)), 0);
    assert_non_null(strstr(out, "ok, 4 lines intact"));
}

static void an_edited_line_is_caught_at_the_next_line(void **state)
{
    (void)state;
    append_n(4);
    size_t len;
    char *buf = slurp(&len);
    char *second = strchr(buf, '\n') + 1;
    char *pos = strstr(second, "1001");
    assert_non_null(pos);
    memcpy(pos, "9999", 4); /* change the target of line 2 */
    spit(buf);
    free(buf);
    char out[512] = "";
    assert_int_equal(verify(out, sizeof(out)), 1);
    assert_non_null(strstr(out, "audit.log:3: prev hash does not match"));
}

static void a_removed_line_is_caught(void **state)
{
    (void)state;
    append_n(4);
    size_t len;
    char *buf = slurp(&len);
    char *second = strchr(buf, '\n') + 1;
    char *third = strchr(second, '\n') + 1;
    memmove(second, third, strlen(third) + 1); /* drop line 2 */
    spit(buf);
    free(buf);
    char out[512] = "";
    assert_int_equal(verify(out, sizeof(out)), 1);
    assert_non_null(strstr(out, "audit.log:2: prev hash does not match"));
}

static void garbage_and_torn_lines_are_refused(void **state)
{
    (void)state;
    append_n(1);
    FILE *f = fopen(path, "a");
    fputs("{\"partial\":", f); /* a torn write: no newline */
    fclose(f);
    char out[512] = "";
    assert_int_equal(verify(out, sizeof(out)), 1);
    assert_non_null(strstr(out, "audit.log:2: incomplete last line"));
    /* and nothing is chained onto a torn line */
    audit_log log;
    char err[256];
    assert_int_equal(audit_open(&log, path, err, sizeof(err)), 0);
    audit_record r = {.action = "flush", .phase = "intent"};
    assert_int_equal(audit_append(&log, &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cannot read its last line"));
    audit_close(&log);

    spit("not json\n");
    assert_int_equal(verify(out, sizeof(out)), 1);
    assert_non_null(strstr(out, "audit.log:1: not a JSON object"));
}

static void missing_file_fails_verification(void **state)
{
    (void)state;
    char out[512] = "";
    assert_int_equal(verify(out, sizeof(out)), 1);
    assert_non_null(strstr(out, "cannot read"));
}

static void sha256_matches_known_vector(void **state)
{
    (void)state;
    char hex[AUDIT_HASH_HEX];
    audit_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(written_log_verifies_with_every_field, setup, teardown),
        cmocka_unit_test_setup_teardown(reopening_continues_the_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(an_edited_line_is_caught_at_the_next_line, setup, teardown),
        cmocka_unit_test_setup_teardown(a_removed_line_is_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(garbage_and_torn_lines_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_file_fails_verification, setup, teardown),
        cmocka_unit_test(sha256_matches_known_vector),
    };
    return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
