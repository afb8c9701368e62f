"""Grouping window embeddings by voice: average-linkage agglomerative clustering on cosine distance.

Every window starts as its own group; the two groups whose windows are closest on average
(cosine distance, ``1 - cos``) are merged, again and again. Without a speaker count, merging
stops once the closest groups are :data:`DEFAULT_THRESHOLD` apart; with one, it stops at that
many groups of at least :data:`MIN_GROUP_WINDOWS` windows. Either way, smaller groups (stray
windows: a window across a change of speaker, a laugh, a noise) are then dissolved, each window
joining the nearest large group. The encoder's embeddings are non-negative, so distances lie in
[0, 1].
"""

from __future__ import annotations

import numpy as np

from audio_tools.errors import InvalidInputError

__all__ = ["DEFAULT_THRESHOLD", "MIN_GROUP_WINDOWS", "centroids", "check_counts", "cluster", "nearest"]

# A group of fewer windows than this, when the count is automatic, is not a speaker of its own:
# it is usually one window across a change of speaker (turns without a pause), a laugh or a
# noise. Its windows join the nearest other group. One speaker's utterance of 2 s gives 2 windows.
MIN_GROUP_WINDOWS = 3
# The dev meetings (examples/meetings, three synthetic voices each) get their speaker counts for
# every threshold from 0.26 to 0.35. Real voices need more room: LibriSpeech readers (the
# test-other sample in resemblyzer's repository, 1 to 10 readers) are over-split below 0.33, and
# the synthetic harder cases merge voices above 0.35; all 27 cases (benchmarks/speakers.py
# --sweep) are right from 0.330 to 0.345. A narrow range: 0.335 is inside it with room each side.
DEFAULT_THRESHOLD = 0.335


def check_counts(num_speakers: int | None, min_speakers: int | None, max_speakers: int | None) -> None:
    """Refuse speaker counts that are not whole numbers from 1, or a minimum above the maximum.

    Raises:
        InvalidInputError: a count is not an int of at least 1, or ``min_speakers > max_speakers``.
    """
    for name, value in (("num_speakers", num_speakers), ("min_speakers", min_speakers),
                        ("max_speakers", max_speakers)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            msg = f"{name} must be a whole number from 1, not {value!r}."
            raise InvalidInputError(msg)
    if min_speakers is not None and max_speakers is not None and min_speakers > max_speakers:
        msg = f"min_speakers ({min_speakers}) is above max_speakers ({max_speakers}); swap or drop one."
        raise InvalidInputError(msg)


def cluster(
    embeddings: np.ndarray,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    num_speakers: int | None = None,
    min_speakers: int | None = None,
    max_speakers: int | None = None,
) -> np.ndarray:
    """A group number (0, 1, ...) for each embedding.

    Args:
        embeddings: unit vectors, shape ``(n, d)``.
        threshold: the cosine distance at which groups stop merging when the count is automatic.
        num_speakers: exactly this many groups (fewer only when there are fewer embeddings).
        min_speakers: at least this many when the count is automatic.
        max_speakers: at most this many when the count is automatic.

    Returns:
        int array of shape ``(n,)``.
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    check_counts(num_speakers, min_speakers, max_speakers)
    count = len(embeddings)
    if count == 0:
        return np.zeros(0, dtype=int)
    if count == 1:
        return np.zeros(1, dtype=int)
    tree = linkage(np.asarray(embeddings, dtype=np.float64), method="average", metric="cosine")
    if num_speakers is not None:
        target = min(num_speakers, count)
    else:
        groups = _without_stray(embeddings, fcluster(tree, threshold, criterion="distance"), 1)
        found = int(groups.max()) + 1
        target = min(max(found, min_speakers or 1), max_speakers or count, count)
        if target == found:
            return groups
    return _cut(tree, embeddings, target)


def _cut(tree: np.ndarray, embeddings: np.ndarray, target: int) -> np.ndarray:
    """``target`` groups: the coarsest cut of the tree with that many groups of at least
    :data:`MIN_GROUP_WINDOWS` windows, its smaller groups dissolved into them.

    A plain cut into ``target`` groups would spend groups on stray windows and merge two voices.
    When no cut has enough large groups, the plain cut is returned.
    """
    from scipy.cluster.hierarchy import fcluster

    for k in range(target, len(embeddings) + 1):
        groups = fcluster(tree, k, criterion="maxclust")
        if np.count_nonzero(np.bincount(groups) >= MIN_GROUP_WINDOWS) >= target:
            return _without_stray(embeddings, groups, target)
    return np.unique(fcluster(tree, target, criterion="maxclust"), return_inverse=True)[1]


def _without_stray(embeddings: np.ndarray, groups: np.ndarray, min_groups: int) -> np.ndarray:
    """Groups of fewer than :data:`MIN_GROUP_WINDOWS` windows dissolved: each window joins the nearest large group.

    When fewer than ``min_groups`` groups are large, the largest ``min_groups`` count as large.
    """
    groups = np.unique(groups, return_inverse=True)[1]
    sizes = np.bincount(groups)
    large = np.flatnonzero(sizes >= MIN_GROUP_WINDOWS)
    if len(large) < min_groups:
        large = np.sort(np.argsort(-sizes, kind="stable")[:min_groups])
    if len(large) == len(sizes) or len(large) == 0:
        return groups
    stray = ~np.isin(groups, large)
    centres = centroids(embeddings, groups)[large]
    groups = groups.copy()
    groups[stray] = large[nearest(embeddings[stray], centres)]
    return np.unique(groups, return_inverse=True)[1]


def centroids(embeddings: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each group's mean embedding, scaled to unit length: shape ``(groups, d)``."""
    means = np.stack([embeddings[groups == g].mean(axis=0) for g in range(int(groups.max()) + 1)])
    return means / np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)


def nearest(embeddings: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The index of the most similar centre (cosine) for each embedding."""
    return np.argmax(embeddings @ centres.T, axis=1)
