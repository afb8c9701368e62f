"""One import package: the layers install as ``audio_tools.rag`` and ``audio_tools.agents`` only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_outside(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter whose working directory is outside the repository."""
    return subprocess.run([sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, check=False)


def test_the_layers_import_under_audio_tools(tmp_path: Path) -> None:
    done = run_outside(tmp_path, "import audio_tools.rag, audio_tools.agents, audio_tools.agents.cli.main; "
                                 "print(audio_tools.rag.__file__); print(audio_tools.agents.__file__)")
    assert done.returncode == 0, done.stderr
    for line in done.stdout.split():
        assert Path(line).resolve().is_relative_to(REPO / "audio_tools")


@pytest.mark.parametrize("name", ["agents", "rag"])
def test_no_top_level_agents_or_rag_from_this_project(tmp_path: Path, name: str) -> None:
    done = run_outside(tmp_path, f"import importlib.util as u; s = u.find_spec({name!r}); "
                                 f"print(s.origin if s else 'none')")
    assert done.returncode == 0, done.stderr
    found = done.stdout.strip()
    # Another installed project may own the name; this one must not provide it.
    assert found == "none" or not Path(found).resolve().is_relative_to(REPO), found


def test_the_repository_folders_are_links_to_the_layers() -> None:
    for name in ("agents", "rag"):
        folder = REPO / name
        assert folder.is_symlink() and folder.resolve() == (REPO / "audio_tools" / name).resolve()
