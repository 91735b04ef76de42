#!/usr/bin/env bash
# Installs everything Cosabi needs on a Debian 12 machine that has only the Rust
# toolchain. Idempotent: every step checks first, so a warm machine returns in seconds.
# Versions are the ones that resolve on this kind of machine (see ARCHITECTURE.md,
# "Toolchain"): trunk 0.22 needs a newer rustc; wasm-bindgen-cli must equal Cargo.lock's
# wasm-bindgen and cannot be installed with --locked (its lockfile pins a crate the
# registry does not serve).
set -euo pipefail

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130
TAURI_DRIVER_VERSION=2.1.0

log() { printf '[setup] %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  # Tauri on Linux
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev
  libssl-dev libxdo-dev build-essential pkg-config file curl
  # The real window under Xvfb, driven over WebDriver, and screenshots
  xvfb xauth dbus-x11 at-spi2-core libgl1-mesa-dri webkit2gtk-driver
  # The system's save dialog (GTK's file chooser) answered with a keyboard in the e2e tests
  xdotool
  fonts-dejavu-core imagemagick
  # PDFs read back as an auditor would: pdftotext and pdftoppm (the seal QR code)
  poppler-utils
  # Receipt photos read back as text (the receipt_photo_kb bench and the imaging tests)
  tesseract-ocr tesseract-ocr-spa
  # The sync server's public pages, in headless Chromium over WebDriver
  chromium chromium-driver
  # The server tests check the systemd unit in deploy/ with systemd-analyze
  systemd
  # C code compiled for wasm32 (the replica's SQLite through sqlite-wasm-rs, zstd-sys):
  # Debian's clang targets wasm32-unknown-unknown; gcc cannot
  clang
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

export PATH="$HOME/.cargo/bin:$PATH"

if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
  log "installing trunk $TRUNK_VERSION (about 6 minutes on 2 cores)"
  cargo install --locked trunk --version "$TRUNK_VERSION"
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if ! tauri-driver --help >/dev/null 2>&1 || [ "$(cat "$HOME/.cargo/.tauri-driver-version" 2>/dev/null)" != "$TAURI_DRIVER_VERSION" ]; then
  log "installing tauri-driver $TAURI_DRIVER_VERSION"
  cargo install --locked tauri-driver --version "$TAURI_DRIVER_VERSION" --force
  echo "$TAURI_DRIVER_VERSION" > "$HOME/.cargo/.tauri-driver-version"
fi

# axe-core, pinned in tests/a11y/package-lock.json, injected into the app window by the
# end-to-end tests and `make bench-app` (a11y_violations).
# Node and npm come from Debian unless some node is already installed (its own npm).
if ! command -v npm >/dev/null 2>&1; then
  log "installing Debian's nodejs and npm"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
A11Y_DIR="$(cd "$(dirname "$0")/.." && pwd)/tests/a11y"
if [ ! -f "$A11Y_DIR/node_modules/axe-core/axe.min.js" ]; then
  log "installing axe-core (npm ci in tests/a11y)"
  (cd "$A11Y_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi

# binaryen's wasm-opt (npm's WebAssembly build, pinned in scripts/web-tools) for
# the web build's size (scripts/build-web.sh).
WEB_TOOLS_DIR="$(cd "$(dirname "$0")/.." && pwd)/scripts/web-tools"
if ! "$WEB_TOOLS_DIR/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version 132"; then
  log "installing binaryen's wasm-opt (npm ci in scripts/web-tools)"
  (cd "$WEB_TOOLS_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi

# schemathesis (PyPI) for `make schemathesis`, in its own venv.
SCHEMATHESIS_VERSION=4.32.5
VENV="$HOME/.cache/cosabi-venv"
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  log "installing schemathesis $SCHEMATHESIS_VERSION in $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

# PostgreSQL for the sync server's store tests (sync-server/tests/store.rs): a local
# cluster on 127.0.0.1:5432 with a role cosabi/cosabi that may create databases (each
# test makes its own). Skipped when COSABI_TEST_PG names a server to use instead.
# There is no systemd here: pg_ctlcluster starts the cluster as the postgres user.
PG_WAIT_SECONDS_MAX=30
if [ -z "${COSABI_TEST_PG:-}" ]; then
  if ! command -v pg_lsclusters >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "installing PostgreSQL"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends postgresql
  fi
  pg_cluster=$(pg_lsclusters --no-header | awk '$3 == 5432 { print $1 " " $2; exit }')
  if [ -z "$pg_cluster" ]; then
    pg_version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    log "creating PostgreSQL cluster $pg_version/main on port 5432"
    $SUDO pg_createcluster "$pg_version" main --port 5432
    pg_cluster="$pg_version main"
  fi
  if ! pg_lsclusters --no-header | awk -v c="$pg_cluster" '$1 " " $2 == c && $4 ~ /^online/ { found = 1 } END { exit !found }'; then
    log "starting PostgreSQL cluster $pg_cluster"
    # shellcheck disable=SC2086 # "15 main" is two arguments
    $SUDO pg_ctlcluster $pg_cluster start
  fi
  pg_psql() { $SUDO runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -tA "$@"; }
  # The tests connect over TCP to 127.0.0.1; Debian's default ('localhost') covers it.
  pg_listen=$(pg_psql -c "SHOW listen_addresses")
  if ! grep -Eq '(^|,) *(\*|0\.0\.0\.0|localhost|127\.0\.0\.1) *(,|$)' <<<"$pg_listen"; then
    log "PostgreSQL listens on '$pg_listen' only: adding 127.0.0.1"
    pg_psql -c "ALTER SYSTEM SET listen_addresses = '$pg_listen,127.0.0.1'"
    # shellcheck disable=SC2086
    $SUDO pg_ctlcluster $pg_cluster restart
  fi
  pg_ready=""
  for _ in $(seq "$PG_WAIT_SECONDS_MAX"); do
    if pg_isready -q -h 127.0.0.1 -p 5432; then pg_ready=1; break; fi
    sleep 1
  done
  if [ -z "$pg_ready" ]; then
    log "PostgreSQL did not accept connections on 127.0.0.1:5432 within ${PG_WAIT_SECONDS_MAX}s: see /var/log/postgresql/"
    exit 1
  fi
  if [ "$(pg_psql -c "SELECT 1 FROM pg_roles WHERE rolname = 'cosabi'")" != 1 ]; then
    log "creating the PostgreSQL role cosabi (password cosabi, may create databases)"
    pg_psql -c "CREATE ROLE cosabi LOGIN CREATEDB PASSWORD 'cosabi'"
  fi
  if ! PGPASSWORD=cosabi psql -X -q -h 127.0.0.1 -p 5432 -U cosabi -d postgres -tA -c "SELECT 1" >/dev/null 2>&1; then
    log "the role cosabi cannot sign in over TCP: resetting its password and rights"
    pg_psql -c "ALTER ROLE cosabi LOGIN CREATEDB PASSWORD 'cosabi'"
    PGPASSWORD=cosabi psql -X -q -h 127.0.0.1 -p 5432 -U cosabi -d postgres -tA -c "SELECT 1" >/dev/null || {
      log "cosabi still cannot sign in on 127.0.0.1: pg_hba.conf must allow scram-sha-256 or md5 for 127.0.0.1/32"
      exit 1
    }
  fi
  log "PostgreSQL ready on 127.0.0.1:5432 (role cosabi)"
fi

# An S3-compatible object store for the sync server's tests (receipt photos in a bucket,
# `sync-server/tests/blobs_s3.rs`): s3s-fs keeps each bucket as a directory under its
# root and listens on 127.0.0.1; the tests start it on a free port. Built from
# crates.io: about 7 minutes (4 of CPU) while other builds ran.
S3S_FS_VERSION=0.14.1
if ! s3s-fs --version 2>/dev/null | grep -qx "s3s-fs $S3S_FS_VERSION"; then
  log "installing s3s-fs $S3S_FS_VERSION (an S3 server for the blob tests)"
  cargo install --locked s3s-fs --version "$S3S_FS_VERSION" --features binary --force
fi

log "all tools present"
