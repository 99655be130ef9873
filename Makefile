# The two commands of the README, plus the pieces they are made of.
BUILD ?= build
FUZZ_BUILD ?= build-fuzz
JOBS ?= $(shell nproc)
CONFIG ?=

.PHONY: all bootstrap build run test fuzz bench format clean

all: build

bootstrap:
	scripts/bootstrap

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOURTCAST_FUZZ_DIR=$(abspath $(FUZZ_BUILD))

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The libFuzzer targets need clang; they get a build of their own.
$(FUZZ_BUILD)/CMakeCache.txt:
	CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOURTCAST_FUZZERS=ON

fuzz: $(FUZZ_BUILD)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers

run: bootstrap
	$(MAKE) build
	$(BUILD)/courtcast serve $(if $(CONFIG),--config $(CONFIG))

test: build fuzz
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

bench: build
	bench/fanout.sh

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD)
