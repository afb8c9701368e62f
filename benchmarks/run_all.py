"""``make bench``: every speed, memory and quality figure of the project in one run, with the machine's load.

Usage::

    .venv/bin/python benchmarks/run_all.py [--sections startup cold ...|all] [--quick] [--out DIR]

Runs the sections of :mod:`bench_sections` in order (by default all of them; the first run on a
machine also fills ``search_100k``'s store, 100k chunks and their passages, ~10 min on two cores,
which is kept in ``benchmarks/.cache`` and reused, its fill time recorded), each in child processes,
with the machine (:func:`machine.machine`: cores, load averages, free RAM) read before and
after each section and the whole run. Prints a table of the figures, then writes one JSON
object (date, git commit, machine, each section's status, wall time, commands, raw output and
figures, each figure with its unit and command) to ``DIR/<UTC date>-<short commit>.json`` and
``DIR/latest.json`` (a run of some sections only to ``DIR/<date>-<commit>-partial.json``: the
README's table stays that of a whole run) (``DIR``: ``benchmarks/results``; with ``--quick``, tiny sizes for a test,
``benchmarks/.cache/results-quick``). A section that fails is recorded with its error and the
run exits 1 after the others ran. The figures are ratios where one run measures both sides: on
a shared machine the load slows both alike. ``benchmarks/readme_table.py`` puts ``latest.json``
into README.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench_sections import RATIOS, ROOT, SECTIONS, Outcome
from machine import load_note, machine

RESULTS = ROOT / "benchmarks" / "results"
QUICK_RESULTS = ROOT / "benchmarks" / ".cache" / "results-quick"


def run_section(name: str, quick: bool) -> dict[str, Any]:
    """Run one section; its status, wall time, machine before/after, commands, raw output and figures."""
    print(f"[bench] {name}: {SECTIONS[name].about} ...", file=sys.stderr, flush=True)
    before = machine()
    started = time.perf_counter()
    error = None
    try:
        outcome = SECTIONS[name].measure(quick)
    except Exception as e:  # a failed benchmark, or output not as expected: recorded, and the next section runs
        outcome, error = Outcome(), f"{type(e).__name__}: {e}"
    wall = time.perf_counter() - started
    after = machine()
    status = "failed" if error else outcome.status
    print(f"[bench] {name}: {status} in {wall:.0f} s", file=sys.stderr, flush=True)
    return {"status": status, "error": error, "wall_s": round(wall, 1), "machine_before": before,
            "machine_after": after, "machine_note": load_note(before, after), "commands": outcome.commands,
            "raw": outcome.raw,
            "figures": [{**asdict(f), "load": _load(before, after)} for f in outcome.figures]}


def ratios(figures: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The :data:`bench_sections.RATIOS` whose two figures were both measured in this run."""
    out = []
    for key, label, top, bottom in RATIOS:
        a, b = figures.get(top), figures.get(bottom)
        if a and b and a["value"] and b["value"]:
            out.append({"id": key, "figure": label, "value": round(a["value"] / b["value"], 2), "unit": "x",
                        "command": f"{a['id']} / {b['id']}", "note": "", "load": f"{a['load']}; {b['load']}"})
    return out


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def print_table(result: dict[str, Any]) -> None:
    """The figures, one per line, then each section's status and wall time."""
    print(f"\nmake bench — {result['date_utc']}, commit {result['commit']}{' (dirty)' if result['dirty'] else ''}, "
          f"{result['machine_note']}")
    rows = [(f["figure"], _value(f), f["load"]) for f in result["figures"]]
    width = max((len(r[0]) for r in rows), default=10)
    print(f"{'figure':<{width}}  {'value':>22}  load before→after")
    for figure, value, load in rows:
        print(f"{figure:<{width}}  {value:>22}  {load}")
    print()
    for name, section in result["sections"].items():
        error = f": {section['error'][:300]}" if section["error"] else ""
        print(f"  {name:<20} {section['status']:<14} {section['wall_s']:>7g} s{error}")
    print(f"  {'total':<20} {'':<14} {result['wall_s']:>7g} s")


def _value(figure: dict[str, Any]) -> str:
    return "not available here" if figure["value"] is None else f"{figure['value']:g} {figure['unit']}"


def _load(before: dict[str, Any], after: dict[str, Any]) -> str:
    return f"{before['load_average'][0]:g}→{after['load_average'][0]:g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", nargs="+", default=list(SECTIONS), choices=[*SECTIONS, "all"],
                        help=f"sections in order (default: all): {', '.join(SECTIONS)}")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to test the suite (figures not to publish)")
    parser.add_argument("--out", type=Path, default=None, help=f"results folder (default {RESULTS.relative_to(ROOT)})")
    args = parser.parse_args()
    names = list(SECTIONS) if "all" in args.sections else list(dict.fromkeys(args.sections))
    out_dir = args.out or (QUICK_RESULTS if args.quick else RESULTS)

    date = datetime.now(timezone.utc)
    commit, dirty = git("rev-parse", "--short", "HEAD"), bool(git("status", "--porcelain", "--untracked-files=no"))
    before = machine()
    started = time.perf_counter()
    sections = {name: run_section(name, args.quick) for name in names}
    wall = time.perf_counter() - started
    after = machine()
    figures = [f for section in sections.values() for f in section["figures"]]
    figures += ratios({f["id"]: f for f in figures})
    result = {
        "suite": "benchmarks/run_all.py", "command": " ".join(["python", "benchmarks/run_all.py", *sys.argv[1:]]),
        "quick": args.quick, "date_utc": date.strftime("%Y-%m-%dT%H:%M:%SZ"), "commit": commit,
        "dirty": dirty, "wall_s": round(wall, 1),
        "machine_before": before, "machine_after": after, "machine_note": load_note(before, after),
        "failed": [name for name, s in sections.items() if s["status"] == "failed"],
        "sections": sections, "figures": figures,
    }
    print_table(result)
    out_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=1) + "\n"
    # Only a whole run is published: a run of some sections must not replace latest.json (the README's table).
    whole = names == list(SECTIONS)
    paths = [out_dir / f"{date:%Y-%m-%d}-{commit}.json", out_dir / "latest.json"] if whole else \
        [out_dir / f"{date:%Y-%m-%d}-{commit}-partial.json"]
    for path in paths:
        path.write_text(text)
    print(f"\nwrote {', '.join(str(p) for p in paths)}", file=sys.stderr)
    if result["failed"]:
        sys.exit(f"failed sections: {', '.join(result['failed'])}")


if __name__ == "__main__":
    main()
