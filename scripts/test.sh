#!/usr/bin/env bash
# Installs everything the tests need on a fresh machine, runs the static checks, then the whole suite.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh tests/booking -x`).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet -e '.[dev]'

# The browser tests drive Debian's Chromium through Playwright (Playwright's own browser download is not used).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); else apt_get=(sudo -n apt-get); fi
  "${apt_get[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq --no-install-recommends chromium fonts-liberation
fi

# Static checks before the suite, each failing the run (configured in pyproject.toml): lint, formatting,
# the import layers (import-linter's contracts), and types (mypy, strict on boxoffice/ and tests/support/).
python3 -m ruff check .
python3 -m ruff format --check .
# lint-imports, through the interpreter that just installed it (its script may not be on PATH).
python3 -c 'from importlinter.cli import lint_imports_command; lint_imports_command()' --no-logo
python3 -m mypy
# Types are fixed, not silenced: no `type: ignore` in what mypy checks.
if grep -rn --include='*.py' 'type: *ignore' boxoffice tests/support; then
  echo 'error: the `type: ignore` comments above silence mypy; fix the types instead' >&2
  exit 1
fi

exec python3 -m pytest "$@"
