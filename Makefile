# Cosabi — the two commands: `make run` and `make test`. Everything else is here too.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
# Line tables only: a third of the disk and less time on two cores.
export CARGO_PROFILE_DEV_DEBUG ?= line-tables-only

.PHONY: bench-app bench-receipts bench all setup fetch ui build run test test-long bench screenshots fmt clippy e2e clean

all: build

## Install what is missing (Debian packages, wasm target, trunk, wasm-bindgen, tauri-driver).
setup:
	@bash scripts/setup.sh

# trunk runs cargo with --offline (it must never download tools): fetch crates first.
fetch: setup
	@cargo fetch --locked

## Build the UI (must precede any build of src-tauri, which embeds src-ui/dist).
ui: fetch
	cd src-ui && trunk build

## Build the app and the sync server.
build: ui
	cargo build --locked -p cosabi-app -p cosabi-sync-server

## Build the installable web app (the phones' build) into target/web-app, which the
## sync server serves at /app (`--web-app`): the UI, the worker hosting the replica,
## the service worker, the manifest (release builds: this is what phones download).
.PHONY: web
web: fetch
	bash scripts/build-web.sh target/web-app

## Start a local sync server on 127.0.0.1 (serving the web app at /app) and the
## desktop app.
run: build web
	@bash scripts/run.sh

fmt:
	cargo fmt --all

clippy: ui
	cargo clippy --locked --workspace --all-targets -- -D warnings
	cargo clippy --locked -p cosabi-ui --target wasm32-unknown-unknown -- -D warnings
	cargo clippy --locked -p cosabi-replica --target wasm32-unknown-unknown --lib --test wasm -- -D warnings
	cargo clippy --locked -p cosabi-host -p cosabi-worker --target wasm32-unknown-unknown -- -D warnings

## Formatting, lints, every test including the end-to-end tests in the real window.
test: ui
	cargo fmt --all -- --check
	$(MAKE) --no-print-directory clippy
	cargo build --locked -p cosabi-app -p cosabi-sync-server
	$(MAKE) --no-print-directory web
	cargo test --locked --workspace
	$(MAKE) --no-print-directory test-wasm
	$(MAKE) --no-print-directory schemathesis

## The replica in headless Chromium: a dedicated worker, its database in OPFS
## (wasm-bindgen-test-runner drives Debian's chromium through chromedriver).
.PHONY: test-wasm
test-wasm:
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	  cargo test --locked -p cosabi-replica --target wasm32-unknown-unknown --test wasm

## schemathesis --checks all against a real server's /v1/openapi.json (about 50 s):
## no undocumented status, no schema-valid request refused.
.PHONY: schemathesis
schemathesis:
	cargo build --locked -p cosabi-sync-server
	bash scripts/schemathesis.sh

## Long runs: 10,000 merge property cases, 100 SIGKILL crashes, 1,000 link cuts,
## 1,000 hostile-device cases.
test-long: fetch
	COSABI_LONG=1 cargo test --locked --release -p cosabi-replica --test merge_props --test crash --test sync_file_hostile
	COSABI_LONG=1 cargo test --locked --release -p cosabi-sync-server --test sync --test hostile -- --nocapture

## Fuzzing (proptest over arbitrary and mutated bytes, with a bound on the memory each
## input may take): the page decoder and the CFDI XML reader for COSABI_FUZZ_SECONDS
## (60) each, then 10,000 hostile sync files in a child limited to 1 GiB.
COSABI_FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz: fetch
	COSABI_FUZZ_SECONDS=$(COSABI_FUZZ_SECONDS) cargo test --locked --release -p cosabi-core --test fuzz -- --test-threads=1 --nocapture
	COSABI_LONG=1 cargo test --locked --release -p cosabi-replica --test sync_file_hostile -- --nocapture

## The programme view over the whole seed table (11,480 demo clinics in 23 states, each
## built, enrolled and synced over HTTP), every state's figures checked. Not in `make test`.
## Measured on 2 shared cores: the test 3 min 23 s (demo 170 s, first national view
## folding every clinic 22 s), after a cold release build of about 10 min.
.PHONY: test-programme-long
test-programme-long: fetch
	COSABI_LONG=1 cargo test --locked --release -p cosabi-sync-server --test programme -- --nocapture

## Only the end-to-end tests.
e2e: build
	cargo test --locked -p cosabi-e2e

## Only the web app's figures (its size-first build, in headless Chromium with the CPU
## 4x slower): pwa_transfer_gz_bytes, pwa_cold_start_ms, pwa_money_list_5000_ms.
.PHONY: bench-web
bench-web: web
	cargo bench --locked -p cosabi-e2e --bench web

## Only the app benchmarks (release build): start-up, bundle size, the money list.
bench-app: fetch
	cd src-ui && trunk build --release
	cargo build --locked --release -p cosabi-app
	COSABI_APP_BIN=$(CURDIR)/target/release/cosabi-app cargo bench --locked -p cosabi-e2e --bench app
	# Leave the debug UI in place for `make run` and `make test`.
	cd src-ui && trunk build

## Only a11y_violations: axe-core over every screen at both sizes, on the debug build
## (a count: the build does not change it), in about a minute once built.
.PHONY: bench-a11y
bench-a11y: build
	COSABI_BENCH_ONLY=a11y cargo test --locked -p cosabi-e2e --bench app

## Refresh the committed screenshots in docs/screenshots from the end-to-end tests
## and the public pages' test in Chromium.
screenshots: build
	COSABI_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots cargo test --locked -p cosabi-e2e
	COSABI_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots cargo test --locked -p cosabi-sync-server --test transparency_browser

clean:
	cargo clean
	rm -rf src-ui/dist

## Only the receipt photo figures (release build, about a minute and a half once
## built): receipt_photo_kb, tesseract's readings of the totals and the QR codes read.
bench-receipts: fetch
	COSABI_BENCH_ONLY=receipts cargo bench --locked -p cosabi-replica --bench replica

## Benchmarks (release build): one `name value unit` line per figure. The replica's
## bench ends with the receipt photo figures (as `make bench-receipts`).
bench: fetch
	cargo bench --locked -p cosabi-replica --bench replica
	cargo bench --locked -p cosabi-sync-server --bench sync
	cargo bench --locked -p cosabi-sync-server --bench abuse
	cargo bench --locked -p cosabi-sync-server --bench expediente
	cargo bench --locked -p cosabi-reports --bench reports
	$(MAKE) --no-print-directory bench-app
	$(MAKE) --no-print-directory bench-web
	cargo bench --locked -p cosabi-sync-server --bench national
