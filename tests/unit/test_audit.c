/* The audit chain: lines are written, verify, and any edit, removal or
 * insertion is caught at the right line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "opsdeck/audit.h"
#include "opsdeck/audit_runs.h"
#include "support/small_disk.h"

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

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static off_t size_of(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? st.st_size : -1;
}

/* Four processes append 50 lines each at the same moment: one chain of 200. */
static void processes_appending_at_once_keep_one_chain(void **state)
{
    (void)state;
    append_n(1); /* creates the directory */
    enum { PROCS = 4, EACH = 50 };
    pid_t kids[PROCS];
    for (int k = 0; k < PROCS; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            audit_log log;
            char err[256];
            if (audit_open(&log, path, err, sizeof(err)) < 0)
                _exit(2);
            for (int i = 0; i < EACH; i++) {
                audit_record r = {.host = "prod-api", .action = "flush", .phase = "intent"};
                if (audit_append(&log, &r, err, sizeof(err)) < 0)
                    _exit(3);
            }
            audit_close(&log);
            _exit(0);
        }
    }
    for (int k = 0; k < PROCS; k++) {
        int status;
        assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    char out[512] = "";
    assert_int_equal(verify(out, sizeof(out)), 0);
    assert_non_null(strstr(out, "ok, 201 lines intact"));
}

/* A lock held by someone else is waited for, but only AUDIT_LOCK_WAIT_MS. */
static void a_held_lock_fails_the_append_in_bounded_time(void **state)
{
    (void)state;
    append_n(1);
    int other = open(path, O_RDWR); /* its own open file: flock conflicts */
    assert_true(other >= 0);
    assert_int_equal(flock(other, LOCK_EX), 0);
    audit_log log;
    char err[256];
    assert_int_equal(audit_open(&log, path, err, sizeof(err)), 0);
    audit_record r = {.action = "flush", .phase = "intent"};
    double t0 = now_s();
    assert_int_equal(audit_append(&log, &r, err, sizeof(err)), -1);
    double took = now_s() - t0;
    assert_true(took >= AUDIT_LOCK_WAIT_MS / 1000.0 - 0.1 &&
                took < AUDIT_LOCK_WAIT_MS / 1000.0 + 30); /* a loaded machine oversleeps */
    assert_non_null(strstr(err, "held its lock"));
    flock(other, LOCK_UN); /* released: the next append goes through */
    assert_int_equal(audit_append(&log, &r, err, sizeof(err)), 0);
    close(other);
    audit_close(&log);
    char out[512] = "";
    assert_int_equal(verify(out, sizeof(out)), 0);
    assert_non_null(strstr(out, "ok, 2 lines intact"));
}

/* A real full disk (a 256 KiB tmpfs): refused up front, a failed write
 * leaves no half line, and once space is back the chain goes on. */
static void a_full_disk_refuses_and_leaves_the_chain_whole(void **state)
{
    (void)state;
    char mnt[128];
    snprintf(mnt, sizeof(mnt), "%s/small", dir);
    if (small_disk_mount(mnt, 256) < 0)
        fail_msg("cannot mount a tmpfs on %s (tests run as root): %s", mnt, strerror(errno));
    char logp[160];
    snprintf(logp, sizeof(logp), "%s/audit.log", mnt);
    audit_log log;
    char err[256];
    assert_int_equal(audit_open(&log, logp, err, sizeof(err)), 0);
    /* a target that leaves the file's end mid-page: the failing write is partial */
    char target[700];
    memset(target, 'x', sizeof(target) - 1);
    target[sizeof(target) - 1] = '\0';
    audit_record r = {.host = "prod-api", .action = "flush", .target = target, .phase = "intent"};
    for (int i = 0; i < 3; i++)
        assert_int_equal(audit_append(&log, &r, err, sizeof(err)), 0);
    assert_int_equal(audit_ready(&log, err, sizeof(err)), 0);
    off_t before = size_of(logp);

    assert_int_equal(small_disk_fill(mnt), 0);
    assert_int_equal(audit_ready(&log, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "disk full"));
    for (int i = 0; i < 8; i++) { /* enough to cross into a page that is not there */
        if (audit_append(&log, &r, err, sizeof(err)) < 0)
            break;
        before = size_of(logp);
    }
    assert_non_null(strstr(err, "No space left on device"));
    assert_int_equal(size_of(logp), before); /* the half line was taken back */
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(audit_verify(logp, devnull), 0);

    small_disk_unfill(mnt);
    assert_int_equal(audit_ready(&log, err, sizeof(err)), 0);
    assert_int_equal(audit_append(&log, &r, err, sizeof(err)), 0);
    assert_int_equal(audit_verify(logp, devnull), 0);
    fclose(devnull);
    audit_close(&log);
    small_disk_umount(mnt);
}

static void a_replaced_file_is_not_ready(void **state)
{
    (void)state;
    append_n(1);
    audit_log log;
    char err[256];
    assert_int_equal(audit_open(&log, path, err, sizeof(err)), 0);
    assert_int_equal(audit_ready(&log, err, sizeof(err)), 0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(audit_ready(&log, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "removed or replaced"));
    audit_close(&log);
}

/* intent A, intent B, started B, finished A, intent C (no run_id): B is
 * unfinished, A closed, C unknown. */
static void unfinished_runs_are_found(void **state)
{
    (void)state;
    const char *lines[] = {
        "{\"phase\":\"intent\",\"run_id\":\"1-1-1\"}",
        "{\"phase\":\"intent\",\"run_id\":\"1-1-2\"}",
        "{\"phase\":\"started\",\"run_id\":\"1-1-2\"}",
        "{\"phase\":\"finished\",\"run_id\":\"1-1-1\"}",
        "{\"phase\":\"intent\"}",
        "not json",
    };
    bool marks[6];
    audit_mark_unfinished(lines, 6, marks);
    bool want[6] = {false, true, true, false, false, false};
    for (int i = 0; i < 6; i++)
        assert_int_equal(marks[i], want[i]);

    char id[64];
    snprintf(id, sizeof(id), "%ld-1-1", (long)getpid());
    assert_true(audit_run_alive(id));
    pid_t kid = fork();
    if (kid == 0)
        _exit(0);
    waitpid(kid, NULL, 0);
    snprintf(id, sizeof(id), "%ld-1-1", (long)kid);
    assert_false(audit_run_alive(id));
    assert_false(audit_run_alive("garbage"));
    /* a runbook run's id: STAMP-PID-SEQ */
    snprintf(id, sizeof(id), "20261202T174500Z-%ld-3", (long)getpid());
    assert_true(audit_run_alive(id));
    snprintf(id, sizeof(id), "20261202T174500Z-%ld-3", (long)kid);
    assert_false(audit_run_alive(id));
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
        cmocka_unit_test_setup_teardown(processes_appending_at_once_keep_one_chain, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_held_lock_fails_the_append_in_bounded_time, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_full_disk_refuses_and_leaves_the_chain_whole, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_replaced_file_is_not_ready, setup, teardown),
        cmocka_unit_test(unfinished_runs_are_found),
    };
    return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
