"""``make bench``'s runner (benchmarks/run_all.py): a quick section writes valid JSON; a failed one is recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_ALL = ROOT / "benchmarks" / "run_all.py"


def _results(folder: Path) -> dict[str, Any]:
    """The results of a run of some sections: a ``-partial`` file, and no ``latest.json`` (the published one)."""
    files = sorted(folder.glob("*.json"))
    assert len(files) == 1 and files[0].name.endswith("-partial.json")
    return json.loads(files[0].read_text())


def test_a_quick_startup_run_writes_its_figures_with_units_and_commands(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    done = subprocess.run([sys.executable, str(RUN_ALL), "--quick", "--sections", "startup", "--out", str(tmp_path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    result = _results(tmp_path)
    assert result["quick"] is True and result["failed"] == []
    assert len(result["commit"]) >= 7 and result["date_utc"].endswith("Z")
    assert result["machine_before"]["cores"] >= 1 and "load_average" in result["machine_after"]
    section = result["sections"]["startup"]
    assert section["status"] == "ok" and section["commands"] == ["python benchmarks/startup.py --runs 1"]
    assert {f["id"] for f in result["figures"]} == {"startup.import", "startup.help"}
    for figure in result["figures"]:
        assert figure["value"] > 0 and figure["unit"] == "s" and figure["command"] == section["commands"][0]
    assert "`audio-agent --help` (median)" in done.stdout


def test_a_failing_section_is_recorded_and_the_run_exits_non_zero(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import bench_sections
    import run_all

    def broken(quick: bool) -> bench_sections.Outcome:
        raise bench_sections.SectionError("python benchmarks/broken.py exited 1: no such thing")

    monkeypatch.setitem(bench_sections.SECTIONS, "broken", bench_sections.Section("broken", broken))
    monkeypatch.setattr(sys, "argv", ["run_all.py", "--sections", "broken", "--out", str(tmp_path)])
    with pytest.raises(SystemExit, match="failed sections: broken"):
        run_all.main()
    result = _results(tmp_path)
    assert result["failed"] == ["broken"]
    assert result["sections"]["broken"]["status"] == "failed"
    assert "no such thing" in result["sections"]["broken"]["error"]


@pytest.mark.slow
def test_the_search_fill_writes_passages_and_searches_cite_from_them(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import meeting_search

    from audio_tools.rag.embeddings import OfflineMiniLMEmbeddings

    monkeypatch.setattr(meeting_search, "CACHE", tmp_path)
    store, fill = meeting_search.filled_store(300, 5, OfflineMiniLMEmbeddings(), refill=False, log=lambda _: None)
    try:
        assert fill["chunks"] == 300 and fill["passages"] > 300 and not fill["reused"]
        assert meeting_search.counts(store) == (300, fill["passages"])
        sources = [meeting_search.recording_name(i) for i in range(fill["recordings"])]
        latency = meeting_search.measure_search(store, sources, repeats=1, warmup=0, seed=5)
    finally:
        store.close()
    assert set(latency) == {"no filter", "source", "speaker", "source+speaker"}
    for figures in latency.values():
        assert figures["transcript_citations"] == 0 and figures["n"] == 63
        assert set(figures["steps_ms"]) == set(meeting_search.STEPS)
    assert latency["no filter"]["steps_ms"]["passages"]["p50"] > 0
    reused = meeting_search.filled_store(300, 5, None, refill=False, log=lambda _: None)
    reused[0].close()
    assert reused[1]["reused"] is True
