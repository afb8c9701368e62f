"""Clustering window embeddings: automatic counts, given counts, stray windows."""

from __future__ import annotations

import numpy as np
import pytest

from audio_tools.errors import InvalidInputError
from audio_tools.speakers.cluster import MIN_GROUP_WINDOWS, centroids, check_counts, cluster, nearest


def voices(sizes: list[int], spread: float = 0.05, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around one random non-negative centre per voice; their true voice numbers."""
    rng = np.random.default_rng(seed)
    centres = rng.random((len(sizes), 256)) ** 4  # sparse-ish and far apart
    rows, truth = [], []
    for voice, size in enumerate(sizes):
        points = np.abs(centres[voice] + rng.normal(0, spread, (size, 256)) * centres[voice].mean())
        rows.append(points)
        truth += [voice] * size
    embeddings = np.concatenate(rows)
    return embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True), np.array(truth)


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    return len({(x, y) for x, y in zip(a, b, strict=True)}) == len(set(a)) == len(set(b))


@pytest.mark.parametrize("sizes", [[12], [10, 8], [6, 9, 7, 5]])
def test_automatic_count(sizes: list[int]) -> None:
    embeddings, truth = voices(sizes)
    groups = cluster(embeddings)
    assert same_partition(groups, truth)


def test_given_count_overrides() -> None:
    embeddings, _truth = voices([10, 8, 9])
    assert len(set(cluster(embeddings, num_speakers=2))) == 2
    assert len(set(cluster(embeddings, num_speakers=3))) == 3
    assert len(set(cluster(embeddings, num_speakers=50))) <= len(embeddings)


def test_minimum_and_maximum() -> None:
    embeddings, _ = voices([10, 8, 9])
    assert len(set(cluster(embeddings, max_speakers=2))) == 2
    one, _ = voices([20])
    assert len(set(cluster(one, min_speakers=2))) == 2
    assert len(set(cluster(embeddings, min_speakers=1, max_speakers=5))) == 3


def test_a_stray_window_joins_the_nearest_voice() -> None:
    embeddings, truth = voices([10, 10])
    odd = np.abs(np.random.default_rng(5).random(256)) ** 8
    with_stray = np.vstack([embeddings, odd / np.linalg.norm(odd)])
    groups = cluster(with_stray)
    assert len(set(groups)) == 2
    assert same_partition(groups[:-1], truth)
    # a given count is not spent on the stray window either
    assert same_partition(cluster(with_stray, num_speakers=2)[:-1], truth)
    assert MIN_GROUP_WINDOWS > 1


def test_tiny_inputs() -> None:
    assert cluster(np.zeros((0, 256))).shape == (0,)
    assert cluster(np.ones((1, 256)) / 16).tolist() == [0]


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"num_speakers": 0}, "num_speakers"),
    ({"min_speakers": -1}, "min_speakers"),
    ({"max_speakers": 2.5}, "max_speakers"),
    ({"num_speakers": True}, "num_speakers"),
    ({"min_speakers": 3, "max_speakers": 2}, "above"),
])
def test_bad_counts_are_refused(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        check_counts(kwargs.get("num_speakers"), kwargs.get("min_speakers"), kwargs.get("max_speakers"))  # type: ignore[arg-type]


def test_centroids_and_nearest() -> None:
    embeddings, truth = voices([5, 5])
    centres = centroids(embeddings, truth)
    assert np.allclose(np.linalg.norm(centres, axis=1), 1.0)
    assert (nearest(embeddings, centres) == truth).all()
