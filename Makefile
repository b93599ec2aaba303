# gostuck - top-level build.  `make demo` and `make check` are the two
# commands a fresh Debian machine needs; both install what is missing.

PREFIX ?= /usr/local
CC ?= cc
CFLAGS ?= -O2 -g
BUILD := build
LDFLAGS ?=
SRC := coreanalyze/src
CLI_SRCS := $(SRC)/main.c $(wildcard $(SRC)/cli_*.c)
LIB_SRCS := $(filter-out $(CLI_SRCS),$(wildcard $(SRC)/*.c))
CLI_OBJS := $(patsubst $(SRC)/%.c,$(BUILD)/obj/%.o,$(CLI_SRCS))
# The pprof view encodes perftools.profiles.Profile with protobuf-c, from
# the profile.proto that Debian's golang-github-google-pprof-dev publishes;
# protoc-c generates its C code into build/gen at build time (never
# checked in).
PROFILE_PROTO ?= /usr/share/gocode/src/github.com/google/pprof/proto/profile.proto
GEN := $(BUILD)/gen
LIB_OBJS := $(patsubst $(SRC)/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS)) $(BUILD)/obj/profile.pb-c.o
PIC_OBJS := $(patsubst $(SRC)/%.c,$(BUILD)/pic/%.o,$(LIB_SRCS)) $(BUILD)/pic/profile.pb-c.o
GS_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -fvisibility=hidden -Icoreanalyze/include -I$(GEN) $(CFLAGS)
GS_LIBS := -lelf -ldw -ljson-c -lprotobuf-c -lz

# Go toolchains: every /usr/lib/go-1.NN installed on this machine.
GO_VERSIONS ?= $(sort $(patsubst /usr/lib/go-%/bin/go,%,$(wildcard /usr/lib/go-1.*/bin/go)))
# The fuzz targets (fuzz/, `make fuzz`) and their regression test in
# `make check`: clang with libFuzzer and the sanitizers' runtime, objcopy.
FUZZ_PKGS := clang-14 libclang-rt-14-dev binutils
DEB_PKGS := $(FUZZ_PKGS) libelf-dev libdw-dev libjson-c-dev libprotobuf-c-dev protobuf-c-compiler golang-github-google-pprof-dev zlib1g-dev python3 python3-jsonschema python3-pytest gdb gdbserver zstd time

.PHONY: all deps godeps lib cli fixtures check check-asan test-unit test-oracle test-badinput test-schema demo install clean bench fuzz fuzz-build fuzz-seeds

all: cli lib

# Debian packages the build and tests need; installs only what is missing.
deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# At least one Go toolchain (the Debian default, 1.19) for the fixtures.
godeps:
	@[ -n "$(GO_VERSIONS)" ] || scripts/install-go.sh 1.19

$(GEN)/profile.pb-c.c $(GEN)/profile.pb-c.h &: $(PROFILE_PROTO) | deps
	@mkdir -p $(GEN)
	protoc-c --proto_path=$(dir $(PROFILE_PROTO)) --c_out=$(GEN) $(PROFILE_PROTO)

$(BUILD)/obj/%.o: $(SRC)/%.c $(wildcard $(SRC)/*.h) coreanalyze/include/gostuck.h $(GEN)/profile.pb-c.h | deps
	@mkdir -p $(dir $@)
	$(CC) $(GS_CFLAGS) -c $< -o $@

$(BUILD)/pic/%.o: $(SRC)/%.c $(wildcard $(SRC)/*.h) coreanalyze/include/gostuck.h $(GEN)/profile.pb-c.h | deps
	@mkdir -p $(dir $@)
	$(CC) $(GS_CFLAGS) -fPIC -c $< -o $@

$(BUILD)/obj/%.o: $(GEN)/%.c $(GEN)/profile.pb-c.h
	@mkdir -p $(dir $@)
	$(CC) $(GS_CFLAGS) -c $< -o $@

$(BUILD)/pic/%.o: $(GEN)/%.c $(GEN)/profile.pb-c.h
	@mkdir -p $(dir $@)
	$(CC) $(GS_CFLAGS) -fPIC -c $< -o $@

$(BUILD)/libgostuck.a: $(LIB_OBJS)
	ar rcs $@ $^

$(BUILD)/libgostuck.so: $(PIC_OBJS)
	$(CC) -shared $(LDFLAGS) -o $@ $^ $(GS_LIBS)

$(BUILD)/gostuck: $(CLI_OBJS) $(BUILD)/libgostuck.a
	$(CC) $(LDFLAGS) -o $@ $^ $(GS_LIBS)

lib: $(BUILD)/libgostuck.so $(BUILD)/libgostuck.a
cli: $(BUILD)/gostuck

# Build every fixture with every installed toolchain and make its
# (exe, core, traceback.txt) triple under build/fixtures/go1.NN/NAME/.
fixtures: godeps
	@for v in $(GO_VERSIONS); do fixtures/make-cores.sh $$v $(BUILD)/fixtures/go$$v || exit 1; done

check: all godeps
	@tests/run-all.sh "$(GO_VERSIONS)"

# The whole suite again with the CLI built by clang under AddressSanitizer
# and UBSan, into build-asan/ (the fixtures stay in build/fixtures); any
# sanitizer report fails the test that saw it.  The gdb extension's suites
# load the ordinary build/libgostuck.so: see tests/asan/run.sh for why.
ASAN_CC ?= clang-14
ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
check-asan: all godeps
	@$(MAKE) --no-print-directory deps DEB_PKGS="clang-14 libclang-rt-14-dev"
	$(MAKE) BUILD=build-asan CC=$(ASAN_CC) CFLAGS="-O1 -g $(ASAN_FLAGS)" LDFLAGS="$(ASAN_FLAGS)" cli
	@ASAN_CC=$(ASAN_CC) tests/asan/run.sh build-asan "$(GO_VERSIONS)"

# Benchmarks (not tests): gostuck, its gdb extension, Delve and gdb's
# runtime-gdb.py on the same fixtures/scale cores (10k, 100k, 1M
# goroutines, cached in ~/.cache/gostuck-bench); writes docs/bench.md.
bench: deps all
	@/usr/bin/python3 scripts/bench.py

demo: deps godeps all
	@tests/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/gostuck/gdb
	install -m 755 $(BUILD)/gostuck $(DESTDIR)$(PREFIX)/bin/gostuck
	install -m 644 $(BUILD)/libgostuck.so $(DESTDIR)$(PREFIX)/lib/libgostuck.so
	install -m 644 docs/gostuck.1 $(DESTDIR)$(PREFIX)/share/man/man1/gostuck.1
	install -d $(DESTDIR)$(PREFIX)/share/gostuck/gdb/gostuck_gdb
	install -m 644 gdbext/gostuck-gdb.py $(DESTDIR)$(PREFIX)/share/gostuck/gdb/
	install -m 644 gdbext/gostuck_gdb/*.py $(DESTDIR)$(PREFIX)/share/gostuck/gdb/gostuck_gdb/
	@echo "gdb: add this line to ~/.gdbinit:  source $(PREFIX)/share/gostuck/gdb/gostuck-gdb.py"

# ---- fuzzing (fuzz/README.md): libFuzzer targets built with clang-14,
# ASan and UBSan into build-fuzz/; the library objects compiled with
# -fsanitize=fuzzer-no-link so the fuzzer sees their coverage.
FUZZ_CC ?= clang-14
FUZZ := build-fuzz
FUZZ_TARGETS ?= dump json core pcln dwarf walk
FUZZ_SECONDS ?= 60
# Seeds and the fixture the targets mutate come from this Go version's
# fixtures (the newest installed).
FUZZ_GO ?= $(lastword $(GO_VERSIONS))
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Icoreanalyze/include -I$(GEN) -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN)
FUZZ_LIB_OBJS := $(patsubst $(SRC)/%.c,$(FUZZ)/obj/%.o,$(LIB_SRCS)) $(FUZZ)/obj/profile.pb-c.o
FUZZ_BINS := $(patsubst %,$(FUZZ)/fuzz_%,$(FUZZ_TARGETS))

$(FUZZ)/obj/%.o: $(SRC)/%.c $(wildcard $(SRC)/*.h) coreanalyze/include/gostuck.h $(GEN)/profile.pb-c.h | deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ)/obj/profile.pb-c.o: $(GEN)/profile.pb-c.c $(GEN)/profile.pb-c.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ)/obj/fuzzlib.o: fuzz/fuzzlib.c fuzz/fuzzlib.h coreanalyze/include/gostuck.h | deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzzlib.h $(FUZZ)/obj/fuzzlib.o $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ)/obj/fuzzlib.o $(FUZZ_LIB_OBJS) -o $@ $(GS_LIBS)

# Keep the objects between builds (make would delete them as intermediates).
.SECONDARY: $(FUZZ_LIB_OBJS) $(FUZZ)/obj/fuzzlib.o

fuzz-build: $(FUZZ_BINS)

# The fixture the targets mutate and the seed corpora, from the fixtures
# of Go $(FUZZ_GO) (made first when missing).
fuzz-seeds: cli godeps
	@fuzz/make-seeds.sh $(FUZZ_GO) $(FUZZ)

# Run each target FUZZ_SECONDS seconds, one at a time; a summary table,
# and a line per target appended to build-fuzz/stats.tsv.
fuzz: fuzz-build fuzz-seeds
	@fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD) build-asan $(FUZZ)
