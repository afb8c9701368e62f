"""The sections of ``make bench`` (:mod:`run_all`): the benchmark each one runs and the figures it keeps.

Every section runs existing benchmark scripts as child processes (so that start-up, peak RSS
and model loads are those of a fresh process) and reads the one JSON object each prints; it
returns an :class:`Outcome`: the commands, that raw JSON, and the figures picked from it, each
with its unit and the command that produced it. ``quick`` picks tiny sizes (seconds, for a
test), not figures to publish.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
RENDERED = BENCH / ".cache" / "meetings"
SCRIPT_TIMEOUT_S = 1200.0  # one child benchmark; a hung one fails its section instead of the whole run
FILL_100K_TIMEOUT_S = 3600.0  # search at 100k chunks when its store is not cached: the fill takes > 10 min
ERROR_TAIL_CHARS = 2000
# larger Whisper checkpoints than the bundled tiny.en that the STT backends run when their weights
# are local: transformers ones (``whisper:ID``, what ``auto`` looks for) and CTranslate2 sizes
# (``faster-whisper:SIZE``, from the Systran/faster-whisper-SIZE repositories)
TRANSFORMERS_WHISPERS = ("openai/whisper-small", "openai/whisper-small.en", "openai/whisper-base",
                         "openai/whisper-base.en", "openai/whisper-medium", "openai/whisper-large-v3",
                         "openai/whisper-large-v3-turbo", "distil-whisper/distil-small.en")
CTRANSLATE2_SIZES = ("base", "base.en", "small", "small.en", "medium", "large-v3", "distil-small.en")


class SectionError(RuntimeError):
    """A section's benchmark failed; the message says which command and how."""


@dataclass(frozen=True)
class Figure:
    """One measured value.

    Attributes:
        id: a stable key (``ingest.10min.rtf``).
        figure: what it is, in words.
        value: the number; None when it could not be measured here (``note`` says why).
        unit: its unit (``s``, ``ms``, ``MB``, ``x`` for ratios, ``RTF`` for wall / audio time).
        command: the command that produced it.
        note: why a value is missing, or what to read it with.
    """

    id: str
    figure: str
    value: float | None
    unit: str
    command: str
    note: str = ""


@dataclass
class Outcome:
    """What a section ran and found.

    Attributes:
        commands: each command run, as a shell would show it (from the repository root).
        raw: each command's JSON output, by command.
        figures: the figures picked from it.
        status: ``ok``, or ``not available`` when the section had nothing it could run here.
    """

    commands: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    status: str = "ok"

    def run(self, script: str, *args: str, timeout: float = SCRIPT_TIMEOUT_S) -> tuple[str, Any]:
        """Run ``benchmarks/<script> args`` (see :func:`run_script`), keeping its command and output."""
        command, out = run_script(script, *args, timeout=timeout)
        self.commands.append(command)
        self.raw[command] = out
        return command, out

    def add(self, id: str, figure: str, value: float | None, unit: str, command: str, note: str = "") -> None:
        self.figures.append(Figure(id, figure, value, unit, command, note))


def run_script(script: str, *args: str, timeout: float = SCRIPT_TIMEOUT_S) -> tuple[str, Any]:
    """Run a benchmark script in a child process with this checkout first on the path; (command, its JSON).

    Raises:
        SectionError: it exited non-zero, timed out, or printed no JSON object.
    """
    shown = " ".join(["python", f"benchmarks/{script}", *args])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    try:
        done = subprocess.run([sys.executable, str(BENCH / script), *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        raise SectionError(f"{shown}: no result after {timeout:g} s") from e
    if done.returncode != 0:
        raise SectionError(f"{shown} exited {done.returncode}: {(done.stderr or done.stdout)[-ERROR_TAIL_CHARS:]}")
    try:
        return shown, json.loads(done.stdout)
    except json.JSONDecodeError as e:
        raise SectionError(f"{shown} printed no JSON object ({e}): {done.stdout[-ERROR_TAIL_CHARS:]}") from e


def startup(quick: bool) -> Outcome:
    """``import audio_tools`` and ``audio-agent --help`` in fresh processes (benchmarks/startup.py)."""
    out = Outcome()
    command, raw = out.run("startup.py", "--runs", "1" if quick else "5")
    out.add("startup.import", '`python -c "import audio_tools"` (median)', raw["import_audio_tools"]["median_s"],
            "s", command)
    out.add("startup.help", "`audio-agent --help` (median)", raw["audio_agent_help"]["median_s"], "s", command)
    return out


def cold(quick: bool) -> Outcome:
    """A fresh ``audio-agent search`` and ``ask --llm none`` on the bundled meetings' store (meeting_search.py)."""
    out = Outcome()
    command, raw = out.run("meeting_search.py", "--sections", "cold", "--cold-runs", "1" if quick else "5", "--json")
    for name in ("search", "ask"):
        out.add(f"cold.{name}", f"cold `audio-agent {name}` on a small store (median)", raw["cold"][name]["median_s"],
                "s", command)
    return out


def ingest(quick: bool) -> Outcome:
    """End-to-end ingest of 10 and 60 minutes: RTF, STT share, peak RSS (meeting_ingest.py)."""
    out = Outcome()
    _rendered_meetings(out)
    command, raw = out.run("meeting_ingest.py", "--minutes", *(["0.5"] if quick else ["10", "60"]), "--json")
    runs = raw["runs"]
    for run in runs:
        minutes = f"{run['audio_min']:g} min"
        key = f"ingest.{run['audio_min']:g}min"
        out.add(f"{key}.rtf", f"ingest {minutes} end to end ({run['stt']}): wall / audio", run["rtf"], "RTF", command)
        out.add(f"{key}.stt_share", f"ingest {minutes}: STT share of the ingest call", run["stt_share"], "fraction",
                command)
        out.add(f"{key}.stt_rtf", f"ingest {minutes}: STT alone, wall / audio", run["stt_rtf"], "RTF", command)
        out.add(f"{key}.cpu_rtf", f"ingest {minutes}: CPU s per audio s (all processes)", run["cpu_rtf"], "RTF",
                command)
        out.add(f"{key}.peak_rss", f"ingest {minutes}: peak RSS of the process", run["peak_rss_mb"], "MB", command)
    if len(runs) > 1:
        first, last = runs[0], runs[-1]
        span = f"{last['audio_min']:g} / {first['audio_min']:g} min"
        out.add("ingest.rtf_ratio", f"ingest RTF, {span}", round(last["rtf"] / first["rtf"], 2), "x", command)
        out.add("ingest.rss_ratio", f"ingest peak RSS, {span}", round(last["peak_rss_mb"] / first["peak_rss_mb"], 2),
                "x", command)
    return out


def pocketsphinx(quick: bool) -> Outcome:
    """pocketsphinx on 10 minutes of the eval meetings, looped (stt_long.py)."""
    out = Outcome()
    _rendered_meetings(out)
    command, raw = out.run("stt_long.py", str(RENDERED.relative_to(ROOT)), "--stt", "pocketsphinx",
                           "--minutes", "0.5" if quick else "10")
    run = raw["runs"][0]
    minutes = f"{run['audio_min']:g} min"
    out.add("pocketsphinx.rtf", f"pocketsphinx STT, {minutes}: wall / audio", run["rtf"], "RTF", command)
    out.add("pocketsphinx.cpu_rtf", f"pocketsphinx STT, {minutes}: CPU s per audio s", run["cpu_rtf"], "RTF", command)
    out.add("pocketsphinx.peak_rss", f"pocketsphinx STT, {minutes}: peak RSS of the process tree", run["peak_rss_mb"],
            "MB", command)
    return out


def larger_whisper(quick: bool) -> Outcome:
    """A larger Whisper than the bundled tiny.en, on 10 minutes (stt_long.py), where its weights are local."""
    spec, checked = _local_larger_whisper()
    out = Outcome()
    if spec is None:
        out.status = "not available"
        out.raw["checked"] = checked
        out.add("larger_whisper.rtf", "larger Whisper STT, 10 min: wall / audio", None, "RTF",
                "benchmarks/bench_sections.py:_local_larger_whisper",
                note=f"not available here: no larger Whisper weights on this machine ({len(checked)} places checked, "
                     "listed in the JSON: sections.larger_whisper.raw.checked)")
        return out
    command, raw = out.run("stt_long.py", str(RENDERED.relative_to(ROOT)), "--stt", spec,
                           "--minutes", "0.5" if quick else "10")
    run = raw["runs"][0]
    out.add("larger_whisper.rtf", f"{spec} STT, {run['audio_min']:g} min: wall / audio", run["rtf"], "RTF", command)
    out.add("larger_whisper.peak_rss", f"{spec} STT: peak RSS of the process tree", run["peak_rss_mb"], "MB", command)
    return out


def _local_larger_whisper() -> tuple[str | None, list[str]]:
    """The spec of the first larger Whisper whose weights are here (nothing is downloaded), and what was checked.

    First what ``--stt auto`` itself picks (``AUDIO_TOOLS_WHISPER_MODEL``: a CTranslate2 folder or
    a transformers checkpoint), then the usual Hugging Face ids in the local cache.
    """
    from huggingface_hub import try_to_load_from_cache

    from audio_tools.config import Settings
    from audio_tools.hub import weights_available
    from audio_tools.registry import BackendSpec
    from audio_tools.stt.auto import choose

    settings = Settings.from_env()
    chosen = choose(BackendSpec("auto"), settings)
    checked = [f"auto -> {chosen.family}:{chosen.model or 'bundled tiny.en'}"]
    if chosen.model is not None:
        return f"{chosen.family}:{chosen.model}", checked
    checked += [f"whisper:{m}" for m in TRANSFORMERS_WHISPERS] + [f"faster-whisper:{s}" for s in CTRANSLATE2_SIZES]
    for model in TRANSFORMERS_WHISPERS:
        if weights_available(model):
            return f"whisper:{model}", checked
    for size in CTRANSLATE2_SIZES:
        if isinstance(try_to_load_from_cache(f"Systran/faster-whisper-{size}", "model.bin"), str):
            return f"faster-whisper:{size}", checked
    return None, checked


def add(quick: bool) -> Outcome:
    """Embed (real MiniLM) and add chunks to the store: chunks per second (meeting_search.py ``add``)."""
    out = Outcome()
    sizes = ("50", "1") if quick else ("1000", "3")
    command, raw = out.run("meeting_search.py", "--sections", "add", "--add-chunks", sizes[0], "--runs", sizes[1],
                           "--json")
    figures = raw["add"]
    out.add("add.embed_and_add", "embed + add to Chroma (median)", figures["embed_and_add_chunks_per_s"]["median"],
            "chunks/s", command)
    out.add("add.total", "embed + add + BM25 rebuild (median)", figures["chunks_per_s"]["median"], "chunks/s", command)
    out.add("add.embed", "MiniLM embedding alone (median)", figures["embed_chunks_per_s"]["median"], "chunks/s",
            command)
    return out


def search(quick: bool) -> Outcome:
    """Warm hybrid search at 10k chunks, with and without filters (meeting_search.py ``search``)."""
    return _search(500 if quick else 10_000, quick)


def search_100k(quick: bool) -> Outcome:
    """Warm hybrid search at 100k chunks (its store's first fill takes ~10 min on two cores, then it is reused)."""
    return _search(2000 if quick else 100_000, quick, repeats=1, warmup=21, timeout=FILL_100K_TIMEOUT_S)


def _search(size: int, quick: bool, repeats: int = 2, warmup: int = 63, timeout: float = SCRIPT_TIMEOUT_S
            ) -> Outcome:
    """Search figures at ``size`` chunks: each of the 63 eval questions ``repeats`` times per variant, timed,
    after ``warmup`` untimed searches (at 100k, ~0.3 s each, a third of the questions and one repeat keep
    the section near 2 minutes)."""
    out = Outcome()
    light = ("--repeats", "1", "--warmup", "5") if quick else ("--repeats", str(repeats), "--warmup", str(warmup))
    command, raw = out.run("meeting_search.py", "--sections", "search", "--sizes", str(size), *light, "--json",
                           timeout=timeout)
    entry = raw["search"][str(size)]
    label = f"{size // 1000}k" if size >= 1000 else str(size)
    unfiltered = entry["latency"]["no filter"]["p50"]
    for variant, figures in entry["latency"].items():
        key = f"search.{label}.{variant.replace(' ', '_').replace('+', '_')}"
        for stat in ("p50", "p95"):
            out.add(f"{key}.{stat}", f"warm search, {label} chunks, {variant}: {stat}", figures[stat], "ms", command)
        if variant != "no filter":
            out.add(f"{key}.ratio", f"warm search, {label} chunks: {variant} / no filter, p50",
                    round(figures["p50"] / unfiltered, 2), "x", command)
    fill = entry["fill"]
    if not fill["reused"]:
        out.add(f"search.{label}.fill", f"fill of the {label}-chunk store with passages (synthetic vectors)",
                fill["fill_s"], "s", command)
    return out


def mix_speed(quick: bool) -> Outcome:
    """Mixing a 10-minute story over a music bed (mix_speed.py)."""
    out = Outcome()
    command, raw = out.run("mix_speed.py", "--minutes", "0.5" if quick else "10", "--repeat", "1" if quick else "3")
    out.add("mix.speed", f"mix of a {raw['speech_s'] / 60:g}-minute story over music (median)", raw["realtime_factor"],
            "x real time", command)
    return out


def mix_intelligibility(quick: bool) -> Outcome:
    """WER of the offline STT on our ducked mix and on ffmpeg's ``amix`` (mix_intelligibility.py)."""
    out = Outcome()
    command, raw = out.run("mix_intelligibility.py", *(["--prompts", "calm slow piano with soft strings"] if quick
                                                       else []))
    out.add("mix.wer_speech", f"WER of {raw['stt']} on the speech alone (anchor)", raw["speech_only_wer"], "WER",
            command)
    for index, (prompt, bed) in enumerate(raw["beds"].items()):
        out.add(f"mix.bed{index}.wer_ducked", f"WER on our ducked mix, bed '{prompt}'", bed["ducked_wer"], "WER",
                command)
        out.add(f"mix.bed{index}.wer_amix", f"WER on ffmpeg amix, bed '{prompt}'", bed["amix_wer"], "WER", command)
    return out


def reuse(quick: bool) -> Outcome:
    """First call (model load included) against the second, in one process (model_reuse.py)."""
    out = Outcome()
    command, raw = out.run("model_reuse.py")
    for model, what in (("stt", f"transcribe {raw['stt']['recording']} ({raw['stt']['ran']})"),
                        ("minilm", f"MiniLM embedding of {raw['minilm']['documents']} 600-character texts")):
        figures = raw[model]
        out.add(f"reuse.{model}.first", f"{what}: first call", figures["first_s"], "s", command)
        out.add(f"reuse.{model}.second", f"{what}: second call", figures["second_s"], "s", command)
        out.add(f"reuse.{model}.ratio", f"{what}: first / second", figures["first_over_second"], "x", command)
        out.add(f"reuse.{model}.load", f"{what}: first − second (model load and warm-up)",
                round(figures["first_s"] - figures["second_s"], 3), "s", command)
    return out


def whisper_small(quick: bool) -> Outcome:
    """Whisper-small's architecture on the CPU, random weights, batch 1 against 4 (whisper_small_cpu.py)."""
    out = Outcome()
    command, raw = out.run("whisper_small_cpu.py",
                           *(["--windows", "2", "--batch", "2", "--tokens", "4"] if quick else []))
    batches = [key for key in raw if key.startswith("batch_") and key != "batch_ratio"]
    for key in batches:
        size = key.removeprefix("batch_")
        out.add(f"whisper_small.{key}", f"Whisper-small architecture (random weights), batch {size}, "
                f"{raw['tokens_per_window']} tokens per 30 s", raw[key]["audio_s_per_s"], "audio s/s", command)
    out.add("whisper_small.ratio", f"Whisper-small, batch {batches[-1].removeprefix('batch_')} / batch 1 throughput",
            raw["batch_ratio"], "x", command)
    return out


def _rendered_meetings(out: Outcome) -> None:
    """Render the eval meetings once (benchmarks/meetings/render.py) when the cache lacks them."""
    if not (RENDERED / "truth.json").is_file():
        command = "python benchmarks/meetings/render.py"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
        done = subprocess.run([sys.executable, str(BENCH / "meetings" / "render.py")], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=SCRIPT_TIMEOUT_S, check=False)
        if done.returncode != 0:
            raise SectionError(f"{command} exited {done.returncode}: {done.stderr[-ERROR_TAIL_CHARS:]}")
        out.commands.append(command)


@dataclass(frozen=True)
class Section:
    """A section: its name and what it measures."""

    name: str
    measure: Callable[[bool], Outcome]

    @property
    def about(self) -> str:
        return (self.measure.__doc__ or self.name).splitlines()[0]


SECTIONS = {s.name: s for s in (
    Section("startup", startup), Section("cold", cold), Section("ingest", ingest),
    Section("pocketsphinx", pocketsphinx), Section("larger_whisper", larger_whisper), Section("add", add),
    Section("search", search), Section("search_100k", search_100k), Section("mix_speed", mix_speed),
    Section("mix_intelligibility", mix_intelligibility), Section("reuse", reuse),
    Section("whisper_small", whisper_small),
)}

# ratios across sections, computed when both figures were measured: (id, figure, numerator, denominator)
RATIOS = (
    ("ratio.pocketsphinx_vs_whisper", "pocketsphinx RTF / bundled Whisper's STT RTF (10 min)", "pocketsphinx.rtf",
     "ingest.10min.stt_rtf"),
    ("ratio.cold_search_vs_help", "cold `audio-agent search` / `audio-agent --help`", "cold.search", "startup.help"),
    ("ratio.search_100k_vs_10k", "warm search p50, 100k / 10k chunks (no filter)", "search.100k.no_filter.p50",
     "search.10k.no_filter.p50"),
)
