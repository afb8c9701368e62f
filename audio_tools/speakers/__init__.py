"""Who spoke when: offline speaker labels from a small speaker encoder shipped in this package.

::

    from audio_tools.speakers import diarize, label_speakers

    turns = diarize("meeting.flac")                          # [SpeakerTurn(start, end, "S1"), ...]
    labelled = label_speakers(transcript, "meeting.flac")    # words and segments get S1, S2...
    labelled = label_speakers(transcript, "meeting.flac", num_speakers=3)

Nothing is downloaded: the encoder is resemblyzer's GE2E network (Apache-2.0), whose weights
ship in this package (:mod:`audio_tools.speakers.weights`) and run in a torch module of ours
(:mod:`audio_tools.speakers.encoder`) on a numpy mel front end (:mod:`audio_tools.speakers.mel`).
Voiced regions come from the Silero VAD that faster-whisper bundles. How the turns are found:
:mod:`audio_tools.speakers.turns`; how they reach a transcript: :mod:`audio_tools.speakers.labeller`.

Importing this package is cheap; torch, scipy and faster-whisper load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audio_tools.lazy import lazy_getattr

__all__ = ["SpeakerTurn", "assign_speakers", "diarize", "label_speakers", "speaker_count"]

_LAZY = {
    "SpeakerTurn": "audio_tools.speakers.turns",
    "diarize": "audio_tools.speakers.turns",
    "speaker_count": "audio_tools.speakers.turns",
    "assign_speakers": "audio_tools.speakers.labeller",
    "label_speakers": "audio_tools.speakers.labeller",
}

__getattr__ = lazy_getattr(__name__, _LAZY, globals())

if TYPE_CHECKING:
    from audio_tools.speakers.labeller import assign_speakers, label_speakers
    from audio_tools.speakers.turns import SpeakerTurn, diarize, speaker_count
