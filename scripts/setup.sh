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
  fonts-dejavu-core imagemagick
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

log "all tools present"
