# The two commands of the README, plus the pieces they are made of.
BUILD ?= build
JOBS ?= $(shell nproc)
CONFIG ?=

.PHONY: all bootstrap build run test fuzz bench format clean

all: build

bootstrap:
	scripts/bootstrap

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: bootstrap
	$(MAKE) build
	$(BUILD)/courtcast serve $(if $(CONFIG),--config $(CONFIG))

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

bench: build
	bench/fanout.sh

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD)
