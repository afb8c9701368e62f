"""``audio-agent chat``: a conversation with the audio agent, typed, spoken or piped in.

Each line is one user message. A line that is the path of an audio file in the workspace is
transcribed (the workspace's speech-to-text) and the transcript becomes the message: a voice
note as the question. Tool calls and their results are shown as they happen; with ``--speak``
each reply is also spoken into a file (the workspace's text-to-speech).

Standard input that is not a terminal gives one message per line; ``--json`` prints one JSON
object per turn: ``{"reply", "tool_calls": [{"name", "args"}], "artifacts": [{"path", ...}],
"message"}`` (``message`` is what the agent was sent: a voice note's transcript; each artifact
names its ``tool``; the transcribed note and the spoken reply carry ``"of": "input"`` and
``"of": "reply"``). A voice note that cannot be used (outside the workspace, no speech heard)
prints ``{"error"}`` instead and the conversation goes on. Without a chat model the command
says what to set and exits with status 2.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from audio_tools.agents.agent import TurnEvents
from audio_tools.agents.cli.common import settings_of
from audio_tools.agents.cli.recordings import StoreOption, open_store
from audio_tools.agents.cli.search import LlmOption

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool
    from rich.console import Console
    from rich.live import Live

    from audio_tools.agents.agent import Turn
    from audio_tools.workspace import Workspace

__all__ = ["NO_LLM_STATUS", "chat_command", "voice_note"]

NO_LLM_STATUS = 2
EXIT_WORDS = frozenset({"/exit", "/quit"})
MAX_SHOWN_CHARS = 160  # of a tool's arguments or result, in the running commentary
MAX_NOTE_PATH_CHARS = 1024


def chat_command(
    ctx: typer.Context,
    llm: LlmOption = None,
    speak: Annotated[bool, typer.Option("--speak", help="Also speak each reply into an audio file.")] = False,
    session: Annotated[
        str | None,
        typer.Option("--session", help="Keep the conversation under this name, across runs (stored in the "
                                       "store folder's sessions.sqlite); without it, memory lasts one run."),
    ] = None,
    store: StoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per turn instead of text.")] = False,
) -> None:
    """Talk with the audio agent: stories with music, questions about your meetings, voice notes as questions.

    Type a message, or the path of an audio file to ask by voice; /exit ends. Piped input is one
    message per line.
    """
    from audio_tools.agents.agent import check_session_name, create_audio_agent, no_llm_message, open_sessions
    from audio_tools.agents.llm import chat_model_for
    from audio_tools.errors import BackendUnavailableError
    from audio_tools.tools.toolkit import AudioToolkit

    settings = settings_of(ctx)
    try:
        model = chat_model_for(llm, settings)
    except BackendUnavailableError as e:
        _no_model(f"{e} Without one, these commands work offline: {_offline()}.")
    if model is None:
        _no_model(no_llm_message())
    thread = check_session_name(session) if session is not None else f"chat-{secrets.token_hex(4)}"
    toolkit = AudioToolkit(settings=settings)
    tools = {t.name: t for t in toolkit.get_tools()}
    with contextlib.ExitStack() as stack:
        if session is not None:
            saver: Any = stack.enter_context(open_sessions(toolkit.workspace.settings))
        else:
            from langgraph.checkpoint.memory import InMemorySaver

            saver = InMemorySaver()
        agent = create_audio_agent(model, toolkit=toolkit, store=open_store(toolkit.workspace.settings, store),
                                   checkpointer=saver, settings=settings)
        chat = _Chat(agent, thread, tools, toolkit.workspace, speak=speak, as_json=as_json,
                     server=getattr(model, "openai_api_base", None))
        chat.run(sys.stdin)


def voice_note(text: str, root: Path) -> str | None:
    """The path in ``text`` when the whole line names an existing audio file (relative to ``root``, or absolute).

    Quotes and backslash-escaped spaces, as terminals paste a dropped file, are removed.
    """
    from audio_tools.rag.discover import AUDIO_SUFFIXES

    candidate = text.strip()
    if len(candidate) > 1 and candidate[0] == candidate[-1] and candidate[0] in "'\"":
        candidate = candidate[1:-1]
    candidate = candidate.replace("\\ ", " ")
    if not candidate or len(candidate) > MAX_NOTE_PATH_CHARS or "\n" in candidate:
        return None
    try:
        path = Path(candidate).expanduser()
        if path.suffix.lower() not in AUDIO_SUFFIXES:
            return None
        full = path if path.is_absolute() else root / path
        return str(path) if full.is_file() else None
    except (OSError, RuntimeError, ValueError):  # a name too long, an unknown ~user, a NUL: words, not a file
        return None


def _no_model(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(NO_LLM_STATUS)


def _offline() -> str:
    from audio_tools.agents.agent import OFFLINE_COMMANDS

    return OFFLINE_COMMANDS


class _Chat:
    """The conversation loop: reads messages, runs turns, renders or prints them."""

    def __init__(self, agent: Any, thread: str, tools: dict[str, BaseTool], workspace: Workspace, *, speak: bool,
                 as_json: bool, server: str | None) -> None:
        from rich.console import Console

        self.agent = agent
        self.thread = thread
        self.tools = tools
        self.workspace = workspace
        self.speak = speak
        self.as_json = as_json
        self.server = server
        self.out = Console()
        self.notes = Console(stderr=True, highlight=False)

    def run(self, stdin: TextIO) -> None:
        """Every message of ``stdin`` (prompted for when it is a terminal), one turn each."""
        from audio_tools.errors import AudioToolsError

        interactive = stdin.isatty() and not self.as_json
        if interactive:
            self.notes.print("[dim]Ask about your recordings, ask for speech, music or a story, or give the path "
                             "of an audio file to ask by voice. /exit ends.[/]")
        for line in self._prompted() if interactive else _lines(stdin):
            text = line.strip()
            if not text:
                continue
            if text in EXIT_WORDS:
                break
            try:
                self.turn(text, interactive=interactive)
            except AudioToolsError as e:
                if not interactive:
                    raise
                self.notes.print(f"[red]error:[/] {e}", markup=True, highlight=False)

    def turn(self, text: str, *, interactive: bool) -> None:
        """One user message: transcribed when it names an audio file, sent, replied, maybe spoken."""
        from audio_tools.agents.agent import run_turn

        heard: list[dict[str, Any]] = []
        note = voice_note(text, self.workspace.root)
        if note is not None:
            transcript = self._call("speech_to_text", {"audio_path": note}, "input")
            if transcript is None:
                return
            text = str(transcript.get("text") or "").strip()
            heard.append(transcript)
            if not text:
                self._warn(f"No speech was recognised in {note}.")
                return
            if not self.as_json:
                self.notes.print(f"[dim]heard:[/] {text}", markup=True, highlight=False)
        events = None if self.as_json else _Commentary(self.out, self.notes, live=interactive)
        turn = run_turn(self.agent, text, thread_id=self.thread, events=events, server=self.server)
        turn.artifacts[:0] = heard
        if self.speak and turn.reply.strip():
            spoken = self._call("text_to_speech", {"text": turn.reply}, "reply")
            if spoken is not None:
                turn.artifacts.append(spoken)
                if not self.as_json:
                    self.notes.print(f"[dim]spoken:[/] {spoken['relative_path']}", markup=True, highlight=False)
        self._finish(turn, interactive=interactive)

    def _call(self, name: str, args: dict[str, Any], of: str) -> dict[str, Any] | None:
        """Run one of the toolkit's tools for the user (not the model); its artifact, or None after a warning."""
        message = self.tools[name].invoke({"type": "tool_call", "id": f"user-{of}", "name": name, "args": args})
        if getattr(message, "status", "success") == "error" or not isinstance(message.artifact, dict):
            self._warn(str(message.content))
            return None
        return {"tool": name, "of": of, **message.artifact}

    def _warn(self, text: str) -> None:
        if self.as_json:
            sys.stdout.write(json.dumps({"error": text}, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            self.notes.print(f"[red]error:[/] {text}", markup=True, highlight=False)

    def _finish(self, turn: Turn, *, interactive: bool) -> None:
        if self.as_json:
            sys.stdout.write(json.dumps(turn.to_dict(), ensure_ascii=False, default=str) + "\n")
            sys.stdout.flush()
        elif not interactive:
            typer.echo(turn.reply)

    def _prompted(self) -> Iterator[str]:
        while True:
            try:
                yield self.out.input("[bold cyan]you>[/] ")
            except (EOFError, KeyboardInterrupt):
                self.out.print()
                return


def _lines(stdin: TextIO) -> Iterator[str]:
    yield from stdin


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHOWN_CHARS else text[:MAX_SHOWN_CHARS - 1] + "…"


class _Commentary(TurnEvents):
    """Renders a turn as it happens: tool calls and results on stderr, the reply streamed as Markdown."""

    def __init__(self, out: Console, notes: Console, *, live: bool) -> None:
        self.out = out
        self.notes = notes
        self.live_enabled = live
        self.buffer = ""
        self.live: Live | None = None

    def token(self, text: str) -> None:
        if not self.live_enabled:
            return
        from rich.live import Live
        from rich.markdown import Markdown

        self.buffer += text
        if self.live is None:
            self.live = Live(Markdown(self.buffer), console=self.out, refresh_per_second=12)
            self.live.start()
        else:
            self.live.update(Markdown(self.buffer))

    def tool_call(self, call: dict[str, Any]) -> None:
        self._close_live()
        from rich.text import Text

        self.notes.print(Text.assemble(("→ ", "cyan"), (call["name"], "bold cyan"),
                                       (f" {_shown(call['args'])}", "dim")))

    def tool_result(self, result: dict[str, Any], artifact: Any) -> None:
        from rich.text import Text

        failed = result.get("status") == "error"
        style = "red" if failed else "green"
        self.notes.print(Text.assemble(("← ", style), (result["name"] or "tool", style),
                                       (f" {_shown(result['content'])}", "dim")))
        if isinstance(artifact, dict) and artifact.get("relative_path") and not failed:
            self.notes.print(Text.assemble(("  file: ", "dim"), (str(artifact["relative_path"]), "bold")))

    def reply(self, text: str) -> None:
        if not self.live_enabled:
            return
        from rich.markdown import Markdown

        if self.live is not None:
            self.live.update(Markdown(text))
            self._close_live()
        else:
            self.out.print(Markdown(text))

    def _close_live(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
            self.buffer = ""
