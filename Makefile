# The two commands the README promises: `make demo` and `make test`. Both install what is missing first.
# Set-up lives in scripts/setup.sh; builds go to build/<config>.

JOBS ?= $(shell nproc)
GENERATOR := -G Ninja
RELEASE_DIR := build/release
ASAN_DIR := build/asan
# Warnings are errors for every build made through this Makefile; pass WERROR=OFF to relax locally.
WERROR ?= ON

.PHONY: setup build build-asan test test-release test-asan demo bench format clean

setup:
	@bash scripts/setup.sh

$(RELEASE_DIR)/build.ninja:
	cmake -S . -B $(RELEASE_DIR) $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOPTRACE_WERROR=$(WERROR)

# -g1 (line tables, no variable locations): enough for the sanitizers' stack traces, and about 30 % less
# compile CPU than -g (docs/benchmarks.md, "Build and CI time").
$(ASAN_DIR)/build.ninja:
	cmake -S . -B $(ASAN_DIR) $(GENERATOR) -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-g1 -O1" \
	  -DHOPTRACE_SANITIZE=ON -DHOPTRACE_WERROR=$(WERROR)

build: setup $(RELEASE_DIR)/build.ninja
	cmake --build $(RELEASE_DIR) -j $(JOBS)

build-asan: setup $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR) -j $(JOBS)

# Sanitizer run first, release run last: CTest's closing line is the last thing printed.
test: test-asan test-release

test-asan: build-asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS) --timeout 600

test-release: build
	ctest --test-dir $(RELEASE_DIR) --output-on-failure -j $(JOBS) --timeout 600

# The checkout demo as processes (demo/README.md); flags through DEMO_ARGS, e.g. DEMO_ARGS="--base-port 28080".
DEMO_ARGS ?=
demo: build
	./$(RELEASE_DIR)/demo/hoptrace-demo --run-dir $(RELEASE_DIR)/demo-run $(DEMO_ARGS)

# The benchmarks are not part of the default build (CI time): target `benchmarks` builds them.
bench: build
	cmake --build $(RELEASE_DIR) -j $(JOBS) --target benchmarks
	bash bench/run.sh $(RELEASE_DIR)

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build
