#!/usr/bin/env bash
# Compiles every .po file into the .mo Django reads (the .mo files are build output, not in git).
set -euo pipefail
python=${1:-python}
DJANGO_SETTINGS_MODULE=budgetscreen.settings.dev "$python" manage.py compilemessages --ignore=.venv -v 0
