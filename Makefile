# The README's commands. `make run` and `make test` work on a fresh Debian bookworm machine.
.PHONY: run test build deps test-deps fuzz-deps fuzz test-sanitizers bench clean release release-deps test-release

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

# One version, every artefact: make release V=x.y.z (scripts/release.sh; refuses a dirty tree or a bad version, sets
# the version everywhere, runs the tests, builds dist/: .deb, wheel + sdist, npm tarball, image, SHA256SUMS).
# SKIP_TESTS=1 skips the tests (only while working on the release machinery itself).
release: release-deps
	scripts/release.sh "$(V)"

release-deps:
	scripts/install-deps.sh --release

# The .deb installed into a clean Debian bookworm container, started, smoke-tested, removed; the wheel and the npm
# tarball installed into fresh environments (tests/release; run by .ci/run)
test-release: release-deps build
	scripts/test-release.sh

bench: deps
	bash bench/run.sh

clean:
	rm -rf build build-release build-asan build-fuzz dist
