#!/usr/bin/env bash
# Cuts the documents' fonts (DejaVu Sans, regular and bold) down to the scripts a
# committee writes in: Latin with every accent and modifier Spanish and Mexico's
# indigenous languages use (Nahuatl's macrons, the saltillo ꞌ and the glottal ʼ of
# Tsotsil and Tseltal, nasal vowels ã ẽ ĩ õ ũ), punctuation, currency, arrows, math
# and check marks. The full fonts are in assets/fonts/source; the cut ones, about a
# fifth of their size, are what the app embeds (the web build downloads them).
# Not run by `make`: run it when the ranges change, and commit its output.
# Needs only PyPI's fonttools, installed here in a throwaway virtualenv.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install -q 'fonttools==4.*'
ranges="U+0020-007E,U+00A0-02FF,U+0300-036F,U+1E00-1EFF,U+2000-206F,U+2070-209F"
ranges+=",U+20A0-20CF,U+2100-214F,U+2190-21FF,U+2200-22FF,U+25A0-25FF,U+2610-2612"
ranges+=",U+2713-2718,U+A720-A7FF,U+FFFD"
for face in DejaVuSans DejaVuSans-Bold; do
    "$venv/bin/pyftsubset" "assets/fonts/source/$face.ttf" --unicodes="$ranges" \
        --no-hinting --layout-features='' --name-IDs='*' --name-languages='*' \
        --notdef-outline --drop-tables+=FFTM,MATH --output-file="assets/fonts/$face.ttf"
done
ls -l assets/fonts/*.ttf
