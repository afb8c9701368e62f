"""``import audio_tools`` and ``audio-agent --help`` stay light: no torch, transformers, chromadb,
langchain or openai in ``sys.modules`` afterwards. Each check runs in a fresh interpreter.

How long they take is measured by ``benchmarks/startup.py``, not here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HEAVY = ("torch", "transformers", "chromadb", "langchain", "langchain_core", "langchain_openai",
         "langchain_chroma", "openai")
CORE_MODULES = ("audio_tools.config", "audio_tools.errors", "audio_tools.paths", "audio_tools.workspace",
                "audio_tools.ffmpeg", "audio_tools.audio", "audio_tools.registry", "audio_tools.transcript")
REPO = Path(__file__).resolve().parents[2]


def _modules_after(code: str) -> list[str]:
    script = textwrap.dedent(code) + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=REPO, check=False
    )
    assert done.returncode == 0, done.stderr
    modules: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return modules


def _heavy_in(modules: list[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def test_import_audio_tools_is_light() -> None:
    modules = _modules_after("import audio_tools\nassert audio_tools.__version__")
    assert "audio_tools" in modules
    assert _heavy_in(modules) == []


def test_core_modules_are_light() -> None:
    modules = _modules_after("\n".join(f"import {name}" for name in CORE_MODULES))
    assert set(CORE_MODULES) <= set(modules)
    assert _heavy_in(modules) == []


def test_lazy_names_resolve() -> None:
    import audio_tools

    for name in audio_tools.__all__:
        assert getattr(audio_tools, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = audio_tools.nope  # type: ignore[attr-defined]


def test_cli_help_is_light() -> None:
    modules = _modules_after(
        """
        from typer.testing import CliRunner
        from audio_tools.agents.cli.main import app
        result = CliRunner().invoke(app, ["--help"])
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output
        """
    )
    assert "audio_tools.agents.cli.main" in modules
    assert _heavy_in(modules) == []


def test_every_command_help_is_light() -> None:
    """Each registered command's ``--help`` too: command modules import heavy code lazily."""
    modules = _modules_after(
        """
        import typer.main
        from typer.testing import CliRunner
        from audio_tools.agents.cli.main import app
        runner = CliRunner()
        names = sorted(typer.main.get_command(app).commands)
        assert {"probe", "convert"} <= set(names), names
        for name in names:
            result = runner.invoke(app, [name, "--help"])
            assert result.exit_code == 0, (name, result.output)
        """
    )
    assert _heavy_in(modules) == []


def test_speaker_labels_import_light_and_below_the_layers() -> None:
    """``audio_tools.speakers`` loads torch only when it labels, and never the rag or agents layers."""
    modules = _modules_after(
        """
        import audio_tools.speakers as s
        assert callable(s.label_speakers)
        assert callable(s.diarize)
        """
    )
    assert {"audio_tools.speakers.turns", "audio_tools.speakers.labeller"} <= set(modules)
    assert _heavy_in(modules) == []
    assert [m for m in modules if m.startswith(("audio_tools.rag", "audio_tools.agents"))] == []
