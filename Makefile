# opsdeck. `make` builds ./opsdeck; see README.md for the rest.
#
# Flags use recursive (=) variables on purpose: `make check` and `make demo`
# install the build dependencies first, then re-enter make, and pkg-config
# must be asked only after that install.

CC       ?= cc
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
READONLY ?= 0
OPSDECK  ?= opsdeck
PKGS      = ncursesw libssh2 libcurl libpq hiredis jansson inih libcrypto yaml-0.1
THEMEDIR  = $(PREFIX)/share/opsdeck/themes

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
WARN      = -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
CPPFLAGS_ALL = -Iinclude -D_GNU_SOURCE -DOPSDECK_VERSION='"$(VERSION)"' \
               -DOPSDECK_THEMEDIR='"$(THEMEDIR)"' -DOPSDECK_DOCDIR='"$(PREFIX)/share/doc/opsdeck"' $(READONLY_DEF) $(CPPFLAGS)
CFLAGS   ?= -O2 -g
CFLAGS_ALL = -std=c11 $(WARN) $(CFLAGS) $(SANFLAGS) $(shell pkg-config --cflags $(PKGS))
LDLIBS_ALL = $(shell pkg-config --libs $(PKGS)) -lm $(LDLIBS)
TEST_LIBS  = $(shell pkg-config --libs cmocka)

SRCS     = $(shell find src -name '*.c' ! -path src/main.c | sort)
ifeq ($(READONLY),1)
  # A read-only build leaves the action code out altogether.
  SRCS := $(filter-out src/actions/%,$(SRCS))
  READONLY_DEF = -DOPSDECK_READONLY=1
endif
OBJS      = $(SRCS:%.c=$(BUILD)/%.o)
LIB       = $(BUILD)/libopsdeck.a
UNIT_SRCS = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS = $(UNIT_SRCS:%.c=$(BUILD)/%)
INTEG_SRCS = $(sort $(wildcard tests/integration/test_*.c))
INTEG_BINS = $(INTEG_SRCS:%.c=$(BUILD)/%)
TEST_SUPPORT = $(wildcard tests/support/*.c)
FUZZ_BIN  = $(BUILD)/fuzz/prom_fuzz
FUZZ_TIME ?= 300
# each target stops after FUZZ_TIME s or FUZZ_RUNS executions, the first
FUZZ_RUNS ?= 10000000
# Every parser's libFuzzer target (fuzz/NAME_fuzz.c) and the sources it
# needs, built with clang so that they are instrumented too.
FUZZ_TARGETS = prom docker alerts redis_info ws health sanitize theme config runbook engine_api \
               cgroup
FUZZ_BINS = $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%_fuzz)
# Linked into every fuzz target: the locale-independent number reading,
# shell quoting, the UTF-8-safe copy.
FUZZ_SRCS_ALL = src/numbers.c src/shell_quote.c src/utf8_copy.c
FUZZ_SRCS_prom = src/parse/prom.c
FUZZ_SRCS_docker = src/parse/docker_json.c
FUZZ_SRCS_alerts = src/parse/alerts_json.c src/alert_counts.c
FUZZ_SRCS_redis_info = src/parse/redis_info.c
FUZZ_SRCS_ws = src/parse/ws_json.c
FUZZ_SRCS_health = src/ui/text.c src/sanitize.c
FUZZ_SRCS_sanitize = src/sanitize.c
FUZZ_SRCS_theme = src/ui/theme.c
FUZZ_SRCS_config = $(wildcard src/config/*.c)
# The runbook loader and its checks; the action table as the read-only build
# has it (the same names and keys, no plan builders, which need the app).
FUZZ_SRCS_runbook = src/runbook/load.c src/runbook/validate.c src/runbook/runbook.c \
                    src/runbook/substitute.c src/action_table.c $(wildcard src/config/*.c)
FUZZ_FLAGS_runbook = -DOPSDECK_READONLY=1
FUZZ_PKGS_runbook = yaml-0.1
FUZZ_SRCS_cgroup = src/parse/sftp_packet.c src/parse/cgroup_files.c src/parse/docker_api.c \
                   src/parse/docker_json.c src/parse/json_pick.c
FUZZ_SRCS_engine_api = src/parse/http_reader.c src/parse/docker_api.c src/parse/docker_json.c \
                       src/parse/json_pick.c
BENCH_BIN = $(BUILD)/bench/prom-parse

.PHONY: all deps tests check sanitize demo install uninstall clean format format-check \
        unit integration e2e faults fuzz bench bench-footprint bench-scale

all: $(OPSDECK)

$(OPSDECK): $(BUILD)/src/main.o $(LIB)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(LIB): $(OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(LIB) $(TEST_SUPPORT)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) -Itests $(CFLAGS_ALL) -o $@ $< $(TEST_SUPPORT) $(LIB) \
	    $(LDLIBS_ALL) $(TEST_LIBS)

tests: $(OPSDECK) $(UNIT_BINS) $(INTEG_BINS) $(FUZZ_BINS)

# The parsers' libFuzzer targets (clang). `make check` replays each corpus
# and runs each briefly (tests/unit/test_fuzz_*.sh); `make fuzz` runs each
# for FUZZ_TIME seconds, one at a time, niced (docs/RELIABILITY.md).
.SECONDEXPANSION:
$(BUILD)/fuzz/%_fuzz: fuzz/%_fuzz.c fuzz/fuzz_common.h $$(FUZZ_SRCS_$$*) $(FUZZ_SRCS_ALL) \
                      $$(wildcard include/opsdeck/*.h include/opsdeck/*/*.h)
	@mkdir -p $(dir $@)
	clang -std=c11 -Iinclude -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
	    $(FUZZ_FLAGS_$*) $(shell pkg-config --cflags jansson inih libpq ncursesw $(FUZZ_PKGS_$*)) \
	    -o $@ fuzz/$*_fuzz.c $(FUZZ_SRCS_$*) $(FUZZ_SRCS_ALL) \
	    $(shell pkg-config --libs jansson inih libpq $(FUZZ_PKGS_$*)) -lm

fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(BUILD)/fuzz/corpus/$$t && \
	    echo "== $$t" && \
	    nice -n 19 $(BUILD)/fuzz/$${t}_fuzz -max_total_time=$(FUZZ_TIME) -runs=$(FUZZ_RUNS) -timeout=10 \
	        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/$$t- \
	        $(BUILD)/fuzz/corpus/$$t fuzz/corpus/$$t >$(BUILD)/fuzz/$$t.log 2>&1; rc=$$?; \
	    grep -E 'stat::number_of_executed_units|ERROR|SUMMARY|Test unit written' \
	        $(BUILD)/fuzz/$$t.log; [ $$rc = 0 ] || exit 1; \
	done

# The parser's speed beside Prometheus's Go parser and the Python client's
# (bench/compare.sh; results in docs/BENCHMARKS.md).
$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -o $@ $< $(LIB) $(LDLIBS_ALL)

bench: deps
	@$(MAKE) --no-print-directory $(BENCH_BIN)
	@PROM_PARSE=$(CURDIR)/$(BENCH_BIN) BUILD=$(BUILD) bench/compare.sh

# What watching costs the hosts and this machine, on a running sandbox
# (SANDBOX_DIR=...; bench/footprint.sh; results in docs/BENCHMARKS.md).
# The polling design it is compared with is built from POLLING_COMMIT (the
# commit before the containers streams, ea66e8e) in a git worktree under
# $(BUILD)/, once.
POLLING_COMMIT = 7ce0347
POLLING_BIN = $(BUILD)/polling/opsdeck
$(POLLING_BIN):
	@mkdir -p $(BUILD)/polling
	[ -d $(BUILD)/polling-src ] || git worktree add -f --detach $(BUILD)/polling-src $(POLLING_COMMIT)
	$(MAKE) --no-print-directory -C $(BUILD)/polling-src opsdeck
	cp $(BUILD)/polling-src/opsdeck $@

bench-footprint: all $(POLLING_BIN)
	@OPSDECK_BIN=$(CURDIR)/$(OPSDECK) OPSDECK_OLD=$(CURDIR)/$(POLLING_BIN) \
	    bench/footprint.sh $(SANDBOX_DIR) $(or $(SECONDS),60)

# opsdeck on a fleet of N lightweight hosts (tests/sandbox/fleet.sh, started
# and stopped by the script; bench/scale.sh; results in docs/BENCHMARKS.md).
bench-scale: all
	@OPSDECK_BIN=$(CURDIR)/$(OPSDECK) bench/scale.sh $(or $(HOSTS),100) $(or $(SECONDS),60) \
	    $(or $(RUNS),3) $(or $(BLACKHOLED),10)

# Installs what is missing (Debian packages), through the one script.
deps:
	@scripts/install-deps.sh

check: deps
	@$(MAKE) --no-print-directory tests
	@BUILD=$(BUILD) OPSDECK_BIN=$(CURDIR)/$(OPSDECK) tests/run.sh all

unit: tests
	@BUILD=$(BUILD) OPSDECK_BIN=$(CURDIR)/$(OPSDECK) tests/run.sh unit
integration: tests
	@BUILD=$(BUILD) OPSDECK_BIN=$(CURDIR)/$(OPSDECK) tests/run.sh integration
e2e: tests
	@BUILD=$(BUILD) OPSDECK_BIN=$(CURDIR)/$(OPSDECK) tests/run.sh e2e
# Faults injected on the sandbox while the console runs (tests/faults/,
# docs/RELIABILITY.md); kept out of `make check`.
faults: tests
	@BUILD=$(BUILD) OPSDECK_BIN=$(CURDIR)/$(OPSDECK) tests/run.sh faults

# The whole suite again, built with AddressSanitizer and UBSan.
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
sanitize: deps
	@$(MAKE) --no-print-directory BUILD=build-san OPSDECK=build-san/opsdeck \
	    SANFLAGS="$(SAN)" CFLAGS="-O1 -g" tests
	@BUILD=build-san OPSDECK_BIN=$(CURDIR)/build-san/opsdeck \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitize/lsan.supp \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 tests/run.sh all

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/sandbox/demo.sh $(CURDIR)/$(OPSDECK)

install: $(OPSDECK)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(THEMEDIR) \
	    $(DESTDIR)$(PREFIX)/share/doc/opsdeck/examples/runbooks
	install -m 0755 $(OPSDECK) $(DESTDIR)$(PREFIX)/bin/opsdeck
	install -m 0644 man/opsdeck.1 $(DESTDIR)$(PREFIX)/share/man/man1/opsdeck.1
	install -m 0644 man/opsdeck.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/opsdeck.conf.5
	install -m 0644 man/opsdeck-runbook.5 $(DESTDIR)$(PREFIX)/share/man/man5/opsdeck-runbook.5
	install -m 0644 themes/*.theme $(DESTDIR)$(THEMEDIR)/
	install -m 0644 examples/opsdeck.conf $(DESTDIR)$(PREFIX)/share/doc/opsdeck/examples/
	install -m 0644 examples/runbooks/*.yml $(DESTDIR)$(PREFIX)/share/doc/opsdeck/examples/runbooks/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/opsdeck $(DESTDIR)$(PREFIX)/share/man/man1/opsdeck.1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5/opsdeck.conf.5 \
	    $(DESTDIR)$(PREFIX)/share/man/man5/opsdeck-runbook.5
	rm -rf $(DESTDIR)$(THEMEDIR) $(DESTDIR)$(PREFIX)/share/doc/opsdeck

format:
	clang-format -i $$(find src include tests bench fuzz -name '*.[ch]')
format-check:
	clang-format --dry-run -Werror $$(find src include tests bench fuzz -name '*.[ch]')

clean:
	[ ! -d build/polling-src ] || git worktree remove --force build/polling-src
	rm -rf build build-san $(OPSDECK)

-include $(OBJS:.o=.d) $(BUILD)/src/main.d
