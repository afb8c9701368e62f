"""The README's benchmark table: ``benchmarks/results/latest.json`` as Markdown, between two markers.

Usage: ``.venv/bin/python benchmarks/readme_table.py [--results FILE] [--readme FILE] [--check]``

Rewrites the lines between :data:`BEGIN` and :data:`END` in README.md with the table made from
the results (figure, value, machine and its load during the section); ``--check`` changes
nothing and exits 1 when the README's block is not the table of the results. ``make bench``
runs it after ``benchmarks/run_all.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
README = ROOT / "README.md"
BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"


def render(result: dict[str, Any]) -> str:
    """The Markdown of ``result`` (one run of ``benchmarks/run_all.py``): a heading line and the table."""
    machine = result["machine_before"]
    commit = f"`{result['commit']}`" + (" with uncommitted changes" if result["dirty"] else "")
    gpus = ", ".join(machine.get("gpus") or []) or "no GPU"
    lines = [
        f"Measured by `make bench` on {result['date_utc'][:10]} at commit {commit} in "
        f"{result['wall_s'] / 60:.1f} min on {machine['cores']} cores ({machine['cpu']}), {machine['ram_total_gb']} GB "
        f"RAM, {gpus}; load is the 1-minute load average before→after each section (above {machine['cores']} the "
        f"machine was shared and wall times are slower). Figures with their commands: "
        f"`benchmarks/results/latest.json`.",
        "",
        "| figure | value | machine |",
        "|---|---|---|",
    ]
    for figure in result["figures"]:
        value = f"{figure['value']:g} {figure['unit']}" if figure["value"] is not None else figure["note"]
        lines.append(f"| {_cell(figure['figure'])} | {_cell(value)} | {machine['cores']} cores, load "
                     f"{figure['load']} |")
    for name, section in result["sections"].items():
        if section["status"] == "failed":
            lines.append(f"| section `{name}` | failed: {_cell(section['error'].splitlines()[0][:200])} | "
                         f"{machine['cores']} cores |")
    return "\n".join(lines)


def block(readme: str) -> str:
    """What lies between the markers of ``readme``, without the line breaks next to them."""
    start, end = _bounds(readme)
    return readme[start:end].strip("\n")


def with_table(readme: str, table: str) -> str:
    """``readme`` with ``table`` between its markers (each marker then on its own line)."""
    start, end = _bounds(readme)
    return f"{readme[:start]}\n{table}\n{readme[end:]}"


def _bounds(readme: str) -> tuple[int, int]:
    """Where the block starts (after :data:`BEGIN`) and ends (at :data:`END`).

    Raises:
        ValueError: a marker is missing or they are out of order.
    """
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        msg = f"the README has no {BEGIN} ... {END} block"
        raise ValueError(msg)
    return start + len(BEGIN), end


def _cell(text: str | None) -> str:
    """``text`` as one Markdown table cell: on one line, its pipes escaped, no marker of the block inside."""
    cell = " ".join(str(text or "").split()).replace("\\", "\\\\").replace("|", "\\|")
    if BEGIN in cell or END in cell:
        msg = f"a figure's text holds a marker of the README block: {cell}"
        raise ValueError(msg)
    return cell


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--readme", type=Path, default=README)
    parser.add_argument("--check", action="store_true", help="exit 1 when the README's table is not the results'")
    args = parser.parse_args()
    table = render(json.loads(args.results.read_text()))
    readme = args.readme.read_text()
    if args.check:
        if block(readme) != table:
            sys.exit(f"{args.readme}: its benchmark table is not that of {args.results}; run readme_table.py")
        return
    args.readme.write_text(with_table(readme, table))


if __name__ == "__main__":
    main()
