"""The notebooks in ``notebooks/`` run from top to bottom offline, and are committed without outputs.

Each is executed by ``nbclient`` in a kernel of this very Python (a kernel spec written for
``sys.executable``, found first through ``JUPYTER_PATH``), in the notebooks folder, with this
code first on ``PYTHONPATH`` so that the kernel and the processes it starts import it (a first
cell, added here, checks both).

Once run, each notebook must have shown what it promises (an audio player with WAV audio in
it; a plot in 03), and written nothing into the repository: ``git status --porcelain
--untracked-files=all --ignored`` is the same before and after (ignored paths included, since
``outputs/`` and ``.audio_store/`` are ignored and are what a notebook would wrongly leave
there). Python's bytecode caches (``__pycache__``, also ignored) would otherwise appear, as the
kernel imports this code and ``standin_llm`` from the repository: the kernel runs with
``PYTHONDONTWRITEBYTECODE=1``, and notebook 04 passes it on to the MCP server it starts. A
process writing into the repository while these tests run (another test, a linter's cache)
would fail them too.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from ipykernel.kernelspec import write_kernel_spec
from nbclient import NotebookClient

import audio_tools

SOURCE_ROOT = Path(audio_tools.__file__).resolve().parents[1]
NOTEBOOKS = SOURCE_ROOT / "notebooks"
NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
CELL_TIMEOUT_S = 300
# what each notebook must have displayed once run: an IPython Audio player of WAV audio in each (its type,
# guessed from the file name by ``mimetypes``, is audio/wav or audio/x-wav), a plot in 03
WAV_PLAYER = re.compile(r'<audio[^>]*>\s*<source src="data:audio/(x-)?wav;base64,[A-Za-z0-9+/=]{1000,}"')
MUST_SHOW = {"03_story_with_music": ["image/png"]}


def test_there_are_four_notebooks() -> None:
    assert [path.name for path in NOTEBOOK_PATHS] == [
        "01_audio_tools_quickstart.ipynb",
        "02_meeting_qa.ipynb",
        "03_story_with_music.ipynb",
        "04_embed_in_your_agent.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda path: path.stem)
def test_committed_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: clear the outputs"


@pytest.fixture
def kernel_of_this_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The name of a kernel spec that runs ``sys.executable``, ahead of any user's ``python3`` spec."""
    write_kernel_spec(tmp_path / "kernels" / "this-python")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    pythonpath = os.pathsep.join(p for p in (str(SOURCE_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    monkeypatch.setenv("PYTHONPATH", pythonpath)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")  # no __pycache__ in the repository (see above)
    return "this-python"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda path: path.stem)
def test_runs_without_errors(path: Path, kernel_of_this_python: str) -> None:
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(
        f"import sys, audio_tools\n"
        f"assert sys.executable == {sys.executable!r}, sys.executable\n"
        f"assert audio_tools.__file__ == {audio_tools.__file__!r}, audio_tools.__file__"
    ))
    client = NotebookClient(notebook, kernel_name=kernel_of_this_python, timeout=CELL_TIMEOUT_S,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    before = repository_status()
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    after = repository_status()
    assert after == before, f"{path.name} wrote into the repository: {sorted(set(after) ^ set(before))}"
    shown = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
             if output.output_type in ("display_data", "execute_result")]
    html = [o.get("data", {}).get("text/html", "") for o in shown]
    players = re.findall(r"data:(audio/[\w.+-]*)", "".join(html))
    assert any(WAV_PLAYER.search(text) for text in html), f"{path.name} shows no WAV audio player, only {players}"
    for mime in MUST_SHOW.get(path.stem, []):
        assert any(mime in o.get("data", {}) for o in shown), f"{path.name} shows no {mime}"


def repository_status() -> list[str]:
    """Every changed, untracked and ignored path of the repository, as ``git status`` lists them."""
    done = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--ignored"],
                          cwd=SOURCE_ROOT, capture_output=True, text=True, check=True)
    return sorted(done.stdout.splitlines())
