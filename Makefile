# The two commands of the README, plus the pieces they are made of.
BUILD ?= build
FUZZ_BUILD ?= build-fuzz
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
JOBS ?= $(shell nproc)
# make test's CTest slots: two a core (tests/schedule.cmake says why).
TEST_JOBS ?= $(shell echo $$(( $(JOBS) * 2 )))
CONFIG ?=

# The web console (web/) is built when it is there: `make web`.
WEB := $(if $(wildcard web/package.json),web)
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) \
  $(wildcard web/package.json web/package-lock.json web/index.html web/vite.config.* \
             web/tsconfig*.json web/env.d.ts)

.PHONY: all bootstrap build build-quietly web run test test-asan test-tsan fuzz bench format clean

all: build

bootstrap:
	@scripts/bootstrap

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOURTCAST_FUZZ_DIR=$(abspath $(FUZZ_BUILD))

# TARGET=courtcast builds the server alone (what `make run` needs).
build: $(BUILD)/CMakeCache.txt $(WEB)
	cmake --build $(BUILD) -j $(JOBS) $(if $(TARGET),--target $(TARGET))

# npm ci when the lock file changed (scripts/web-deps keeps the stamp).
web/node_modules/.lock-hash: $(wildcard web/package-lock.json)
	scripts/web-deps

# The console is rebuilt only when its sources changed. Text files get a
# gzip -9 sibling that courtcast sends to browsers taking gzip
# (src/http/static_site.hpp says why it does not compress per request).
web/dist/index.html: $(WEB_SOURCES) web/node_modules/.lock-hash
	cd web && npm run build
	find web/dist -type f \( -name '*.js' -o -name '*.mjs' -o -name '*.css' -o -name '*.html' \
	  -o -name '*.svg' -o -name '*.json' -o -name '*.wasm' -o -name '*.ico' \) -size +1023c \
	  -exec gzip -9 -k -n -f {} +
	touch $@
	touch -c $@.gz  # gzip gave it the page's old time; courtcast skips a sibling older than its file

web: $(if $(WEB),web/dist/index.html)

# The libFuzzer targets need clang; they get a build of their own.
$(FUZZ_BUILD)/CMakeCache.txt:
	CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOURTCAST_FUZZERS=ON

fuzz: $(FUZZ_BUILD)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers

# The build's output goes to a log: the first screen of `make run` is the
# server's banner. A failed build shows the log's tail.
build-quietly:
	@mkdir -p $(BUILD)
	@echo "building… (log: $(BUILD)/build.log)"
	@$(MAKE) --no-print-directory build >$(BUILD)/build.log 2>&1 || { \
	  tail -n 40 $(BUILD)/build.log; echo "build failed; the whole log: $(BUILD)/build.log"; exit 1; }

run: bootstrap
	@$(MAKE) -s --no-print-directory build-quietly TARGET=courtcast
	@$(BUILD)/courtcast serve $(if $(CONFIG),--config $(CONFIG))

# Bootstrap first: on a fresh machine CMake needs its packages before it can
# configure anything. Each phase's wall time goes to $(BUILD)/phases.tsv and
# the last line sums them up (failed or not), so a CI log shows where its
# time went.
PHASES = $(abspath $(BUILD))/phases.tsv
TIMED = $(CURDIR)/scripts/timed $(PHASES)
test:
	@mkdir -p $(BUILD) && : >$(PHASES) && trap '$(TIMED)' EXIT && \
	$(TIMED) bootstrap scripts/bootstrap && \
	$(TIMED) "web build" $(MAKE) --no-print-directory web && \
	$(TIMED) build $(MAKE) --no-print-directory build && \
	$(TIMED) "fuzz build" $(MAKE) --no-print-directory fuzz && \
	cd $(BUILD) && $(TIMED) tests ctest --output-on-failure -j $(TEST_JOBS) --timeout 600

# The unit and integration tests on builds with sanitizers (the web console's
# browser tests and the fuzzers are left out). The runtime options and the
# suppressions are in tests/CMakeLists.txt and tests/sanitizers/; a report
# fails the test, including one from a server an integration test started.
$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOURTCAST_SANITIZE=address,undefined

$(TSAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOURTCAST_SANITIZE=thread

test-asan: bootstrap $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && env $$(cat sanitizer.env) ctest --output-on-failure -j $(JOBS) --timeout 900 -E '^(web|fuzz)\.'

# GCC 12's ThreadSanitizer knows the address layout of kernels that randomise
# mmap with at most 28 bits; with more (vm.mmap_rnd_bits is 32 on some
# kernels) every process dies with "unexpected memory mapping". So there the
# tests run without address randomisation (setarch -R, inherited by every
# process ctest starts); where even that is refused (a container's seccomp),
# the message says to lower vm.mmap_rnd_bits. docs/reliability.md has the runs.
TSAN_NO_ASLR = if [ "$$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 28)" -gt 28 ]; then \
  setarch "$$(uname -m)" -R true || { echo "vm.mmap_rnd_bits > 28 and setarch -R refused:" \
  "run sysctl vm.mmap_rnd_bits=28 (ThreadSanitizer cannot run otherwise)" >&2; exit 1; }; \
  echo setarch "$$(uname -m)" -R; fi

test-tsan: bootstrap $(TSAN_BUILD)/CMakeCache.txt
	cmake --build $(TSAN_BUILD) -j $(JOBS)
	cd $(TSAN_BUILD) && run=$$($(TSAN_NO_ASLR)) && env $$(cat sanitizer.env) $$run ctest --output-on-failure -j $(JOBS) --timeout 900 -E '^(web|fuzz)\.'

bench: build
	bench/fanout.sh

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD)
