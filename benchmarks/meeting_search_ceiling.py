"""How far tuning the search's constants can take citation accuracy: tuned on every question at once.

Usage::

    python benchmarks/meetings/render.py            # once: renders the eval meetings (minutes)
    python benchmarks/meeting_search_ceiling.py [--rounds 2] [--random 100] [--seed 0] [--json]

``meeting_search_eval.py`` chooses the constants of :mod:`audio_tools.rag.search` and
:mod:`audio_tools.rag.citations` on its ``tune`` half and reports the ``held`` half apart. This
script asks the other question: if the constants were tuned on *all* the synthetic questions
(the test set itself, an over-fit that no default may use), how high would the top hit's
citation accuracy go? Two searches over the grid of :data:`GRID`:

- coordinate ascent from the shipped values: each constant in turn takes each value of its
  grid with the others held, and keeps the best (ties keep the current value), for
  ``--rounds`` passes or until a pass changes nothing;
- ``--random`` settings with every constant drawn from its grid at once (``--seed``), for the
  combinations one constant at a time does not reach.

Search runs as the eval's does (``k`` = 5, so that as many candidates are re-ranked). The store
is the eval's (``benchmarks/.cache/meeting_eval``, ingested as ``meeting_search_eval.py`` does;
do not run the two at once). Every figure is the synthetic suite's citation accuracy; the
real-voice suite is shown beside it.

If neither finds a setting above the shipped one, the gap to a target is not in the weights:
it needs another signal (a better model of meaning, a reader), not another weight.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from types import ModuleType
from typing import Any

from meeting_search_eval import RENDERED_DIR, WORK_DIR, Corpus, ingest_all, load_corpus, open_store, run_search

from audio_tools.rag import citations, search

EVAL_K = 5  # hits per question, as meeting_search_eval.py asks for
GRID: dict[tuple[ModuleType, str], tuple[float, ...]] = {
    (search, "PASSAGE_WEIGHT"): (0.0, 0.25, 0.5, 1.0, 2.0),
    (search, "CITATION_WEIGHT"): (0.0, 0.25, 0.5, 1.0, 2.0),
    (search, "RRF_K"): (10, 30, 60, 100),
    (search, "LEXICAL_WEIGHT"): (0.5, 1.0, 2.0),
    (search, "MIN_RERANKED"): (5, 10, 20),
    (citations, "SIMILARITY_WEIGHT"): (0.5, 1.0, 2.0, 3.0),
    (citations, "QUESTION_HANDOVER"): (0.5, 1.0, 1.5),
    (citations, "ANSWER_KIND_BONUS"): (0.0, 0.1, 0.2, 0.4),
    (citations, "ECHO_SHARE"): (0.3, 0.5, 0.7),
    (citations, "MIN_REPLY_S"): (0.0, 3.0, 6.0),
}


def accuracy(store: Any, corpus: Corpus) -> dict[str, float]:
    """Citation accuracy of the top hit per suite, with the constants as they are now."""
    cited: dict[str, list[bool]] = {}
    for row in run_search(store, search.search, corpus, EVAL_K):
        cited.setdefault(row["suite"], []).append(row["cited"])
    return {suite: round(sum(flags) / len(flags), 4) for suite, flags in cited.items()}


def explore(store: Any, corpus: Corpus, rounds: int, draws: int, seed: int) -> dict[str, Any]:
    """Coordinate ascent over :data:`GRID`, then ``draws`` random settings; the constants are put back as shipped."""
    shipped = {key: getattr(*key) for key in GRID}
    best = accuracy(store, corpus)
    result: dict[str, Any] = {"shipped": {name: value for (_, name), value in shipped.items()},
                              "shipped_accuracy": best, "tried": []}
    try:
        for round_index in range(rounds):
            changed = False
            for (module, name), values in GRID.items():
                for value in values:
                    kept = getattr(module, name)
                    if value == kept:
                        continue
                    setattr(module, name, value)
                    figures = accuracy(store, corpus)
                    result["tried"].append({"round": round_index + 1, "constant": name, "value": value, **figures})
                    if figures["synthetic"] > best["synthetic"]:
                        best, changed = figures, True
                    else:
                        setattr(module, name, kept)
            if not changed:
                break
        best_setting = {key: getattr(*key) for key in GRID}
        chance = random.Random(seed)  # noqa: S311 (a reproducible sample of settings, not a secret)
        for draw in range(draws):
            setting = {key: chance.choice(values) for key, values in GRID.items()}
            for (module, name), value in setting.items():
                setattr(module, name, value)
            figures = accuracy(store, corpus)
            result["tried"].append({"draw": draw + 1, **{name: value for (_, name), value in setting.items()},
                                    **figures})
            if figures["synthetic"] > best["synthetic"]:
                best, best_setting = figures, setting
        result["best"] = {name: value for (_, name), value in best_setting.items()}
        result["best_accuracy"] = best
    finally:
        for (module, name), value in shipped.items():
            setattr(module, name, value)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="passes over the constants at most (default 2)")
    parser.add_argument("--random", type=int, default=100, help="random settings to try (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random settings (default 0)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    args = parser.parse_args()
    corpus = load_corpus(RENDERED_DIR, ["synthetic", "real"])
    workdir = WORK_DIR.resolve()
    store, paths, _ = open_store(corpus.audio, workdir)
    started = time.perf_counter()
    try:
        ingest_all(store, paths, workdir)
        result = explore(store, corpus, args.rounds, args.random, args.seed)
    finally:
        store.close()
    result["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for row in result["tried"]:
        what = (f"round {row['round']}: {row['constant']} = {row['value']}" if "round" in row
                else f"random {row['draw']}")
        print(f"{what}: synthetic {row['synthetic']}, real {row.get('real')}")
    print(f"shipped {result['shipped_accuracy']}, best {result['best_accuracy']} with {result['best']} "
          f"({len(result['tried'])} settings, {result['seconds']} s)")


if __name__ == "__main__":
    main()
