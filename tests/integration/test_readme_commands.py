"""Every command the README shows is run here as written, or listed in :data:`NOT_RUN` with its test.

The commands (:mod:`helpers.readme`) run in README order, literally, through ``bash -c`` with
this interpreter's ``bin`` first on ``PATH`` (Python blocks through this interpreter), in one
prepared folder holding the files the README names (:func:`prepare_workspace`); what a command
reads that the README made earlier (``hello.mp3``, ``bed.wav``, the store) comes from the
earlier command. Each must exit 0 and pass its check in :data:`EXPECTED`.

A chat model is the scripted one on the loopback OpenAI-compatible server, listening where
``ollama:MODEL`` looks by default (127.0.0.1:11434); commands marked ``openai`` get it as
``OPENAI_BASE_URL`` with a test key, as ``export OPENAI_API_KEY=...`` would set up.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers.agent_runs import CHAT
from helpers.chat_completions import Reply, call, messages_of, scripted_chat_route, tool_results, user_texts
from helpers.openai_server import OpenAIServer, RecordedRequest
from helpers.readme import Command, readme_commands
from helpers.tool_workspace import snapshot

from audio_tools.config import ENV_PREFIX

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
MEETINGS = REPO / "examples" / "meetings"
BIN = Path(sys.executable).parent
OLLAMA_PORT = 11434  # where `ollama:MODEL` looks by default (http://127.0.0.1:11434/v1)
TIMEOUT_S = 300
PYTHON_PRELUDE = "your_tools = []  # the reader's own tools, which the README leaves to them\n"
CITATION = re.compile(r"\S+\.flac @ \d\d:\d\d")
QUESTION = "When can the new version go live?"  # a turn of design_review.flac, the voice note


@dataclass(frozen=True)
class Run:
    """What one README command did.

    Attributes:
        returncode: its exit status.
        stdout: its standard output.
        stderr: its standard error.
        cwd: the folder it ran in.
        changed: the files it created or changed under the prepared folder.
    """

    returncode: int
    stdout: str
    stderr: str
    cwd: Path
    changed: list[Path]


@dataclass(frozen=True)
class Expect:
    """How a README command is run and checked.

    Attributes:
        check: raises ``AssertionError`` unless the run's output is plausible.
        stdin: what is typed into it.
        openai: run with ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` set (the scripted model).
    """

    check: Callable[[Run], None]
    stdin: str = ""
    openai: bool = False


@dataclass(frozen=True)
class NotRun:
    """A README command this module does not run: why, and the test (``path[::name]``) that covers it."""

    reason: str
    covered_by: str


def decoded_seconds(path: Path) -> float:
    """How long ``path`` lasts, by decoding all of it with ffmpeg (fails when it does not decode)."""
    done = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-ac", "1", "-ar", "8000",
                           "-f", "s16le", "-"], capture_output=True, check=False, timeout=TIMEOUT_S)
    assert done.returncode == 0 and not done.stderr, f"{path} does not decode: {done.stderr.decode()[-500:]}"
    return len(done.stdout) / 16000


def prints(*words: str) -> Callable[[Run], None]:
    """A check that standard output holds each of ``words``."""

    def check(run: Run) -> None:
        missing = [w for w in words if w not in run.stdout]
        assert not missing, f"{missing} not in the output:\n{run.stdout}"

    return check


def writes(name: str, low_s: float, high_s: float = float("inf")) -> Callable[[Run], None]:
    """A check that the run wrote ``name`` (in its folder), lasting ``low_s`` to ``high_s`` seconds."""

    def check(run: Run) -> None:
        path = run.cwd / name
        assert path in run.changed, f"{name} was not written"
        assert low_s <= decoded_seconds(path) <= high_s

    return check


def writes_text(name: str, *words: str) -> Callable[[Run], None]:
    """A check that the run wrote the text file ``name`` (in its folder), holding each of ``words``."""

    def check(run: Run) -> None:
        path = run.cwd / name
        assert path in run.changed, f"{name} was not written"
        text = path.read_text(encoding="utf-8")
        assert all(w in text for w in words), text

    return check


def outputs_audio(run: Run) -> list[Path]:
    """The audio files the run wrote under an ``outputs/`` folder."""
    return [p for p in run.changed if "outputs" in p.parts and p.suffix in {".wav", ".mp3", ".flac", ".ogg"}]


def speaks(run: Run) -> None:
    """Checks that the run wrote audio under ``outputs/``, and that it all decodes."""
    written = outputs_audio(run)
    assert written, f"no audio written under outputs/: {run.changed}"
    assert all(decoded_seconds(p) > 0.5 for p in written)


def silent(run: Run) -> None:
    """Checks that the run printed nothing (a block that only builds an agent)."""
    assert run.stdout == "", run.stdout


def chat_remembers(run: Run) -> None:
    """Checks ``chat --session planning --speak``: a reply, spoken, and the session kept."""
    prints("You said: Remember that the launch is on Friday")(run)
    speaks(run)
    assert run.cwd / ".audio_store" / "sessions.sqlite" in run.changed


def chat_json_turns(run: Run) -> None:
    """Checks the piped chat: the voice note transcribed and searched for, then a story made."""
    note, story = (json.loads(line) for line in run.stdout.splitlines())
    assert "go live" in note["message"].lower()
    assert [c["name"] for c in note["tool_calls"]] == ["search_recordings"]
    assert [c["name"] for c in story["tool_calls"]] == ["synthesize_story_audio"]
    assert all(decoded_seconds(Path(a["path"])) > 1 for a in story["artifacts"])


def cites(count: int) -> Callable[[Run], None]:
    """A check that the output cites at least ``count`` moments as ``file @ mm:ss``."""

    def check(run: Run) -> None:
        assert len(CITATION.findall(run.stdout)) >= count, run.stdout

    return check


def answers_with_the_cited_moment(run: Run) -> None:
    """Checks ``ask --json``: the go-live date, cited in the design review."""
    answer = json.loads(run.stdout)
    assert "April" in answer["answer"]
    assert answer["citations"][0]["source"] == "meetings/review.flac"


def respond(request: RecordedRequest) -> Reply:
    """The scripted chat model: answers any request from what it was sent.

    An ``ask --llm`` prompt gets a sentence citing passage [1]; a tool result is passed on; a
    story or reading request calls ``synthesize_story_audio``; a question calls
    ``search_recordings``; anything else is echoed.
    """
    if messages_of(request)[-1].get("role") == "tool":
        return f"The tools said: {tool_results(request)[-1]}"
    text = user_texts(request)[-1]
    if "Passages:" in text:
        return "The team decided what passage one says [1]."
    if "story" in text.lower() or "aloud" in text.lower():
        return call("synthesize_story_audio", speech_text="Hello!", music_prompt="calm piano", duration_s=5)
    if text.rstrip().endswith("?"):
        return call("search_recordings", query=text)
    return f"You said: {text}"


# The README's commands that run here, by label (a Python block's label is its last line).
EXPECTED: dict[str, Expect] = {
    'python: agent.invoke({"messages": [{"role": "user", "content": "Read \'Hello!\' aloud over calm piano."}]})':
        Expect(speaks, openai=True),
    "audio-agent chat": Expect(prints("You said: Hello there"), stdin="Hello there\n", openai=True),
    "audio-agent chat --session planning --speak":
        Expect(chat_remembers, stdin="Remember that the launch is on Friday\n", openai=True),
    "printf 'notes/question.m4a\\nTell me a short story with calm piano\\n' | audio-agent chat --json":
        Expect(chat_json_turns, openai=True),
    'python: print(turn.reply, [a["path"] for a in turn.artifacts])': Expect(prints("The tools said:")),
    'python: agent = create_agent("openai:gpt-4o-mini", [*tools, *your_tools])': Expect(silent, openai=True),
    "audio-agent probe meeting.m4a": Expect(prints("duration 43.0", "aac")),
    "audio-agent convert talk.m4a talk.flac": Expect(writes("talk.flac", 35, 37)),
    "audio-agent transcribe meeting.wav --format srt -o meeting.srt":
        Expect(writes_text("meeting.srt", "00:00:00,", " --> ", "website")),
    "audio-agent transcribe meeting.wav --speakers auto": Expect(prints("[S1] Welcome", "[S2]")),
    'audio-agent speak "Hello there." -o hello.mp3 --tts festival:slt': Expect(writes("hello.mp3", 0.5, 5)),
    'audio-agent music "calm slow piano" -d 20 -o bed.wav --music synth': Expect(writes("bed.wav", 19.9, 20.1)),
    "audio-agent mix hello.mp3 bed.wav -o mixed.mp3 --intro 3": Expect(writes("mixed.mp3", 3.5, 20)),
    'audio-agent story "Once upon a time..." --music-prompt "soft strings" -o story.mp3':
        Expect(writes("story.mp3", 2, 30)),
    "audio-agent clean --older-than 7d": Expect(prints("Removed 0 file(s)")),
    "audio-agent ingest meetings/": Expect(prints("2 added")),
    'audio-agent search "when is the launch" -k 3': Expect(prints("meetings/review.flac @ 00:29")),
    'audio-agent ask "When can the new website go live?" --json': Expect(answers_with_the_cited_moment),
    'audio-agent ask "What did we decide?" --llm ollama:llama3.2': Expect(cites(1)),
    "audio-agent summarize meetings/review.flac": Expect(prints("Decisions:", "Action items:", "Tom")),
    "audio-agent clip meetings/review.flac 00:29 00:35 -o moment.flac": Expect(writes("moment.flac", 6, 8)),
    "audio-agent store info": Expect(prints("sources: 2")),
    "audio-agent store list": Expect(prints("meetings/review.flac", "meetings/weekly.flac")),
    "audio-agent store remove meetings/weekly.flac": Expect(prints("Removed 3 chunks")),
    "audio-agent store sync": Expect(prints("kept")),
    "audio-agent store rebuild": Expect(prints("Rebuilt the store")),
    "audio-agent store rename-speaker meetings/review.flac S1 Anna": Expect(prints("Renamed S1 to Anna")),
    'python: print(ask(store, "When is the launch?").answer)': Expect(prints("meetings/review.flac 29", "April")),
    "audio-agent --help": Expect(prints("Usage: audio-agent")),
}

# A README line that shows alternatives, as the commands it stands for (SOURCE: a recording the store holds).
ALTERNATIVES = {
    "audio-agent store info | list | remove SOURCE | sync | rebuild": (
        "audio-agent store info", "audio-agent store list", "audio-agent store remove meetings/weekly.flac",
        "audio-agent store sync", "audio-agent store rebuild"),
}

# Lines that set up the reader's shell rather than run something; the runs that need them get a test value.
ENVIRONMENT = frozenset({"export OPENAI_API_KEY=sk-..."})

NOT_RUN = {
    "make demo": NotRun("also sets up .venv and system tools (apt as root); the demo script it then runs is run here",
                        "tests/integration/test_readme_commands.py::test_the_demo_answers_with_cited_clips"),
    "make test": NotRun("the CI job itself: ruff, mypy and the whole suite, this module included", "tests"),
    "chroma run --path /srv/chroma --host 127.0.0.1 --port 8000": NotRun(
        "writes /srv and takes port 8000 of the host; the same command on a free port and a temporary folder, "
        "then ingest and search with --store URL",
        "tests/integration/test_rag_store_server.py::test_ingest_and_search_through_a_chroma_server"),
    "make bench": NotRun("the whole benchmark suite takes ~15 minutes; a quick run of it writes its JSON here",
                         "tests/unit/test_bench_suite.py::test_a_quick_startup_run_writes_its_figures_with_units_and_"
                         "commands"),
    "make fuzz": NotRun("hours with its many cases; the same fuzz test runs in `make test` with fewer",
                        "tests/fuzz/test_fuzz_audio_inputs.py::test_mutated_audio_gets_a_result_or_a_typed_error"),
    "audio-agent ingest meetings/ --store http://127.0.0.1:8000": NotRun(
        "needs the Chroma server of the line before; ingest with --store URL runs against a real `chroma run`",
        "tests/integration/test_rag_store_server.py::test_ingest_and_search_through_a_chroma_server"),
    "hf download openai/whisper-small": NotRun(
        "needs the internet; a local copy of Whisper weights is loaded offline",
        "tests/unit/test_stt_whisper.py::test_auto_picks_whisper_when_its_weights_are_local"),
    "pip install 'torch==2.1.*' 'langchain-audio-tools[audiocraft]'": NotRun(
        "needs the internet and an environment of its own (torch 2.1); without it the backend names this install",
        "tests/unit/test_music_api.py::test_audiocraft_missing_names_the_install"),
    "audio-agent mcp": NotRun("a stdio server for MCP clients, which start it with --workspace as the README's "
                              "JSON shows", "tests/integration/test_mcp_server.py::test_lists_every_tool_with_its_"
                                            "schema_and_description"),
}


def label(command: Command) -> str:
    """How the tables above name a command: its text, or ``python: `` and a Python block's last line."""
    return f"python: {command.text.splitlines()[-1]}" if command.kind == "python" else command.text


def readme_labels(readme: Path) -> list[str]:
    """The labels of every command ``readme`` shows, a line of alternatives as each alternative."""
    return [expanded for command in readme_commands(readme)
            for expanded in ALTERNATIVES.get(label(command), (label(command),))]


def uncovered(readme: Path) -> list[str]:
    """The commands ``readme`` shows that are neither run here, nor listed as not run, nor set-up lines."""
    return [name for name in readme_labels(readme) if name not in EXPECTED.keys() | NOT_RUN.keys() | ENVIRONMENT]


def prepare_workspace(root: Path) -> Path:
    """``root/work`` holding the files the README's commands name, made from the bundled meetings."""
    work = root / "work"
    (work / "meetings").mkdir(parents=True)
    (work / "notes").mkdir()
    review, weekly = MEETINGS / "design_review.flac", MEETINGS / "support_weekly.flac"
    turn = next(t for t in json.loads((MEETINGS / "truth.json").read_text())["design_review"]["turns"]
                if t["text"] == QUESTION)
    question = ["-ss", str(turn["start"]), "-to", str(turn["end"])]
    for source, target, cut in [(review, "meeting.m4a", []), (review, "meeting.wav", []), (weekly, "talk.m4a", []),
                                (review, "notes/question.m4a", question)]:
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(source), *cut, str(work / target)],
                       check=True, timeout=TIMEOUT_S)
    shutil.copy(review, work / "meetings" / "review.flac")
    shutil.copy(weekly, work / "meetings" / "weekly.flac")
    return work


def command_env(server: OpenAIServer | None = None) -> dict[str, str]:
    """This environment for a README command: this interpreter's bin and this checkout first, offline.

    Args:
        server: the scripted model, as ``OPENAI_BASE_URL`` with a test key; None: no OpenAI set up.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith((ENV_PREFIX, "OPENAI_"))}
    env.update(PATH=os.pathsep.join([str(BIN), env.get("PATH", "")]), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]))  # this checkout's code runs
    if server is not None:
        env.update(OPENAI_API_KEY="test", OPENAI_BASE_URL=server.base_url)
    return env


def run_command(command: str, python: bool, cwd: Path, expect: Expect, server: OpenAIServer) -> Run:
    """Run one README command (a Python block when ``python``) as written, in ``cwd``."""
    argv = [sys.executable, "-c", PYTHON_PRELUDE + command] if python else ["bash", "-c", command]
    before = snapshot(cwd.parent)
    done = subprocess.run(argv, cwd=cwd, env=command_env(server if expect.openai else None), input=expect.stdin,
                          capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    after = snapshot(cwd.parent)
    changed = [Path(p) for p in sorted(after) if before.get(p) != after[p]]
    return Run(done.returncode, done.stdout, done.stderr, cwd, changed)


@pytest.fixture(scope="module")
def chat_model() -> Iterator[OpenAIServer]:
    """The scripted chat model (:func:`respond`) on 127.0.0.1:11434."""
    try:
        server = OpenAIServer(port=OLLAMA_PORT)
    except OSError as e:
        pytest.fail(f"127.0.0.1:{OLLAMA_PORT} is taken ({e}); the README's ollama: commands need the scripted "
                    "model there: stop what listens (Ollama?) and run again.")
    server.add_route("POST", CHAT, scripted_chat_route(itertools.repeat(respond)))
    with server:
        yield server


@pytest.fixture(scope="module")
def readme_runs(tmp_path_factory: pytest.TempPathFactory, chat_model: OpenAIServer) -> dict[str, Run]:
    """Every README command of :data:`EXPECTED`, run in README order in one prepared folder.

    Shell commands run in the workspace (``work/``), Python blocks in the folder above it, where
    ``root="work"`` names the same workspace.
    """
    work = prepare_workspace(tmp_path_factory.mktemp("readme"))
    runs: dict[str, Run] = {}
    for command in readme_commands(README):
        for name in ALTERNATIVES.get(label(command), (label(command),)):
            if name in EXPECTED:
                python = command.kind == "python"
                runs[name] = run_command(command.text if python else name, python, work.parent if python else work,
                                         EXPECTED[name], chat_model)
    return runs


@pytest.mark.parametrize("name", list(EXPECTED))
def test_the_readme_command_works_as_written(name: str, readme_runs: dict[str, Run]) -> None:
    if name not in readme_runs:
        pytest.fail(f"{name!r} is no longer in the README: remove it from EXPECTED")
    run = readme_runs[name]
    assert run.returncode == 0, f"exit {run.returncode}\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    EXPECTED[name].check(run)


def test_every_readme_command_is_run_or_listed_as_not_run() -> None:
    assert uncovered(README) == [], "add each to EXPECTED (run here) or NOT_RUN (with the test covering it)"


def test_a_command_added_to_the_readme_without_coverage_is_caught(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(README.read_text(encoding="utf-8") + "\n```bash\naudio-agent frobnicate --all   # new\n```\n",
                      encoding="utf-8")
    assert uncovered(readme) == ["audio-agent frobnicate --all"]


@pytest.mark.parametrize("block", [
    "~~~sh\n$ audio-agent frobnicate \\\n    --all\n~~~",
    "````Console title=x\naudio-agent frobnicate --all\n````",
    "- a step:\n\n  ```shell\n  audio-agent frobnicate --all\n  ```",
])
def test_commands_in_any_shell_fence_are_caught(tmp_path: Path, block: str) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(README.read_text(encoding="utf-8") + "\n" + block + "\n", encoding="utf-8")
    assert uncovered(readme) == ["audio-agent frobnicate --all"]


def test_a_block_of_unknown_language_is_refused_not_skipped(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(README.read_text(encoding="utf-8") + "\n```powershell\naudio-agent frobnicate\n```\n",
                      encoding="utf-8")
    with pytest.raises(ValueError, match="powershell"):
        uncovered(readme)


def test_every_listed_command_is_in_the_readme() -> None:
    shown = set(readme_labels(README))
    assert EXPECTED.keys() - shown == set()
    assert NOT_RUN.keys() - shown == set()
    assert ENVIRONMENT - shown == set()


@pytest.mark.parametrize("name", list(NOT_RUN))
def test_a_command_not_run_names_a_test_that_exists(name: str) -> None:
    path, _, test = NOT_RUN[name].covered_by.partition("::")
    assert (REPO / path).exists(), f"{name!r} is mapped to {path}, which does not exist"
    if test:
        assert re.search(rf"^(async )?def {test}\(", (REPO / path).read_text(), re.MULTILINE), (
            f"{name!r} is mapped to {test}, which {path} does not define")


def test_the_demo_answers_with_cited_clips() -> None:
    demo = REPO / "outputs" / "demo"
    started = time.time()
    done = subprocess.run(["bash", str(REPO / "scripts" / "demo.sh")], env={**command_env(), "VENV": str(BIN.parent)},
                          capture_output=True, text=True, timeout=2 * TIMEOUT_S, check=False)
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    lines = done.stdout.splitlines()
    answers = [lines[i + 1] for i, line in enumerate(lines[:-1]) if line.startswith("== Q:")]
    assert len(answers) == 2 and all(CITATION.search(a) for a in answers), done.stdout
    for name, low_s, high_s in [("go_live.flac", 1, 15), ("tickets.flac", 1, 15), ("story.mp3", 5, 60)]:
        path = demo / name
        assert path.stat().st_mtime >= started - 1, f"{name} was not written by this run"
        assert low_s <= decoded_seconds(path) <= high_s, name
