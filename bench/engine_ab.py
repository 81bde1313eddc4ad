"""Before/after for the booking engine: `booking_engine.py` of two checkouts, alternately, medians side by side.

Each run is the checkout's own script with its own interpreter (`<checkout>/.venv/bin/python`), so each measures
its own service against its own one-statement reference on a fresh embedded PostgreSQL; runs alternate (ref first
in odd rounds, current first in even ones) so that a shared machine's noise falls on both alike. The last line
is JSON.

    .venv/bin/python bench/engine_ab.py --ref /path/to/old/checkout [--rounds 3] [-- --bookers 2000 --concurrency 4]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]
FIELDS = ("service_bookings_per_s", "reference_bookings_per_s", "ratio")


def _run(checkout: Path, args: list[str]) -> dict[str, Any]:
    python = checkout / ".venv" / "bin" / "python"
    done = subprocess.run(
        [str(python if python.exists() else sys.executable), str(checkout / "bench" / "booking_engine.py"), *args],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: booking_engine.py failed:\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _commit(checkout: Path) -> str:
    done = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", type=Path, required=True, help="the checkout to compare with (with its .venv)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("engine_args", nargs="*", help="passed to booking_engine.py (after --)")
    args = parser.parse_args()
    checkouts = {"ref": args.ref.resolve(), "current": HERE}
    runs: dict[str, list[dict[str, Any]]] = {"ref": [], "current": []}
    for round_number in range(args.rounds):
        order = ["ref", "current"] if round_number % 2 == 0 else ["current", "ref"]
        for name in order:
            result = _run(checkouts[name], args.engine_args)
            runs[name].append(result)
            print(f"round {round_number + 1} {name:>7}: " + "  ".join(f"{f}={result[f]}" for f in FIELDS), flush=True)
    medians = {
        name: {f: round(statistics.median(r[f] for r in results), 3) for f in FIELDS} for name, results in runs.items()
    }
    print(f"\nmedians of {args.rounds} round(s); ref = {_commit(checkouts['ref'])}, current = {_commit(HERE)}")
    print(f"{'':>26} {'ref':>10} {'current':>10}")
    for field in FIELDS:
        print(f"{field:>26} {medians['ref'][field]:>10} {medians['current'][field]:>10}")
    invariants = all(r.get("invariants_ok", False) for results in runs.values() for r in results)
    print(json.dumps({"rounds": args.rounds, "invariants_ok": invariants, **medians}))


if __name__ == "__main__":
    main()
