#!/usr/bin/env bash
# Builds Cosabi's installable web app (the phones' build, issue 12) into
# target/web-app, or the folder given as $1, for the sync server to serve at /app
# (`--web-app`):
#   - the UI (src-ui/index.web.html, trunk), the same as the desktop's;
#   - the worker that hosts the replica (src-worker, wasm-bindgen --target web) and
#     its loader (src-ui/web/worker.js);
#   - the manifest and icons, and the service worker (src-ui/web/sw.js) with the list
#     of every file and a version that is a hash of them all, so a changed build is a
#     new service worker.
# Cargo's `web` profile: release, optimised for size; then binaryen's wasm-opt
# (scripts/web-tools, from npm) on the UI, and a brotli copy (`<file>.br`) of every
# text and wasm file, which the server sends to browsers that accept brotli. The
# folder is replaced whole at the end: a failed build leaves the last one.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

OUT="$(realpath -m "${1:-target/web-app}")"
TARGET_DIR="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
STAGE="$OUT.partial"
rm -rf "$STAGE"

(cd src-ui && trunk build --cargo-profile web --dist "$STAGE" --public-url /app/ index.web.html)

# wasm-opt on the UI's module; trunk's index.html names it with its SHA-384
# (Subresource Integrity), which changes with it.
WASM_OPT="scripts/web-tools/node_modules/.bin/wasm-opt"
# What rustc's wasm32 target emits (binaryen must be told).
WASM_FEATURES="--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types --enable-multivalue"
[ -x "$WASM_OPT" ] || (cd scripts/web-tools && npm ci --no-audit --no-fund --loglevel=error)
for wasm in "$STAGE"/*_bg.wasm; do
  before="sha384-$(openssl dgst -sha384 -binary "$wasm" | base64 -w0)"
  "$WASM_OPT" -Oz $WASM_FEATURES "$wasm" -o "$wasm.opt"
  mv "$wasm.opt" "$wasm"
  after="sha384-$(openssl dgst -sha384 -binary "$wasm" | base64 -w0)"
  sed -i "s|$before|$after|g" "$STAGE/index.html"
done

cargo build --locked --profile web --target wasm32-unknown-unknown -p cosabi-worker
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section --out-dir "$STAGE" --out-name cosabi-worker \
  "$TARGET_DIR/wasm32-unknown-unknown/web/cosabi_worker.wasm"
# wasm-opt's -Oz makes the worker larger once compressed: not run on it.

# The service worker keeps "./" (index.html, what every page of the app is) and
# every other file of the build.
mapfile -t files < <(cd "$STAGE" && find . -type f ! -name sw.js ! -name index.html -printf '%P\n' | LC_ALL=C sort)
version="$(cd "$STAGE" && sha256sum index.html "${files[@]}" | sha256sum | cut -c1-16)"
list="\"./\""
for f in "${files[@]}"; do list="$list, \"$f\""; done
sed -e "s|@VERSION@|$version|" -e "s|@FILES@|[$list]|" src-ui/web/sw.js >"$STAGE/sw.js"

mapfile -t packable < <(find "$STAGE" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' \
  -o -name '*.html' -o -name '*.webmanifest' -o -name '*.json' -o -name '*.svg' \))
node scripts/web-tools/brotli.mjs "${packable[@]}"

rm -rf "$OUT"
mv "$STAGE" "$OUT"
echo "web app $version: $OUT ($(du -sh "$OUT" | cut -f1))"
