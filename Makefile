# Front door; the real build is CMake. Two builds: build/ (optimised) and build-asan/
# (AddressSanitizer + UndefinedBehaviorSanitizer); `make test` runs every test in both.
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
MAKEFLAGS += --no-print-directory

.PHONY: all deps build build-asan golden test test-release test-asan test-python test-fuzz test-tsan tsan bench demo fuzz memcheck clean

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DONC_WERROR=ON -DONC_SANITIZE=OFF -DONC_BUILD_BENCH=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j $(JOBS)

build-asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DONC_WERROR=ON -DONC_SANITIZE=ON -DONC_BUILD_BENCH=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-asan -j $(JOBS)

# Refreshes tests/compiler/golden (what onc gen writes for a few files) after a change to the
# generator: commit the diff with the change.
golden: build
	@tests/compiler/golden.sh $(CURDIR)/build/cli/onc $(CURDIR)/build/golden --update

test-release: build
	@cd build && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	@cd build-asan && ctest --output-on-failure -j $(JOBS)

# The Python runtime against the C peers of the optimised build (Debian's pytest), and again
# on Python 3.13 (which has no xdrlib) where the machine has one, with Debian's pytest too.
PY313 ?= $(firstword $(wildcard /usr/bin/python3.13 /usr/local/bin/python3.13 \
			$(HOME)/.pyenv/versions/3.13*/bin/python3.13))
test-python: build
	@ONC_BUILD_DIR=build /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/python
	@if [ -n "$(PY313)" ]; then \
		echo "pytest again on $(PY313)"; \
		PYTHONPATH=/usr/lib/python3/dist-packages ONC_BUILD_DIR=build $(PY313) -m pytest -q \
			-p no:cacheprovider -W "ignore::DeprecationWarning:_pytest.assertion.rewrite" \
			tests/python; \
	else echo "no Python 3.13 here: the suite ran on $$(/usr/bin/python3 -V) only"; fi

# The tests where threads meet (worker pool, connection lifetimes, deferred replies, async
# clients, a client that reads while it writes, rpcbind's forwarding thread) under
# ThreadSanitizer, built with clang in build-tsan/.
TSAN_TESTS = test_workers test_conn_lifetime test_deferred test_backpressure test_async \
	test_client_server test_client_send test_rpcbind test_tls test_tls_hostile
test-tsan: deps
	@CC=clang cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DONC_WERROR=ON -DONC_TSAN=ON \
		-DONC_BUILD_BENCH=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-tsan -j $(JOBS) --target $(TSAN_TESTS)
	@cd build-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
		ctest --output-on-failure -R '^($(shell echo $(TSAN_TESTS) | tr ' ' '|'))(_workers)?$$'
tsan: test-tsan

# Each libFuzzer target for a short bounded time (make fuzz runs them longer).
test-fuzz: deps
	@fuzz/run.sh short

test: test-release test-asan test-tsan test-python memcheck test-fuzz

bench: build
	@scripts/deps.sh bench
	@bench/run.sh build

fuzz: deps
	@fuzz/run.sh long

memcheck: build
	@tests/attack/memcheck.sh build

demo: build
	@examples/demo.sh build

clean:
	rm -rf build build-asan
