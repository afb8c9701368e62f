"""Hardening finding 1: retention and ``clean`` must delete only files this project wrote.

A user's own files in ``outputs/`` (a common folder name) were removed once older than the
retention age, with default settings and no attacker at all.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from typer.testing import CliRunner

from audio_tools.retention import clean_outputs
from audio_tools.workspace import Workspace

DAY = 86400.0
USER_FILES = ("thesis_final.docx", "results.csv", "best_model.pt", "speech-20250101-120000-0badf00d.wav")


def plant_user_files(outputs: Path, age_s: float) -> list[Path]:
    outputs.mkdir(parents=True, exist_ok=True)
    planted = []
    for name in USER_FILES:
        path = outputs / name
        path.write_bytes(b"precious " * 100)
        then = time.time() - age_s
        os.utime(path, (then, then))
        planted.append(path)
    return planted


def test_clean_outputs_keeps_files_it_did_not_write(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    planted = plant_user_files(workspace.outputs, 30 * DAY)
    report = clean_outputs(workspace, older_than_s=0, max_total_bytes=0)
    assert all(p.exists() for p in planted)
    assert sorted(report.skipped) == sorted(planted)


def test_a_tool_write_keeps_the_users_files(tmp_path: Path) -> None:
    from audio_tools.tools import AudioToolkit

    planted = plant_user_files(tmp_path / "outputs", 30 * DAY)
    (tts,) = AudioToolkit(root=tmp_path, tts="flite", retention_days=1, max_output_bytes=1,
                          include=("text_to_speech",)).get_tools()
    made = Path(tts.invoke({"name": tts.name, "args": {"text": "Keep my files."}, "id": "1",
                            "type": "tool_call"}).artifact["path"])
    assert all(p.exists() for p in planted)
    report = clean_outputs(Workspace(tmp_path), older_than_s=0)  # what the tool wrote is still removable
    assert report.removed == [made] and not made.exists()
    assert all(p.exists() for p in planted)


def test_cli_clean_keeps_the_users_files(tmp_path: Path) -> None:
    from audio_tools.agents.cli.main import app

    planted = plant_user_files(tmp_path / "outputs", 30 * DAY)
    result = CliRunner().invoke(app, ["--workspace", str(tmp_path), "clean", "--older-than", "1d"])
    assert result.exit_code == 0, result.output
    assert all(p.exists() for p in planted)
    assert "Skipped 4 item(s) not written by audio-agent" in result.stdout
