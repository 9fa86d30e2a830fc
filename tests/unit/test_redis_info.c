/* INFO, as a real Redis 7 sends it (tests/unit/fixtures/redis/info.txt,
 * captured from the sandbox's server), and what garbage gets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/parse/redis_info.h"

static char fixture[65536];
static size_t fixture_len;

static int load(void **state)
{
    (void)state;
    FILE *f = fopen("tests/unit/fixtures/redis/info.txt", "r");
    if (!f)
        return -1;
    fixture_len = fread(fixture, 1, sizeof(fixture) - 1, f);
    fclose(f);
    return 0;
}

static void real_info(void **state)
{
    (void)state;
    redis_info info;
    char err[256];
    assert_int_equal(redis_info_parse(fixture, fixture_len, 0, &info, err, sizeof(err)), 0);
    assert_string_equal(info.version, "7.0.15");
    assert_int_equal(info.used_memory, 991888);
    assert_int_equal(info.maxmemory, 67108864);
    assert_int_equal(info.connected_clients, 1);
    assert_int_equal(info.keyspace_hits, 1);
    assert_int_equal(info.keyspace_misses, 1);
    assert_int_equal(info.evicted_keys, 0); /* not evicted_clients */
    assert_int_equal(info.db_keys, 6);
    assert_int_equal(redis_info_parse(fixture, fixture_len, 2, &info, err, sizeof(err)), 0);
    assert_int_equal(info.db_keys, 2);
    assert_int_equal(redis_info_parse(fixture, fixture_len, 5, &info, err, sizeof(err)), 0);
    assert_int_equal(info.db_keys, 0); /* an empty database is not listed */
}

static void lf_only_and_no_trailing_newline(void **state)
{
    (void)state;
    const char *text = "# Server\nredis_version:6.2.1\nused_memory:10\n"
                       "instantaneous_ops_per_sec:42\ndb0:keys=3,expires=1";
    redis_info info;
    char err[256];
    assert_int_equal(redis_info_parse(text, strlen(text), 0, &info, err, sizeof(err)), 0);
    assert_true(info.ops_per_sec == 42);
    assert_int_equal(info.db_keys, 3);
    /* db10 must not be taken for db1 */
    const char *dbs = "redis_version:7\nused_memory:1\ndb10:keys=9\ndb1:keys=4\n";
    assert_int_equal(redis_info_parse(dbs, strlen(dbs), 1, &info, err, sizeof(err)), 0);
    assert_int_equal(info.db_keys, 4);
}

static void garbage_is_refused(void **state)
{
    (void)state;
    redis_info info;
    char err[256];
    assert_int_equal(redis_info_parse("", 0, 0, &info, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not an INFO"));
    const char *junk = "\x1b[31mhello:world\r\n:::\r\nused_memory:abc\r\nredis_version:1\r\n";
    assert_int_equal(redis_info_parse(junk, strlen(junk), 0, &info, err, sizeof(err)), -1);
    /* a huge answer is refused without being read through */
    size_t n = REDIS_INFO_MAX + 1;
    char *big = malloc(n);
    memset(big, 'a', n);
    assert_int_equal(redis_info_parse(big, n, 0, &info, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "larger"));
    free(big);
    /* a long version is cut, not overflowed */
    char longv[200];
    snprintf(longv, sizeof(longv), "redis_version:%0120d\nused_memory:1\n", 7);
    assert_int_equal(redis_info_parse(longv, strlen(longv), 0, &info, err, sizeof(err)), 0);
    assert_int_equal(strlen(info.version), sizeof(info.version) - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_info),
        cmocka_unit_test(lf_only_and_no_trailing_newline),
        cmocka_unit_test(garbage_is_refused),
    };
    return cmocka_run_group_tests(tests, load, NULL);
}
