"""README.md's benchmark block is the table benchmarks/readme_table.py makes from the committed latest.json."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
LATEST = ROOT / "benchmarks" / "results" / "latest.json"
README = ROOT / "README.md"


@pytest.fixture(scope="module")
def readme_table() -> ModuleType:
    spec = importlib.util.spec_from_file_location("readme_table", ROOT / "benchmarks" / "readme_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_block_is_the_table_of_the_committed_results(readme_table: ModuleType) -> None:
    table = readme_table.render(json.loads(LATEST.read_text()))
    assert readme_table.block(README.read_text()) == table


def test_the_committed_results_are_a_whole_clean_run_of_every_section(readme_table: ModuleType) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from bench_sections import SECTIONS
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    results = json.loads(LATEST.read_text())
    assert list(results["sections"]) == list(SECTIONS)
    assert (results["quick"], results["dirty"], results["failed"]) == (False, False, [])


def test_a_changed_figure_makes_the_check_fail(readme_table: ModuleType, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    results = json.loads(LATEST.read_text())
    changed = copy.deepcopy(results)
    measured = next(f for f in changed["figures"] if f["value"] is not None)
    measured["value"] = measured["value"] * 2 + 1
    (tmp_path / "changed.json").write_text(json.dumps(changed))
    assert readme_table.block(README.read_text()) != readme_table.render(changed)
    monkeypatch.setattr(sys, "argv", ["readme_table.py", "--results", str(tmp_path / "changed.json"),
                                      "--readme", str(README), "--check"])
    with pytest.raises(SystemExit, match="is not that of"):
        readme_table.main()


def test_writing_replaces_only_the_block(readme_table: ModuleType) -> None:
    readme = "# Title\n\ntext\n<!-- bench:begin -->\nold | table\n<!-- bench:end -->\n\n## Next\n"
    written = readme_table.with_table(readme, "| new |")
    assert written == "# Title\n\ntext\n<!-- bench:begin -->\n| new |\n<!-- bench:end -->\n\n## Next\n"
    assert readme_table.block(written) == "| new |"
    assert readme_table.with_table(written, "| new |") == written
    with pytest.raises(ValueError, match="no <!-- bench:begin -->"):
        readme_table.block("# no markers\n")


def test_odd_figure_texts_stay_one_row_of_three_cells(readme_table: ModuleType) -> None:
    results = json.loads(LATEST.read_text())
    odd = copy.deepcopy(results)
    odd["figures"] = [{**results["figures"][0], "figure": "a|b\\|c\r\nd"},
                      {**results["figures"][0], "value": None, "note": None}]
    rows = [line for line in readme_table.render(odd).splitlines() if line.startswith("| ")][1:]
    assert len(rows) == 2
    for row in rows:  # cells are split by pipes that no backslash escapes
        assert len(re.split(r"(?<!\\)(?:\\\\)*\|", row.strip("| ").replace("\\\\", ""))) == 3
    marker = copy.deepcopy(results)
    marker["figures"][0]["figure"] = f"x {readme_table.END}"
    with pytest.raises(ValueError, match="marker"):
        readme_table.render(marker)
