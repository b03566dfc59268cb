#!/usr/bin/env bash
# Extract the interface's texts, update the catalogues, compile them. Run after changing texts.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
"$py" -m babel.messages.frontend extract -F babel.cfg -k _l -k N_ -k msg --no-location --sort-output \
  -o commission/translations/messages.pot . >/dev/null
for locale in fr en; do
  po=commission/translations/$locale/LC_MESSAGES/messages.po
  if [ -f "$po" ]; then
    "$py" -m babel.messages.frontend update -i commission/translations/messages.pot -d commission/translations \
      -l "$locale" --no-fuzzy-matching --ignore-obsolete >/dev/null
  else
    "$py" -m babel.messages.frontend init -i commission/translations/messages.pot -d commission/translations \
      -l "$locale" >/dev/null
  fi
done
# A new catalogue's header is marked fuzzy; the catalogues are reviewed by hand, so clear it.
"$py" - <<'PY'
from babel.messages.pofile import read_po, write_po
for locale in ("fr", "en"):
    path = f"commission/translations/{locale}/LC_MESSAGES/messages.po"
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale=locale)
    catalog.fuzzy = False
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)
PY
"$py" -m babel.messages.frontend compile -d commission/translations --statistics
