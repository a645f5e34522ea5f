# The README's commands. `make run` and `make test` work on a fresh Debian bookworm machine.
.PHONY: run test build deps test-deps bench clean

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

bench: deps
	bash bench/run.sh

clean:
	rm -rf build build-release
