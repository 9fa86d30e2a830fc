/* parse/cgroup_files.c: where a container's cgroup counters are (cgroup v1,
 * v2 and a hybrid host like the sandbox's), what they say as `docker
 * stats` shows it, and what is refused (a PID whose cgroup is not the
 * container's, a path with "..", texts that are not counters). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "opsdeck/parse/cgroup_files.h"

#define ID "4cecbf3dcd926a39954b0c0df0f071aeaacc0b2acbd49f18d2f1a3a6b02b5a5a"

/* The sandbox's host: v1 controllers, an empty unified hierarchy beside. */
static const char hybrid_mounts[] =
    "25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "40 31 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static const char hybrid_pid[] = "9:name=systemd:/docker/" ID "\n"
                                 "4:memory:/docker/" ID "\n"
                                 "2:cpuacct:/docker/" ID "\n"
                                 "1:cpu:/docker/" ID "\n"
                                 "0::/docker/" ID "\n";

static void v1_hybrid_host(void **state)
{
    (void)state;
    cgroup_mounts m;
    assert_int_equal(cgroup_mounts_parse(hybrid_mounts, strlen(hybrid_mounts), &m), 0);
    assert_string_equal(m.cpuacct, "/sys/fs/cgroup/cpuacct");
    assert_string_equal(m.memory, "/sys/fs/cgroup/memory");
    assert_string_equal(m.unified, "/sys/fs/cgroup/unified");
    cgroup_files f;
    char why[200];
    assert_int_equal(
        cgroup_container_files(hybrid_pid, strlen(hybrid_pid), ID, &m, &f, why, sizeof(why)), 0);
    assert_int_equal(f.version, 1); /* the v1 controllers hold the counters */
    assert_string_equal(f.cpu, "/sys/fs/cgroup/cpuacct/docker/" ID "/cpuacct.usage");
    assert_string_equal(f.usage, "/sys/fs/cgroup/memory/docker/" ID "/memory.usage_in_bytes");
    assert_string_equal(f.mem_stat, "/sys/fs/cgroup/memory/docker/" ID "/memory.stat");
}

/* A systemd host with cgroup2 only, the driver's scope names, and the
 * joined cpu,cpuacct hierarchy of older v1 hosts. */
static void v2_and_joined_v1(void **state)
{
    (void)state;
    const char mounts[] =
        "35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
        "rw,nsdelegate,memory_recursiveprot\n";
    const char pid[] = "0::/system.slice/docker-" ID ".scope\n";
    cgroup_mounts m;
    cgroup_files f;
    char why[200];
    assert_int_equal(cgroup_mounts_parse(mounts, strlen(mounts), &m), 0);
    assert_int_equal(cgroup_container_files(pid, strlen(pid), ID, &m, &f, why, sizeof(why)), 0);
    assert_int_equal(f.version, 2);
    assert_string_equal(f.cpu, "/sys/fs/cgroup/system.slice/docker-" ID ".scope/cpu.stat");
    assert_string_equal(f.usage, "/sys/fs/cgroup/system.slice/docker-" ID ".scope/memory.current");

    const char joined[] = "30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup "
                          "rw,cpu,cpuacct\n"
                          "31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
    const char pid1[] = "5:cpu,cpuacct:/docker/" ID "\n3:memory:/docker/" ID "\n";
    assert_int_equal(cgroup_mounts_parse(joined, strlen(joined), &m), 0);
    assert_int_equal(cgroup_container_files(pid1, strlen(pid1), ID, &m, &f, why, sizeof(why)), 0);
    assert_string_equal(f.cpu, "/sys/fs/cgroup/cpu,cpuacct/docker/" ID "/cpuacct.usage");
}

static void refused(void **state)
{
    (void)state;
    cgroup_mounts m;
    cgroup_files f;
    char why[200];
    assert_int_equal(cgroup_mounts_parse(hybrid_mounts, strlen(hybrid_mounts), &m), 0);
    /* a PID that is some other process here (an engine in a VM, a -H elsewhere) */
    const char other[] = "4:memory:/user.slice\n2:cpuacct:/user.slice\n0::/user.slice\n";
    assert_int_equal(cgroup_container_files(other, strlen(other), ID, &m, &f, why, sizeof(why)),
                     -1);
    assert_non_null(strstr(why, "not the container's"));
    const char dots[] = "4:memory:/docker/" ID "/../..\n2:cpuacct:/docker/" ID "/../..\n";
    assert_int_equal(cgroup_container_files(dots, strlen(dots), ID, &m, &f, why, sizeof(why)), -1);
    /* nothing mounted that holds the counters (inside a container: a root
     * other than /) */
    const char inside[] = "40 31 0:37 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
                          "41 31 0:38 / /proc rw - proc proc rw\n";
    assert_int_equal(cgroup_mounts_parse(inside, strlen(inside), &m), -1);
    assert_int_equal(cgroup_mounts_parse("", 0, &m), -1);
    assert_int_equal(cgroup_container_files("", 0, ID, &m, &f, why, sizeof(why)), -1);
}

static void counters(void **state)
{
    (void)state;
    double ns;
    assert_int_equal(cgroup_cpu_ns(1, "1042180857\n", 11, &ns), 0);
    assert_true(ns == 1042180857.0);
    const char cpu_stat[] = "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n";
    assert_int_equal(cgroup_cpu_ns(2, cpu_stat, strlen(cpu_stat), &ns), 0);
    assert_true(ns == 2500000.0);
    assert_int_equal(cgroup_cpu_ns(1, "x\n", 2, &ns), -1);
    assert_int_equal(cgroup_cpu_ns(2, "user_usec 3\n", 12, &ns), -1);
    assert_int_equal(cgroup_cpu_ns(1, "99999999999999999999\n", 21, &ns), -1);

    /* v1: total_inactive_file (not inactive_file, which comes first) */
    int64_t mem;
    const char v1_stat[] = "cache 4096\ninactive_file 999999\ntotal_inactive_file 4096\n";
    assert_int_equal(cgroup_memory_bytes(1, "20480\n", 6, v1_stat, strlen(v1_stat), &mem), 0);
    assert_int_equal(mem, 16384);
    const char v2_stat[] = "anon 8192\nfile 4096\ninactive_file 4096\n";
    assert_int_equal(cgroup_memory_bytes(2, "20480\n", 6, v2_stat, strlen(v2_stat), &mem), 0);
    assert_int_equal(mem, 16384);
    /* the cache larger than the usage: the usage as it is (as docker) */
    assert_int_equal(cgroup_memory_bytes(2, "100\n", 4, v2_stat, strlen(v2_stat), &mem), 0);
    assert_int_equal(mem, 100);
    assert_int_equal(cgroup_memory_bytes(2, "", 0, v2_stat, strlen(v2_stat), &mem), -1);

    /* /proc/stat: user..softirq (not steal) at 100 ticks a second */
    const char stat[] = "cpu  100 200 300 400 500 600 700 800 0 0\n"
                        "cpu0 1 1 1 1 1 1 1 1 0 0\ncpu1 1 1 1 1 1 1 1 1 0 0\nintr 5 6\n";
    double sys;
    int cpus;
    assert_int_equal(cgroup_proc_stat(stat, strlen(stat), &sys, &cpus), 0);
    assert_true(sys == 2800.0 * 1e7);
    assert_int_equal(cpus, 2);
    assert_int_equal(cgroup_proc_stat("cpu  1 2 3\n", 11, &sys, &cpus), -1);
    assert_int_equal(cgroup_proc_stat("intr 1\n", 7, &sys, &cpus), -1);

    /* two samples a second apart, one core busy on a 2-core host: 100 % */
    docker_cpu_sample a, b;
    cgroup_cpu_sample(0, 0, 2, &a);
    cgroup_cpu_sample(1e9, 2e9, 2, &b);
    assert_true(docker_cpu_percent(&a, &b) > 99.9 && docker_cpu_percent(&a, &b) < 100.1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(v1_hybrid_host),
        cmocka_unit_test(v2_and_joined_v1),
        cmocka_unit_test(refused),
        cmocka_unit_test(counters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
