#!/usr/bin/env bash
# Installs the system packages budgetscreen needs when they are missing (Debian/Ubuntu),
# or says exactly which are missing when it cannot install them.
# Usage: system-deps.sh demo   what the demo (and production) needs to run
#        system-deps.sh test   that, and what the tests and the benchmark need besides
set -euo pipefail
purpose=${1:-test}
missing=()
# The demo: WeasyPrint (Pango, HarfBuzz's subsetter) and gettext for the translations.
ldconfig -p | grep -q 'libpango-1.0.so' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p | grep -q 'libharfbuzz-subset.so' || missing+=(libharfbuzz-subset0)  # WeasyPrint font subsetting
command -v msgfmt >/dev/null || missing+=(gettext)
# Emoji in the PDFs (Fontconfig falls back to it, WeasyPrint embeds the colour glyphs); without it most print as "[?]".
{ fc-list : family 2>/dev/null | grep -q 'Noto Color Emoji'; } || [ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] \
    || missing+=(fonts-noto-color-emoji)
if [ "$purpose" = test ]; then
    command -v chromium >/dev/null || missing+=(chromium)  # browser tests
    command -v pdftotext >/dev/null || missing+=(poppler-utils)  # PDF text tests
    command -v npm >/dev/null || missing+=(npm)  # axe-core for the accessibility tests
    command -v pg_dump >/dev/null || missing+=(postgresql-client)  # manage.py backup, tested
    command -v soffice >/dev/null || missing+=(libreoffice-calc-nogui)  # workbooks re-saved by LibreOffice
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "budgetscreen needs these system packages: ${missing[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
    echo "Install them with your package manager, then run make again." >&2
    exit 1
fi
