"""The report of bench/http_load.py: medians over rounds, tables per checkout, and issue 9's aims.

Figures are dicts keyed `<label>` -> `<workload>/<workers>w` (or `engine`) -> figure name -> value.
"""

from __future__ import annotations

import statistics
from typing import Any

Medians = dict[str, dict[str, dict[str, Any]]]


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of every numeric field over the rounds (None when a round has none), plus the round count."""
    medians: dict[str, Any] = {}
    for key in dict.fromkeys(key for run in runs for key in run):
        if key == "error_sample":
            continue
        values = [run[key] for run in runs if isinstance(run.get(key), int | float) and not isinstance(run[key], bool)]
        medians[key] = round(statistics.median(values), 3) if values else None
    medians["rounds"] = len(runs)
    samples = [run["error_sample"] for run in runs if run.get("error_sample")]
    if samples:
        medians["error_sample"] = samples[0]
    return medians


def _cell(value: Any, width: int) -> str:
    if value is None:
        return "-".rjust(width)
    if isinstance(value, float):
        text_ = f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
        return text_.rjust(width)
    return f"{value:,}".rjust(width) if isinstance(value, int) else str(value).rjust(width)


HTTP_COLUMNS = (("ok/s", "ok_per_s", 9), ("p50 ms", "p50_ms", 8), ("p99 ms", "p99_ms", 8), ("errors", "errors", 7))
HTTP_COLUMNS_DETAIL = (("srv ms/req", "server_cpu_ms_per_req", 10), ("wrk cpu", "client_cpu_share", 7))


def http_table(medians: Medians, labels: list[str]) -> list[str]:
    # In the order measured, all of one worker count first.
    measured = [key for label in labels for key in medians.get(label, {}) if "/" in key and not key.startswith("live")]
    keys = sorted(dict.fromkeys(measured), key=lambda key: key.split("/")[1])
    columns = (*HTTP_COLUMNS, *HTTP_COLUMNS_DETAIL)
    header = f"{'workload':<20}" + "".join(f" | {label:<{sum(w + 1 for _, _, w in columns) - 1}}" for label in labels)
    sub = f"{'':<20}" + "".join(" | " + " ".join(name.rjust(w) for name, _, w in columns) for _ in labels)
    if len(labels) == 2:
        header += " | current/ref"
        sub += " | ok/s   p99"
    lines = [header, sub]
    for key in keys:
        row = f"{key:<20}"
        for label in labels:
            figures = medians.get(label, {}).get(key, {})
            row += " | " + " ".join(_cell(figures.get(field_), w) for _, field_, w in columns)
        if len(labels) == 2:
            ref, cur = (medians.get(label, {}).get(key, {}) for label in labels)
            row += (
                " | "
                + _ratio(cur.get("ok_per_s"), ref.get("ok_per_s"))
                + " "
                + _ratio(cur.get("p99_ms"), ref.get("p99_ms"))
            )
        lines.append(row)
    return lines


def _ratio(numerator: float | None, denominator: float | None) -> str:
    if not numerator or not denominator:
        return "-".rjust(6)
    return f"{numerator / denominator:.2f}x".rjust(6)


def engine_lines(medians: Medians, labels: list[str]) -> list[str]:
    engine = medians.get(labels[-1], {}).get("engine")
    if not engine:
        return []
    rate, best, bookers = engine["bookings_per_s"], engine["reference_bookings_per_s"], engine["concurrency"]
    lines = [
        f"engine alone (booking service, {bookers} bookers, this process): {rate:,.1f} bookings/s",
        f"one-statement reference booking (booking_engine.py), {bookers} bookers: {best:,.1f} bookings/s",
    ]
    for label in labels:
        for key, figures in sorted(medians.get(label, {}).items()):
            if key.startswith("book_4/"):
                api = figures["bookings_per_s"]
                lines.append(
                    f"  {label} bookEvent at 4 clients ({key.split('/')[1]}): {api:,.1f}/s = "
                    f"{api / rate:.0%} of the engine, {api / best:.0%} of the reference"
                )
    return lines


LIVE_ROWS = (
    ("simulation without subscribers, s", "sim_s_without"),
    ("simulation with subscribers, s", "sim_s_with"),
    ("slowdown (with / without)", "slowdown"),
    ("server CPU s, simulation without", "server_cpu_s_without"),
    ("server CPU s, simulation with", "server_cpu_s_with"),
    ("server RSS before subscribing, MB", "rss_mb_start"),
    ("server RSS subscribed, MB", "rss_mb_subscribed"),
    ("server RSS after the run, MB", "rss_mb_after"),
    ("server RSS after unsubscribing, MB", "rss_mb_unsubscribed"),
    ("seconds until all on the final state", "settle_s"),
    ("subscribers on the final state", "on_final_state"),
    ("subscribers failed", "failed_subscribers"),
    ("snapshots received", "snapshots_received"),
    ("benchmark's CPU share while simulating", "client_cpu_share"),
)


def live_lines(medians: Medians, labels: list[str]) -> list[str]:
    keys = sorted({key for label in labels for key in medians.get(label, {}) if key.startswith("live/")})
    lines: list[str] = []
    for key in keys:
        first = next(medians[label][key] for label in labels if key in medians.get(label, {}))
        lines.append(f"live ({key.split('/')[1]}): {first['subscribers']} subscribers, {first['bookers']} bookers")
        lines.append(f"  {'':<40}" + "".join(f"{label:>12}" for label in labels))
        for title, field_ in LIVE_ROWS:
            cells = "".join(_cell(medians.get(label, {}).get(key, {}).get(field_), 12) for label in labels)
            lines.append(f"  {title:<40}{cells}")
    return lines


# Issue 9's aims on this machine; "back to baseline" is taken as within BASELINE_SLACK_MB of the RSS before.
BASELINE_SLACK_MB = 30.0


def aims(figures: dict[str, dict[str, Any]], engine_rate: float | None) -> list[tuple[str, str, bool]]:
    """(aim, measured, met) for each of issue 9's aims this run measured, from one checkout's medians."""
    found: list[tuple[str, str, bool]] = []
    book_4, book_300 = figures.get("book_4/1w"), figures.get("book_300/1w")
    if book_4 and engine_rate:
        share = book_4["bookings_per_s"] / engine_rate
        found.append(("bookEvent, 4 clients, 1 worker: >= 60% of the engine alone", f"{share:.0%}", share >= 0.6))
    if book_300 and book_300.get("p99_ms") is not None:
        p99, errors = book_300["p99_ms"], book_300["errors"]
        measured = f"{p99:,.0f} ms, {errors} errors"
        found.append(("bookEvent, 300 clients, 1 worker: p99 < 1 s, no errors", measured, p99 < 1000 and errors == 0))
    for workers, floor in (("1w", 2000), ("2w", 4100)):
        read = figures.get(f"read_event/{workers}")
        if read:
            rate = read["ok_per_s"]
            found.append((f"event(id), 16 clients, {workers}: >= {floor:,} req/s", f"{rate:,.0f}", rate >= floor))
    live = figures.get("live/1w")
    if live:
        size = "" if live["subscribers"] >= 500 and live["bookers"] >= 5000 else " (SMALLER than the issue's 500/5,000)"
        slowdown = live.get("slowdown")
        found.append(
            (f"simulation with subscribers <= 2x without{size}", f"{slowdown}x", bool(slowdown and slowdown <= 2))
        )
        growth = live["rss_mb_growth"]
        found.append(("RSS growth <= 150 MB", f"{growth:+,.0f} MB", growth <= 150))
        left = live.get("rss_mb_unsubscribed")
        back = left is not None and left - live["rss_mb_start"] <= BASELINE_SLACK_MB
        found.append(("RSS back to baseline after they leave", f"{left} MB (from {live['rss_mb_start']})", back))
        final = live.get("on_final_state")
        everyone = final == live["subscribers"]
        found.append(("every subscriber ends on the final state", f"{final}/{live['subscribers']}", everyone))
    return found


def aims_lines(medians: Medians, labels: list[str]) -> list[str]:
    engine = medians.get(labels[-1], {}).get("engine", {}).get("bookings_per_s")
    lines: list[str] = []
    for label in labels:
        checked = aims(medians.get(label, {}), engine)
        if checked:
            lines.append(f"issue 9 aims, {label}:")
            lines += [f"  {'met    ' if met else 'NOT met'}  {aim}: {value}" for aim, value, met in checked]
    return lines
