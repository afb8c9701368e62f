"""Mutated WAV, FLAC, MP3, OGG and M4A files through probe, decode, transcription and mix.

Seed files are real speech (flite) encoded by real ffmpeg; each case mutates one (header
fields, truncation, random bytes, spliced ranges) and feeds it to :func:`probe`,
:func:`load_audio` and one tool, ``speech_to_text`` (pocketsphinx) or
``mix_speech_with_music``, as the model would call it. Only public entry points are used.

Every outcome must be a result or a typed error (an :class:`AudioToolsError`, or a
:class:`ToolException` caused by one) whose model-facing text names no absolute or private
path; no case may run past :data:`CASE_LIMIT_S`, and nothing may be written outside the
workspace's ``outputs/`` (the private temp folder is empty after every case).

``make test`` runs :data:`DEFAULT_CASES` cases; ``make fuzz`` runs thousands. Environment:
``FUZZ_CASES`` (count), ``FUZZ_SEED`` (seed; case ``i`` is the same for a given seed
whatever the count) and ``FUZZ_REPORT`` (a JSON file for the figures: outcomes, slowest).
"""

from __future__ import annotations

import base64
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from helpers.tool_workspace import OFFLINE_BACKENDS, make_music, make_speech, snapshot
from langchain_core.tools import BaseTool, ToolException

from audio_tools import output_log
from audio_tools.audio import load_audio, probe
from audio_tools.config import Settings
from audio_tools.errors import AudioToolsError
from audio_tools.tools import AudioToolkit

DEFAULT_CASES = 40
CASES = int(os.environ.get("FUZZ_CASES", DEFAULT_CASES))
SEED = int(os.environ.get("FUZZ_SEED", "8"))
REPORT = os.environ.get("FUZZ_REPORT")
# Low caps keep every case short: a header may claim hours, a lying one decodes to the cap.
CAPS = {"max_duration_s": 30.0, "ffmpeg_timeout_s": 20.0}
CASE_LIMIT_S = 120.0  # a case past this is a hang: several ffmpeg runs at most, each under its timeout

ENCODINGS = {
    "wav": ["-c:a", "pcm_s16le"],
    "flac": ["-c:a", "flac"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "32k"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "1"],
    "m4a": ["-c:a", "aac", "-b:a", "32k"],
}
# Where each container keeps the fields worth corrupting: a 32-bit field follows each marker.
MARKERS = {
    "wav": [b"RIFF", b"fmt ", b"data"],
    "flac": [b"fLaC"],
    "mp3": [b"ID3", b"Xing", b"Info", b"LAME", b"\xff\xfb", b"\xff\xf3"],
    "ogg": [b"OggS", b"\x01vorbis", b"\x05vorbis"],
    "m4a": [b"ftyp", b"moov", b"mvhd", b"mdhd", b"stsd", b"mp4a", b"esds", b"stts", b"stsz", b"stco", b"mdat"],
}
EXTREMES = (0, 1, 0x7F, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)


def mutate(data: bytes, kind: str, markers: list[bytes], rng: random.Random) -> tuple[bytes, str]:
    """``data`` changed by one mutation of ``kind``, and a description of what was done."""
    out = bytearray(data)
    if kind == "truncate":
        at = rng.randrange(len(data))
        return bytes(out[:at]), f"truncate@{at}"
    if kind == "flip":
        spots = sorted(rng.randrange(len(out)) for _ in range(rng.randint(1, 32)))
        for at in spots:
            out[at] = rng.randrange(256)
        return bytes(out), f"flip{spots[:6]}{'...' if len(spots) > 6 else ''}"
    if kind in ("header", "field"):
        found = [m for m in markers if m in data]
        if kind == "field" and found:
            marker = rng.choice(found)
            at = data.index(marker) + len(marker) + rng.randrange(0, 40, 2)
            where = f"{marker!r}+{at - data.index(marker)}"
        else:
            at = rng.randrange(min(len(data), 256))
            where = f"@{at}"
        width = rng.choice((1, 2, 4))
        value = rng.choice((*EXTREMES, rng.getrandbits(32))) & ((1 << (8 * width)) - 1)
        big = rng.random() < 0.5
        out[at:at + width] = value.to_bytes(width, "big" if big else "little")
        return bytes(out), f"{kind}{where}={value:#x}/{width}{'b' if big else 'l'}"
    if kind == "splice":
        start = rng.randrange(len(out))
        end = min(len(out), start + rng.randint(1, 4096))
        if rng.random() < 0.5:
            del out[start:end]
            return bytes(out), f"delete[{start}:{end}]"
        insert_at = rng.randrange(len(out))
        out[insert_at:insert_at] = data[start:end]
        return bytes(out), f"duplicate[{start}:{end}]@{insert_at}"
    noise = rng.randbytes(rng.randint(16, 4096))
    at = rng.randrange(len(out))
    if rng.random() < 0.5:
        out[at:at + len(noise)] = noise
        return bytes(out), f"overwrite{len(noise)}@{at}"
    keep = rng.randint(0, 64)  # the magic survives, so the demuxer is chosen by content
    return bytes(out[:keep]) + noise, f"noise{len(noise)}after{keep}"


KINDS = ("truncate", "flip", "header", "field", "splice", "noise")


@dataclass
class Case:
    index: int
    fmt: str
    mutation: str
    tool: str
    args: dict[str, Any]
    path: Path

    def __str__(self) -> str:
        shown = {k: (v[:20] + "...") if isinstance(v, str) and len(v) > 40 else v for k, v in self.args.items()}
        return f"case {self.index} (seed {SEED}): {self.fmt} {self.mutation} -> {self.tool} {shown}"


@dataclass
class Arena:
    root: Path
    outside: Path
    private_tmp: Path
    seeds: dict[str, bytes]
    tools: dict[str, BaseTool]
    settings: Settings
    outcomes: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Arena]:
    base = tmp_path_factory.mktemp("fuzz")
    root, outside, private_tmp, cwd = base / "workspace", base / "outside", base / "tmp", base / "cwd"
    for folder in (root, outside, private_tmp, cwd):
        folder.mkdir()
    speech = make_speech(outside / "speech.wav", text="Hello there.")  # short: pocketsphinx takes most of the time
    make_music(root / "music.wav", seconds=2.0)
    (root / "outputs").mkdir()
    shutil.copy(speech, root / "speech.wav")
    seeds = {}
    for fmt, codec in ENCODINGS.items():
        target = outside / f"seed.{fmt}"
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(speech), *codec, str(target)],
                       check=True, timeout=60)
        seeds[fmt] = target.read_bytes()
    settings = Settings(workspace=root, **OFFLINE_BACKENDS, **CAPS)
    tools = {t.name: t for t in AudioToolkit(settings=settings, **OFFLINE_BACKENDS).get_tools()}
    for tool in tools.values():
        tool.handle_tool_error = False  # the ToolException itself, to see its cause's type
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", str(private_tmp))
        patch.setenv("TMPDIR", str(private_tmp))
        patch.chdir(cwd)
        yield Arena(root, outside, private_tmp, seeds, tools, settings)


def make_case(index: int, arena: Arena) -> Case:
    """Case ``index``: the same for a given seed, whatever the number of cases."""
    rng = random.Random(f"{SEED}:{index}")  # noqa: S311 - reproducible mutations, not secrets
    fmt = rng.choice(sorted(ENCODINGS))
    data, mutation = mutate(arena.seeds[fmt], rng.choice(KINDS), MARKERS[fmt], rng)
    if rng.random() < 0.2:
        data, more = mutate(data or b"\0", rng.choice(KINDS), MARKERS[fmt], rng)
        mutation += "+" + more
    path = arena.root / f"case-{index}.{fmt}"
    path.write_bytes(data)
    if index % 2 == 0:
        if rng.random() < 0.25:
            return Case(index, fmt, mutation, "speech_to_text", {"audio_base64": base64.b64encode(data).decode()},
                        path)
        return Case(index, fmt, mutation, "speech_to_text", {"audio_path": path.name}, path)
    pair = {"speech_path": path.name, "music_path": "music.wav"}
    if rng.random() < 0.5:
        pair = {"speech_path": "speech.wav", "music_path": path.name}
    return Case(index, fmt, mutation, "mix_speech_with_music", pair, path)


def typed(outcomes: Counter[str], problems: list[str], case: Case, entry: str, run: Callable[[], Any]) -> None:
    """Run one entry point; count its outcome, and note a problem when it is not typed."""
    try:
        run()
    except AudioToolsError as e:
        outcomes[f"{entry}: {type(e).__name__}"] += 1
    except Exception as e:
        outcomes[f"{entry}: untyped {type(e).__name__}"] += 1
        problems.append(f"{case}: {entry} raised {type(e).__name__}: {str(e)[:300]}")
    else:
        outcomes[f"{entry}: ok"] += 1


def model_text_problems(text: str, arena: Arena) -> list[str]:
    """What the model must not read: absolute or private paths, ffmpeg URLs, raw control characters."""
    found = [n for n in (str(arena.root), str(arena.outside), str(arena.private_tmp), "/tmp/") if n in text]
    found += re.findall(r"\bfile:\S+", text)
    found += [repr(c) for c in text if c != "\n" and unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp", "Cs"}]
    return found


def call_tool(case: Case, arena: Arena, outcomes: Counter[str], problems: list[str]) -> None:
    tool = arena.tools[case.tool]
    entry = case.tool
    try:
        message = tool.invoke({"name": tool.name, "args": case.args, "id": f"case-{case.index}", "type": "tool_call"})
        content = str(message.content)
    except ToolException as e:
        cause = e.__cause__
        if isinstance(cause, AudioToolsError):
            outcomes[f"{entry}: {type(cause).__name__}"] += 1
        else:
            outcomes[f"{entry}: untyped {type(cause).__name__}"] += 1
            problems.append(f"{case}: {entry} failed with {type(cause).__name__}: {str(e)[:300]}")
        content = str(e)
    except Exception as e:
        outcomes[f"{entry}: untyped {type(e).__name__}"] += 1
        problems.append(f"{case}: {entry} raised {type(e).__name__}: {str(e)[:300]}")
        return
    else:
        outcomes[f"{entry}: ok"] += 1
    if leaked := model_text_problems(content, arena):
        problems.append(f"{case}: {entry} told the model {leaked}: {content[:300]!r}")


def run_case(case: Case, arena: Arena, outcomes: Counter[str], problems: list[str]) -> None:
    typed(outcomes, problems, case, "probe", lambda: probe(case.path, settings=arena.settings))
    typed(outcomes, problems, case, "load_audio", lambda: load_audio(case.path, settings=arena.settings))
    call_tool(case, arena, outcomes, problems)


def left_behind(arena: Arena, before: set[str]) -> list[str]:
    """What a case left outside ``outputs/`` or half-written in it, and temp leftovers.

    The files it published in ``outputs/`` are removed (its record of them stays).
    """
    found = [f"private temp: {name}" for name in os.listdir(arena.private_tmp)]
    found += [f"cwd: {name}" for name in os.listdir(Path.cwd())]
    found += [f"workspace: {name}" for name in sorted(set(os.listdir(arena.root)) - before)]
    for made in (arena.root / "outputs").iterdir():
        if made.name == output_log.LOG_NAME:
            continue
        if made.name.startswith("."):
            found.append(f"outputs: {made.name}")  # a write in progress left behind
        made.unlink()
    return found


def test_mutated_audio_gets_a_result_or_a_typed_error(arena: Arena) -> None:
    outside_before = snapshot(arena.outside)
    workspace_before = set(os.listdir(arena.root))
    started = time.monotonic()
    by_case: list[tuple[float, str]] = []
    for index in range(CASES):
        case = make_case(index, arena)
        outcomes: Counter[str] = Counter()
        problems: list[str] = []
        worker = threading.Thread(target=run_case, args=(case, arena, outcomes, problems), daemon=True)
        began = time.monotonic()
        worker.start()
        worker.join(CASE_LIMIT_S)
        took = time.monotonic() - began
        if worker.is_alive():
            arena.problems.append(f"{case}: still running after {CASE_LIMIT_S:g} s (a hang past the caps)")
            break  # it may still write: no later case could be judged
        case.path.unlink()
        problems += [f"{case}: left {what}" for what in left_behind(arena, workspace_before)]
        arena.outcomes.update(outcomes)
        arena.problems += problems
        by_case.append((took, str(case)))
    by_case.sort(reverse=True)
    figures = {
        "cases": CASES, "seed": SEED, "seconds": round(time.monotonic() - started, 1),
        "outcomes": dict(sorted(arena.outcomes.items())),
        "slowest": [{"seconds": round(s, 2), "case": c} for s, c in by_case[:5]],
        "problems": arena.problems,
    }
    if REPORT:
        Path(REPORT).write_text(json.dumps(figures, indent=2))
    assert snapshot(arena.outside) == outside_before
    assert arena.problems == []
    assert sum(arena.outcomes.values()) == 3 * CASES
