#!/usr/bin/env bash
# Refreshes the Thai catalogues: one per app (its own locale/), one for the project (locale/).
set -euo pipefail
python=${1:-python}
# Each app is run from its own folder, so a relative interpreter path is made absolute.
case "$python" in */*) python="$(cd "$(dirname "$python")" && pwd)/$(basename "$python")" ;; esac
export DJANGO_SETTINGS_MODULE=budgetscreen.settings.dev
root=$(pwd)
for app in core directory proposals screening committee plans execution; do
    mkdir -p "$app/locale"
    (cd "$app" && "$python" "$root/manage.py" makemessages -l th --no-location --no-obsolete -v 0)
done
"$python" manage.py makemessages -l th --no-location --no-obsolete -v 0 \
    --ignore='.venv/*' --ignore='core/*' --ignore='directory/*' --ignore='proposals/*' \
    --ignore='screening/*' --ignore='committee/*' --ignore='plans/*' --ignore='execution/*' --ignore='tests/*' \
    --ignore='var/*' --ignore='fixtures/*'
"$python" manage.py makemessages -d djangojs -l th --no-location --no-obsolete -v 0 \
    --ignore='.venv/*' --ignore='var/*' --ignore='node_modules/*'
