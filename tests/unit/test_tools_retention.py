"""Retention of generated outputs: ``clean_outputs``, ``audio-agent clean`` and the toolkit's cleanup."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from audio_tools import output_log
from audio_tools.agents.cli.clean import clean_command
from audio_tools.agents.cli.main import _main as main_callback
from audio_tools.errors import InvalidInputError, PathNotAllowedError
from audio_tools.retention import STALE_PARTIAL_S, CleanReport, clean_outputs, parse_age, parse_size
from audio_tools.tools.base import RETENTION_GRACE_S
from audio_tools.workspace import Workspace

NOW = 1_800_000_000.0
DAY = 86400.0


def put(folder: Path, name: str, age_s: float, size: int = 100, *, ours: bool = True) -> Path:
    """A file of ``age_s`` seconds; ``ours``: recorded as written by the project, as outputs are."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if ours:
        output_log.record(folder, name)
    path.write_bytes(b"x" * size)
    os.utime(path, (NOW - age_s, NOW - age_s))
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


def test_age_removes_only_old_files(workspace: Workspace) -> None:
    old = put(workspace.outputs, "old.wav", 8 * DAY)
    new = put(workspace.outputs, "new.wav", 1 * DAY)
    assert clean_outputs(workspace, older_than_s=7 * DAY, now=NOW).removed == [old]
    assert not old.exists()
    assert new.exists()


def test_size_removes_oldest_first_until_under_the_cap(workspace: Workspace) -> None:
    a = put(workspace.outputs, "a.wav", 30, size=400)
    b = put(workspace.outputs, "b.wav", 20, size=400)
    c = put(workspace.outputs, "c.wav", 10, size=400)
    assert clean_outputs(workspace, max_total_bytes=500, now=NOW).removed == [a, b]
    assert c.exists()


def test_age_and_size_together(workspace: Workspace) -> None:
    old = put(workspace.outputs, "old.wav", 10 * DAY, size=10)
    mid = put(workspace.outputs, "mid.wav", 2 * DAY, size=600)
    new = put(workspace.outputs, "new.wav", 1 * DAY, size=600)
    assert clean_outputs(workspace, older_than_s=7 * DAY, max_total_bytes=1000, now=NOW).removed == [old, mid]
    assert new.exists()


def test_grace_protects_recent_files_from_the_size_cap(workspace: Workspace) -> None:
    put(workspace.outputs, "a.wav", 5, size=1000)
    put(workspace.outputs, "b.wav", 1, size=1000)
    assert clean_outputs(workspace, max_total_bytes=0, grace_s=60, now=NOW).removed == []
    assert clean_outputs(workspace, older_than_s=0, grace_s=60, now=NOW).removed == []


def test_dry_run_removes_nothing(workspace: Workspace) -> None:
    old = put(workspace.outputs, "old.wav", 8 * DAY)
    assert clean_outputs(workspace, older_than_s=DAY, dry_run=True, now=NOW).removed == [old]
    assert old.exists()


def test_partial_writes_are_kept_until_stale(workspace: Workspace) -> None:
    # atomic_output's names for writes in progress of generated names: nobody else writes these
    fresh = put(workspace.outputs, ".speech-20260101-120000-0123abcd.ab12cd34.partial.wav", 60, ours=False)
    stale = put(workspace.outputs, ".music-20260101-120000-4567cdef.cd34ef56.partial.wav", STALE_PARTIAL_S + 60,
                ours=False)
    foreign = put(workspace.outputs, ".notes.ab12cd34.partial.txt", STALE_PARTIAL_S + 60, ours=False)
    report = clean_outputs(workspace, older_than_s=0, now=NOW)
    assert report.removed == [stale] and report.skipped == [foreign]
    assert fresh.exists() and foreign.exists()


def test_links_folders_and_files_elsewhere_are_never_touched(workspace: Workspace, tmp_path: Path) -> None:
    outside = put(tmp_path.parent / f"{tmp_path.name}-outside", "keep.wav", 30 * DAY)
    (workspace.outputs / "sub").mkdir(parents=True)
    nested = put(workspace.outputs / "sub", "nested.wav", 30 * DAY)
    link = workspace.outputs / "link.wav"
    link.symlink_to(outside)
    output_log.record(workspace.outputs, "link.wav")
    output_log.record(workspace.outputs, "sub")
    top = put(workspace.root, "mine.wav", 30 * DAY)
    report = clean_outputs(workspace, older_than_s=0, max_total_bytes=0, now=NOW)
    assert report.removed == [] and report.skipped == [link, workspace.outputs / "sub"]
    assert outside.exists() and nested.exists() and link.is_symlink() and top.exists()


def test_outputs_link_pointing_outside_is_refused(
    workspace: Workspace, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    put(elsewhere, "victim.wav", 30 * DAY)
    workspace.outputs.symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(PathNotAllowedError, match="link"):
        clean_outputs(workspace, older_than_s=0, now=NOW)
    assert (elsewhere / "victim.wav").exists()


def test_no_outputs_folder_and_no_rule_do_nothing(workspace: Workspace) -> None:
    assert clean_outputs(workspace, older_than_s=0).removed == []
    put(workspace.outputs, "a.wav", 30 * DAY)
    assert clean_outputs(workspace).removed == []


def test_negative_values_are_refused(workspace: Workspace) -> None:
    with pytest.raises(InvalidInputError, match="must not be negative"):
        clean_outputs(workspace, older_than_s=-1)


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("30m", 1800), ("12h", 43200), ("7d", 7 * DAY),
                                               ("2w", 14 * DAY), ("1.5h", 5400), ("0", 0), (" 7D ", 7 * DAY)])
def test_parse_age(text: str, seconds: float) -> None:
    assert parse_age(text) == seconds


@pytest.mark.parametrize("text", ["", "7", "7x", "d", "-1d", "7 days"])
def test_parse_age_refuses_nonsense(text: str) -> None:
    with pytest.raises(InvalidInputError, match="30m, 12h, 7d"):
        parse_age(text)


@pytest.mark.parametrize(("text", "size"), [("500MB", 500_000_000), ("2GB", 2_000_000_000), ("1024", 1024),
                                            ("750MiB", 750 * 1024**2), ("1.5kb", 1500), ("10 B", 10)])
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "MB", "5XB", "-5MB"])
def test_parse_size_refuses_nonsense(text: str) -> None:
    with pytest.raises(InvalidInputError, match="500MB"):
        parse_size(text)


def cli() -> typer.Typer:
    """The real ``audio-agent`` callback (``--workspace``) with the clean command, as the lead registers it."""
    app = typer.Typer()
    app.callback()(main_callback)
    app.command("clean")(clean_command)
    return app


def test_cli_clean_older_than(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs"
    now = time.time()
    old, new = put(outputs, "old.wav", 0), put(outputs, "new.wav", 0)
    os.utime(old, (now - 8 * DAY, now - 8 * DAY))
    result = CliRunner().invoke(cli(), ["--workspace", str(tmp_path), "clean", "--older-than", "7d", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["removed"] == [str(old)] and not data["dry_run"]
    assert not old.exists() and new.exists()


def test_cli_clean_defaults_to_the_retention_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIO_TOOLS_RETENTION_DAYS", "1")
    old = put(tmp_path / "outputs", "old.wav", 0)
    os.utime(old, (time.time() - 2 * DAY,) * 2)
    result = CliRunner().invoke(cli(), ["--workspace", str(tmp_path), "clean", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would remove 1 file(s)" in result.stdout and "old.wav" in result.stdout
    assert old.exists()
    result = CliRunner().invoke(cli(), ["--workspace", str(tmp_path), "clean", "--max-size", "0"])
    assert "Removed 1 file(s)" in result.stdout and not old.exists()


def test_toolkit_cleans_after_each_write(tmp_path: Path) -> None:
    from audio_tools.tools import AudioToolkit

    outputs = tmp_path / "outputs"
    now = time.time()
    stale = put(outputs, "stale.wav", 0)
    os.utime(stale, (now - 3 * DAY,) * 2)
    big = put(outputs, "big.wav", 0, size=1_000_000)
    os.utime(big, (now - RETENTION_GRACE_S - 60,) * 2)
    toolkit = AudioToolkit(root=tmp_path, tts="flite", retention_days=2, max_output_bytes=200_000,
                           include=("text_to_speech",))
    (tts,) = toolkit.get_tools()
    message = tts.invoke({"name": tts.name, "args": {"text": "Keep it short."}, "id": "1", "type": "tool_call"})
    made = Path(message.artifact["path"])
    assert made.exists()
    assert not stale.exists()  # by age
    assert not big.exists()  # by size


def test_cleaning_creates_no_outputs_folder(workspace: Workspace) -> None:
    assert clean_outputs(workspace, older_than_s=0) == CleanReport([], [])
    assert not workspace.outputs.exists()
