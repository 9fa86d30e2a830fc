/* parse/sftp_packet.c: the requests as the SFTP draft lays them out, byte
 * for byte, and the replies taken one whole packet at a time, whatever the
 * split, with the malformed ones refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "opsdeck/parse/sftp_packet.h"

static void requests(void **state)
{
    (void)state;
    char buf[128];
    assert_int_equal(sftp_put_init(buf, sizeof(buf)), 9);
    assert_memory_equal(buf, "\0\0\0\5\1\0\0\0\3", 9);
    size_t n = sftp_put_open_read(buf, sizeof(buf), 7, "/proc/stat");
    /* length, OPEN, id 7, "/proc/stat", READ, no attributes */
    assert_int_equal(n, 4 + 1 + 4 + 4 + 10 + 4 + 4);
    assert_memory_equal(buf, "\0\0\0\x1b\3\0\0\0\7\0\0\0\x0a/proc/stat\0\0\0\1\0\0\0\0", n);
    n = sftp_put_read(buf, sizeof(buf), 258, "h1", 2, 0x100000002ULL, 32768);
    assert_int_equal(n, 4 + 1 + 4 + 4 + 2 + 8 + 4);
    assert_memory_equal(buf, "\0\0\0\x17\5\0\0\1\2\0\0\0\2h1\0\0\0\1\0\0\0\2\0\0\x80\0", n);
    n = sftp_put_close(buf, sizeof(buf), 9, "h1", 2);
    assert_memory_equal(buf, "\0\0\0\x0b\4\0\0\0\x09\0\0\0\2h1", n);
    /* what does not fit is not written half */
    assert_int_equal(sftp_put_open_read(buf, 20, 1, "/proc/self/mountinfo"), 0);
    assert_int_equal(sftp_put_init(buf, 8), 0);
}

static void replies(void **state)
{
    (void)state;
    /* VERSION 3 with an extension, HANDLE, DATA, STATUS EOF: one stream */
    const char stream[] = "\0\0\0\x19\2\0\0\0\3\0\0\0\x07"
                          "ext@x.y\0\0\0\x05v1.0x"
                          "\0\0\0\x0b\x66\0\0\0\7\0\0\0\2h1"
                          "\0\0\0\x0c\x67\0\0\0\x08\0\0\0\3"
                          "123"
                          "\0\0\0\x1c\x65\0\0\0\x09\0\0\0\1\0\0\0\x0b"
                          "End of file\0\0\0\0";
    size_t len = sizeof(stream) - 1, at = 0, used;
    sftp_reply r;
    char why[200];
    int want[] = {SFTP_FXP_VERSION, SFTP_FXP_HANDLE, SFTP_FXP_DATA, SFTP_FXP_STATUS};
    for (int i = 0; i < 4; i++) {
        /* a byte short of the packet: more is needed, nothing taken */
        size_t plen = 4 + ((size_t)(unsigned char)stream[at + 3]);
        assert_int_equal(sftp_take_reply(stream + at, plen - 1, &r, &used, why, sizeof(why)), 0);
        assert_int_equal(sftp_take_reply(stream + at, len - at, &r, &used, why, sizeof(why)), 1);
        assert_int_equal(r.type, want[i]);
        assert_int_equal(used, plen);
        if (i == 0)
            assert_int_equal(r.id, 3);
        if (i == 1) {
            assert_int_equal(r.id, 7);
            assert_int_equal(r.len, 2);
            assert_memory_equal(r.data, "h1", 2);
        }
        if (i == 2)
            assert_memory_equal(r.data, "123", r.len);
        if (i == 3) {
            assert_int_equal(r.status, SFTP_FX_EOF);
            assert_memory_equal(r.data, "End of file", r.len);
        }
        at += used;
    }
    assert_int_equal(at, len);
}

static void malformed(void **state)
{
    (void)state;
    sftp_reply r;
    size_t used;
    char why[200];
    /* longer than any reply asked for */
    assert_int_equal(sftp_take_reply("\0\x10\0\0\x67", 5, &r, &used, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "bytes"));
    assert_int_equal(sftp_take_reply("\0\0\0\0", 4, &r, &used, why, sizeof(why)), -1);
    /* a DATA whose string runs past its packet */
    assert_int_equal(sftp_take_reply("\0\0\0\x0b\x67\0\0\0\1\0\0\0\x09"
                                     "ab",
                                     15, &r, &used, why, sizeof(why)),
                     -1);
    assert_non_null(strstr(why, "shorter"));
    /* a type never asked for (an SSH_FXP_NAME) */
    assert_int_equal(sftp_take_reply("\0\0\0\5\x68\0\0\0\1", 9, &r, &used, why, sizeof(why)), -1);
    /* an empty handle */
    assert_int_equal(
        sftp_take_reply("\0\0\0\x09\x66\0\0\0\1\0\0\0\0", 13, &r, &used, why, sizeof(why)), -1);
    /* a STATUS without its message (older servers): taken */
    assert_int_equal(
        sftp_take_reply("\0\0\0\x09\x65\0\0\0\1\0\0\0\2", 13, &r, &used, why, sizeof(why)), 1);
    assert_int_equal(r.status, SFTP_FX_NO_SUCH_FILE);
    assert_int_equal(r.len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(requests),
        cmocka_unit_test(replies),
        cmocka_unit_test(malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
