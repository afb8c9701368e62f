"""Meeting search on recordings with known answer turns: recall@1/@3, citations, spans, and ``ask``.

Usage::

    python benchmarks/meetings/render.py          # once: renders the eval meetings (minutes)
    python benchmarks/meeting_search_eval.py [--json] [-k 5] [--stt SPEC] [--store DIR|URL]
                                             [--suite synthetic|real ...] [--split all|tune|held]
                                             [--no-ask] [--fresh]

Two suites of questions, each with the meeting and the turn that answers it:

- ``synthetic``: the two dev meetings of ``examples/meetings`` with their questions, and the
  meetings of ``benchmarks/meetings/scripts.json`` (rendered by ``render.py`` into
  ``benchmarks/.cache/meetings``) with ``benchmarks/meetings/questions.jsonl``;
- ``real``: the real-voice recording of ``benchmarks/meetings/real_voice.json`` with
  ``benchmarks/meetings/real_voice_questions.jsonl``.

Every recording goes into one store (so each suite's recordings are distractors for the
other's questions), ingested with ``RecordingStore.ingest`` in a work folder (default
``benchmarks/.cache/meeting_eval``, kept so that a rerun reuses the transcripts and the
index; ``--fresh`` starts over, as needed after the chunking changed). Each question goes
through ``search(store, q, k)`` and, unless ``--no-ask``, through the answer function
(``--ask MODULE:FUNCTION``, called as ``ask(store, question)``; its result is the
``ask --json`` shape ``{"answer", "citations": [{"source", "start", "end", ...}]}`` or an
object with a ``citations`` attribute of such items). The meters are
``tests/helpers/retrieval_scoring.py``: a hit is found when it comes from the answer's
meeting and overlaps the answer turn; a citation is right inside the turn ± 1 s.

``--split`` keeps the questions of one half (the defaults of search and citations were tuned
on ``tune`` only): ``tune`` is the dev meetings' questions and, of each rendered meeting, its
1st, 3rd, 5th... question in ``questions.jsonl``; ``held`` is the 2nd, 4th... of each
rendered meeting, and the whole real-voice suite (never tuned on).

Prints a table per suite, or with ``--json`` one object: per suite the figures, the ask
figures, and every question's outcome.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from evaluation import answer_turn, first_citation_inside, score_hits, summarise_answers, summarise_search

from audio_tools.config import Settings

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "benchmarks" / "meetings"
DEV_DIR = ROOT / "examples" / "meetings"
RENDERED_DIR = ROOT / "benchmarks" / ".cache" / "meetings"
WORK_DIR = ROOT / "benchmarks" / ".cache" / "meeting_eval"
DEFAULT_ASK = "audio_tools.rag.answers:ask"
SUITES = ("synthetic", "real")
SHOWN_MISSES = 10
SPLITS = ("all", "tune", "held")
DEV_MEETINGS = ("design_review", "support_weekly")


@dataclass(frozen=True)
class Question:
    """One question of a suite, with its answer turn's meeting and index."""

    suite: str
    q: str
    meeting: str
    turn: int


@dataclass(frozen=True)
class Corpus:
    """Recordings (meeting name -> audio file), their truth (``truth.json`` format) and questions."""

    audio: dict[str, Path]
    truth: dict[str, Any]
    questions: list[Question]


def read_questions(path: Path, suite: str) -> list[Question]:
    """The questions of a ``questions.jsonl`` file (``{"q", "meeting", "turn"}`` per line)."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [Question(suite, row["q"], row["meeting"], int(row["turn"])) for row in rows]


def load_corpus(rendered: Path, suites: Sequence[str]) -> Corpus:
    """The dev meetings, the rendered meetings and the questions of ``suites``.

    Raises:
        SystemExit: a recording is missing (``render.py`` has not run).
    """
    truth: dict[str, Any] = json.loads((DEV_DIR / "truth.json").read_text())
    rendered_truth = rendered / "truth.json"
    if not rendered_truth.exists():
        sys.exit(f"{rendered_truth} is missing: run python benchmarks/meetings/render.py first")
    truth.update(json.loads(rendered_truth.read_text()))
    questions: list[Question] = []
    if "synthetic" in suites:
        questions += read_questions(DEV_DIR / "questions.jsonl", "synthetic")
        questions += read_questions(CORPUS / "questions.jsonl", "synthetic")
    if "real" in suites:
        questions += read_questions(CORPUS / "real_voice_questions.jsonl", "real")
    audio = {name: (DEV_DIR if (DEV_DIR / f"{name}.flac").exists() else rendered) / f"{name}.flac" for name in truth}
    missing = sorted({q.meeting for q in questions} - {name for name, path in audio.items() if path.exists()})
    if missing:
        sys.exit(f"no recording for {', '.join(missing)}: run python benchmarks/meetings/render.py first")
    return Corpus({name: path for name, path in audio.items() if path.exists()}, truth, questions)


def split_questions(questions: Sequence[Question], split: str) -> list[Question]:
    """The questions of one half (see the module docstring); ``all``: every one."""
    if split == "all":
        return list(questions)
    kept: list[Question] = []
    seen: dict[str, int] = {}
    for question in questions:
        if question.suite == "real":
            half = "held"
        elif question.meeting in DEV_MEETINGS:
            half = "tune"
        else:
            position = seen[question.meeting] = seen.get(question.meeting, -1) + 1
            half = "tune" if position % 2 == 0 else "held"
        if half == split:
            kept.append(question)
    return kept


def stage(audio: dict[str, Path], folder: Path) -> list[Path]:
    """Copies of the recordings in ``folder`` (in the work folder, the store's workspace), as paths.

    A copy whose size and modification time match its original is kept, so that a rerun
    finds the same files and the store has nothing new to ingest.
    """
    folder.mkdir(parents=True, exist_ok=True)
    staged = []
    for name, path in sorted(audio.items()):
        target = folder / f"{name}.flac"
        original = path.stat()
        if not (target.exists() and target.stat().st_size == original.st_size
                and target.stat().st_mtime == original.st_mtime):
            shutil.copy2(path, target)
        staged.append(target)
    return staged


def open_store(audio: dict[str, Path], workdir: Path, location: str | None = None) -> tuple[Any, list[Path], Settings]:
    """The eval's store (in ``workdir``, or at ``location``), the recordings staged for it, and its settings."""
    from audio_tools.rag.store import RecordingStore

    paths = stage(audio, workdir / "meetings")
    settings = Settings.from_env(workspace=workdir, store_dir=workdir / ".audio_store")
    return RecordingStore(settings, location=location), paths, settings


def ingest_all(store: Any, paths: Sequence[Path], workdir: Path, stt: str | None = None) -> float:
    """Ingests the staged recordings (nothing new on a rerun); the seconds it took.

    Raises:
        SystemExit: a recording failed to ingest.
    """
    started = time.perf_counter()
    ingested = store.ingest([path.relative_to(workdir).as_posix() for path in paths], stt=stt)
    elapsed = time.perf_counter() - started
    failed = [f"{f.path}: {f.reason}" for f in getattr(ingested, "files", []) if f.outcome == "failed"]
    if failed:
        sys.exit("ingest failed for " + "; ".join(failed))
    return elapsed


def load_function(spec: str) -> Callable[..., Any]:
    """The function ``MODULE:NAME`` names.

    Raises:
        ImportError: the module or the name is missing.
    """
    module, _, name = spec.partition(":")
    found = getattr(importlib.import_module(module), name, None)
    if not callable(found):
        msg = f"{module} has no function {name!r}"
        raise ImportError(msg)
    return found


def citations_of(result: Any) -> list[Any]:
    """An answer's citations as objects with ``source``, ``start`` and ``end`` (dicts or objects in)."""
    items = result.get("citations", []) if isinstance(result, dict) else getattr(result, "citations", [])
    return [SimpleNamespace(**item) if isinstance(item, dict) else item for item in items]


def run_search(store: Any, search: Callable[..., list[Any]], corpus: Corpus, k: int) -> list[dict[str, Any]]:
    """Every question through ``search``: its score, the top hit and the time taken."""
    rows = []
    for question in corpus.questions:
        answer = answer_turn(corpus.truth, question.meeting, question.turn)
        started = time.perf_counter()
        hits = search(store, question.q, k=k)
        elapsed = time.perf_counter() - started
        score = score_hits(hits, answer)
        top = hits[0] if hits else None
        rows.append({
            "suite": question.suite, "q": question.q, "meeting": question.meeting, "turn": question.turn,
            "turn_span": [answer.start, answer.end], "rank": score.rank, "cited": score.cited,
            "citation_s": score.citation_s, "chunk_s": score.chunk_s, "search_s": round(elapsed, 4),
            "top": None if top is None else {
                "source": top.source, "start": float(top.start), "end": float(top.end),
                "cite_start": float(top.cite_start), "cite_end": float(top.cite_end), "text": top.text,
                "speaker": getattr(top, "speaker", None)},
            "_score": score,
        })
    return rows


def run_ask(store: Any, ask: Callable[..., Any], corpus: Corpus) -> list[dict[str, Any]]:
    """Every question through ``ask``: whether its first citation is inside the answer turn."""
    rows = []
    for question in corpus.questions:
        answer = answer_turn(corpus.truth, question.meeting, question.turn)
        citations = citations_of(ask(store, question.q))
        first = citations[0] if citations else None
        rows.append({
            "suite": question.suite, "q": question.q, "meeting": question.meeting, "turn": question.turn,
            "inside": first_citation_inside(citations, answer),
            "first_citation": None if first is None else {"source": first.source, "start": float(first.start),
                                                           "end": float(first.end)},
        })
    return rows


def report(search_rows: list[dict[str, Any]], ask_rows: list[dict[str, Any]] | None, ask_note: str | None,
           suites: Sequence[str]) -> dict[str, Any]:
    """The figures per suite, and each question's outcome."""
    result: dict[str, Any] = {"suites": {}}
    for suite in suites:
        rows = [row for row in search_rows if row["suite"] == suite]
        figures = summarise_search([row["_score"] for row in rows])
        figures["median_search_s"] = round(statistics.median(r["search_s"] for r in rows), 4) if rows else None
        entry: dict[str, Any] = {"search": figures}
        if ask_rows is not None:
            entry["ask"] = summarise_answers([row["inside"] for row in ask_rows if row["suite"] == suite])
        else:
            entry["ask"] = {"skipped": ask_note}
        result["suites"][suite] = entry
    result["questions"] = [{key: value for key, value in row.items() if key != "_score"} for row in search_rows]
    if ask_rows is not None:
        result["ask_questions"] = ask_rows
    return result


def print_table(result: dict[str, Any]) -> None:
    """The figures as a table, then the questions the search missed or cited wrongly."""
    columns = [("recall@1", "recall_at_1"), ("recall@3", "recall_at_3"), ("cite acc", "citation_accuracy"),
               ("med cite s", "median_citation_s"), ("med chunk s", "median_chunk_s"), ("max chunk s", "max_chunk_s"),
               ("med search s", "median_search_s")]
    print(f"{'suite':<10} {'n':>3} " + " ".join(f"{title:>12}" for title, _ in columns) + f" {'ask 1st cite':>12}")
    for suite, entry in result["suites"].items():
        figures, ask = entry["search"], entry["ask"]
        cells = " ".join(f"{_cell(figures[key]):>12}" for _, key in columns)
        ask_cell = _cell(ask["first_citation_accuracy"]) if "first_citation_accuracy" in ask else "skipped"
        print(f"{suite:<10} {figures['questions']:>3} {cells} {ask_cell:>12}")
    for suite, entry in result["suites"].items():
        if "skipped" in entry["ask"]:
            print(f"ask ({suite}): skipped, {entry['ask']['skipped']}")
    misses = [row for row in result["questions"] if row["rank"] != 1 or not row["cited"]]
    if misses:
        print(f"\n{len(misses)} question(s) not found first or not cited inside the turn "
              f"(first {min(len(misses), SHOWN_MISSES)}):")
    for row in misses[:SHOWN_MISSES]:
        top = row["top"]
        got = "no hit" if top is None else (f"{Path(top['source']).stem} {top['start']:.1f}-{top['end']:.1f} "
                                            f"cite {top['cite_start']:.1f}-{top['cite_end']:.1f}")
        start, end = row["turn_span"]
        print(f"- {row['q']} want {row['meeting']} turn {row['turn']} ({start:.1f}-{end:.1f}), rank {row['rank']}; "
              f"top: {got}")


def _cell(value: Any) -> str:
    return "-" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("-k", type=int, default=5, help="hits per question (default 5; at least 3)")
    parser.add_argument("--stt", default=None, help="speech-to-text spec for ingest (default: the settings')")
    parser.add_argument("--store", default=None, help="store folder or http://HOST:PORT (default: in --workdir)")
    parser.add_argument("--workdir", type=Path, default=WORK_DIR, help=f"work folder (default {WORK_DIR})")
    parser.add_argument("--rendered", type=Path, default=RENDERED_DIR, help="render.py's output folder")
    parser.add_argument("--suite", nargs="+", choices=SUITES, default=list(SUITES), help="suites to run")
    parser.add_argument("--split", choices=SPLITS, default="all", help="one half of the questions (default all)")
    parser.add_argument("--ask", default=DEFAULT_ASK, help=f"answer function, MODULE:NAME (default {DEFAULT_ASK})")
    parser.add_argument("--no-ask", action="store_true", help="measure search only")
    parser.add_argument("--fresh", action="store_true", help="delete the work folder first (new store)")
    args = parser.parse_args()
    if args.k < 3:
        parser.error("-k must be at least 3 for recall@3")
    corpus = load_corpus(args.rendered, args.suite)
    corpus = Corpus(corpus.audio, corpus.truth, split_questions(corpus.questions, args.split))
    try:
        from audio_tools.rag.search import search
    except ImportError as e:
        sys.exit(f"the meeting store is not available ({e}); this eval needs audio_tools.rag.store and .search")
    if args.fresh and args.workdir.exists():
        shutil.rmtree(args.workdir)
    args.workdir = args.workdir.resolve()
    store, paths, settings = open_store(corpus.audio, args.workdir, args.store)
    try:
        ingest_s = ingest_all(store, paths, args.workdir, args.stt)
        search_rows = run_search(store, search, corpus, args.k)
        ask_rows, ask_note = None, "--no-ask"
        if not args.no_ask:
            try:
                ask_rows = run_ask(store, load_function(args.ask), corpus)
            except ImportError as e:
                ask_note = f"{args.ask} is not available ({e})"
    finally:
        getattr(store, "close", lambda: None)()
    result = report(search_rows, ask_rows, ask_note, args.suite)
    result.update({"k": args.k, "split": args.split, "stt": args.stt or settings.stt, "recordings": len(paths),
                   "audio_s": round(sum(corpus.truth[p.stem]["duration"] for p in paths), 1),
                   "ingest_s": round(ingest_s, 1)})
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{len(paths)} recordings, {result['audio_s']} s of audio, ingested in {result['ingest_s']} s "
          f"(stt {result['stt']}), k={args.k}, questions: {args.split}")
    print_table(result)


if __name__ == "__main__":
    main()
