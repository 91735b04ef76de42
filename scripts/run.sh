#!/usr/bin/env bash
# Starts a local sync server on 127.0.0.1 and the desktop app; stops the server when
# the app closes. The app keeps its data in the platform's app-data directory
# (on Linux ~/.local/share/mx.cosabi.app), or in COSABI_DATA_DIR if set.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  cat >&2 <<'MSG'
No graphical display found (DISPLAY and WAYLAND_DISPLAY are empty).
Cosabi is a desktop app: run it on a desktop session, or under a virtual display:

    Xvfb :99 -screen 0 1280x800x24 -nolisten tcp &
    DISPLAY=:99 make run

and look at it with a screenshot:  DISPLAY=:99 import -window root cosabi.png
MSG
  exit 2
fi

LISTEN="${COSABI_LISTEN:-127.0.0.1:8787}"
# The local server keeps its data beside the app's, never in the source tree.
SERVER_DIR="${XDG_DATA_HOME:-$HOME/.local/share}/cosabi-local-server"
mkdir -p "$SERVER_DIR"
target/debug/cosabi-sync-server --db "$SERVER_DIR/server.sqlite3" serve \
  --listen "$LISTEN" --blobs "$SERVER_DIR/blobs" --web-app target/web-app &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null || true' EXIT
echo "sync server: http://$LISTEN (pid $SERVER_PID, data in $SERVER_DIR)"
# 127.0.0.1 is a secure context: Chromium installs the web app from it as a phone
# does from https://<server>/app.
echo "web app (for phones): http://$LISTEN/app/"
target/debug/cosabi-app
