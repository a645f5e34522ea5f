# The README's commands. `make run` and `make test` work on a fresh Debian bookworm machine.
.PHONY: run test build deps test-deps fuzz-deps fuzz test-sanitizers bench clean

run: deps build
	scripts/run.sh

test: test-deps build
	scripts/test.sh

build:
	scripts/build.sh

deps:
	scripts/install-deps.sh

test-deps:
	scripts/install-deps.sh --test

fuzz-deps:
	scripts/install-deps.sh --fuzz

# libFuzzer harnesses of fuzz/, FUZZ_SECONDS (default 60) each, into ./build-fuzz
fuzz: fuzz-deps
	scripts/fuzz.sh

# CppUnit suites and a black-box subset against an ASan+UBSan build in ./build-asan (run by .ci/run)
test-sanitizers: test-deps
	scripts/test-sanitizers.sh

bench: deps
	bash bench/run.sh

clean:
	rm -rf build build-release build-asan build-fuzz
