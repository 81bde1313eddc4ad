#!/usr/bin/env bash
# Installs everything the tests need on a fresh machine, then runs the whole suite.
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

exec python3 -m pytest "$@"
