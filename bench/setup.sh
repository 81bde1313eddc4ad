#!/usr/bin/env bash
# What the benchmarks need beyond the project's own dependencies: wrk (Debian's package, for http_load.py)
# and py-spy (from PyPI, for profile_server.py), into the interpreter given as $1 (default: python3).
#   bash bench/setup.sh .venv/bin/python
set -euo pipefail
python="${1:-python3}"
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); else apt_get=(sudo -n apt-get); fi
  "${apt_get[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq --no-install-recommends wrk
fi
"$python" -m pip install --quiet py-spy
echo "wrk: $(command -v wrk)"
"$python" -m pip show py-spy | grep -i '^version'
