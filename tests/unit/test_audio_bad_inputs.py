"""Bad inputs through ``Workspace.resolve_input`` + ``load_audio``: each gets its typed error and
a message saying what went wrong and what to do, nothing is decoded, and nothing is written.

Truncation: a WAV cut inside its header is not audio and fails. A file cut inside its data
(WAV or MP3) still holds valid frames; like every player, ffmpeg decodes what is there, and so
do we: refusing it would make a recording that lost its last second unusable, and the caller
sees the shorter length. An MP3 cut inside its first frame holds no audio and fails.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from audio_tools.audio import SAMPLE_RATE, load_audio, probe, save_audio, stream_audio
from audio_tools.config import Settings
from audio_tools.errors import (
    AudioToolsError,
    FFmpegError,
    InputTooLargeError,
    InvalidAudioError,
    InvalidInputError,
    PathNotAllowedError,
)
from audio_tools.ffmpeg import input_args, probe_json, run_ffmpeg
from audio_tools.workspace import Workspace


@dataclass(frozen=True)
class Bad:
    """One bad input: the name given, the error expected, what the message must say."""

    name: str
    error: type[AudioToolsError]
    what: str  # regex: what went wrong
    todo: str  # regex: what to do
    caps: dict[str, Any] = field(default_factory=dict)


BAD_INPUTS = {
    "zero-byte file": Bad("empty.wav", InvalidAudioError, r"empty \(0 bytes\)", "Give a file that contains audio"),
    "text renamed .wav": Bad("notes.wav", InvalidAudioError, "not audio", "Give a WAV, MP3"),
    "PNG": Bad("picture.png", InvalidAudioError, "not audio", "Give a WAV, MP3"),
    "PNG renamed .wav": Bad("picture.wav", InvalidAudioError, "not audio", "Give a WAV, MP3"),
    "WAV cut in its header": Bad("cut_header.wav", InvalidAudioError, "not audio", "Give a WAV, MP3"),
    "MP3 cut in its first frame": Bad("cut_first_frame.mp3", InvalidAudioError, "not audio", "Give a WAV, MP3"),
    ".m3u8 playlist": Bad("list.m3u8", PathNotAllowedError, "is a playlist", "give the audio file"),
    "HLS playlist renamed innocent.wav": Bad(
        "innocent.wav", PathNotAllowedError, "playlist or script, not audio", "Give the audio file itself"
    ),
    "ffconcat script renamed .wav": Bad(
        "script.wav", PathNotAllowedError, "playlist or script, not audio", "Give the audio file itself"
    ),
    "concat protocol": Bad("concat:a|b", PathNotAllowedError, "URL or an ffmpeg protocol", "only local files"),
    "http URL": Bad("http://127.0.0.1/x", PathNotAllowedError, "URL or an ffmpeg protocol", "Download the file"),
    "file URL": Bad("file:/etc/passwd", PathNotAllowedError, "URL or an ffmpeg protocol", "only local files"),
    "subfile protocol": Bad(
        "subfile,,start,0,end,0,,:/etc/passwd", PathNotAllowedError, "ffmpeg protocol", "only local files"
    ),
    "../../etc/passwd": Bad("../../etc/passwd", PathNotAllowedError, r"contains '\.\.'", "inside the workspace"),
    "/etc/passwd": Bad("/etc/passwd", PathNotAllowedError, "outside the workspace", "Copy the file into"),
    "symlink escaping the root": Bad("link.wav", PathNotAllowedError, "outside the workspace", "Copy the file into"),
    "symlinked folder escaping": Bad(
        "linked_dir/secret.wav", PathNotAllowedError, "outside the workspace", "Copy the file into"
    ),
    "-i.wav": Bad("-i.wav", PathNotAllowedError, "starting with '-'", "Rename it"),
    "NUL in name": Bad("speech\x00.wav", PathNotAllowedError, "NUL byte", "plain file name"),
    "missing file": Bad("missing.wav", InvalidInputError, "No such file", "Check the name"),
    "a folder": Bad("folder", InvalidInputError, "not a regular file", "Give an audio file"),
    "over the size cap": Bad(
        "speech.wav", InputTooLargeError, r"over the 1 kB limit", "AUDIO_TOOLS_MAX_INPUT_BYTES",
        {"max_input_bytes": 1000},
    ),
    "over the duration cap": Bad(
        "speech.wav", InputTooLargeError, r"lasts .* s, over the 1 s limit", "AUDIO_TOOLS_MAX_DURATION_S",
        {"max_duration_s": 1.0},
    ),
}


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixels = zlib.compress(b"".join(b"\x00" + b"\x80" * 12 for _ in range(4)))
    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def speech_mp3(speech_wav: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("mp3")
    settings = Settings(workspace=folder)
    return save_audio(load_audio(speech_wav, settings=settings), SAMPLE_RATE, folder / "speech.mp3").read_bytes()


@dataclass(frozen=True)
class Tree:
    workspace: Workspace
    outside: Path
    secret: Path


@pytest.fixture
def tree(tmp_path: Path, workspace: Workspace, speech_wav: Path, speech_mp3: bytes) -> Tree:
    """The workspace holding every bad file, and a folder outside it with a real recording."""
    root = workspace.root
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = Path(shutil.copy(speech_wav, outside / "secret.wav"))
    wav = speech_wav.read_bytes()
    shutil.copy(speech_wav, root / "speech.wav")
    (root / "empty.wav").write_bytes(b"")
    (root / "notes.wav").write_text("Minutes of the meeting: nothing decided.\n" * 20)
    (root / "picture.png").write_bytes(_png())
    (root / "picture.wav").write_bytes(_png())
    (root / "cut_header.wav").write_bytes(wav[:30])
    (root / "cut_first_frame.mp3").write_bytes(speech_mp3[:100])
    (root / "list.m3u8").write_text(f"#EXTM3U\n#EXTINF:2.0,\n{secret}\n#EXT-X-ENDLIST\n")
    (root / "innocent.wav").write_text(
        f"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n#EXTINF:3.0,\n{secret}\n#EXT-X-ENDLIST\n"
    )
    (root / "script.wav").write_text(f"ffconcat version 1.0\nfile '{secret}'\n")
    (root / "link.wav").symlink_to(secret)
    (root / "linked_dir").symlink_to(outside, target_is_directory=True)
    shutil.copy(speech_wav, root / "-i.wav")
    (root / "folder").mkdir()
    return Tree(workspace, outside, secret)


def _snapshot(top: Path) -> dict[str, tuple[int, int]]:
    """Every entry under ``top``: (size, mtime) of files, links and folders."""
    found = {}
    for folder, dirs, files in os.walk(top):
        for name in [*dirs, *files]:
            path = Path(folder, name)
            info = path.lstat()
            found[str(path.relative_to(top))] = (info.st_size, info.st_mtime_ns)
    return found


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_gets_its_typed_error_and_writes_nothing(
    case: str,
    tree: Tree,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    spawns: list[Any],
) -> None:
    bad = BAD_INPUTS[case]
    private_tmp = tmp_path / "system-temp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    settings = tree.workspace.settings.with_(**bad.caps)
    before = _snapshot(tmp_path)

    with pytest.raises(bad.error) as caught:
        load_audio(tree.workspace.resolve_input(bad.name), settings=settings)

    message = str(caught.value)
    assert type(caught.value) is bad.error, message
    assert "\n" not in message and len(message) < 400, message
    assert re.search(bad.what, message) and re.search(bad.todo, message), message
    assert _snapshot(tmp_path) == before  # nothing written anywhere: workspace, outside, temp
    decoders = [s for s in spawns if Path(s.executable).name == "ffmpeg"]
    assert decoders == []  # refused before decoding started


def test_at_least_fifteen_bad_inputs() -> None:
    assert len(BAD_INPUTS) >= 15


def test_playlist_renamed_wav_is_refused_by_ffmpeg_itself(tree: Tree) -> None:
    """Below the content check, ffmpeg's format whitelist alone refuses the playlist."""
    innocent = tree.workspace.root / "innocent.wav"
    for script in (innocent, tree.workspace.root / "script.wav"):
        with pytest.raises(FFmpegError, match="not on whitelist") as caught:
            run_ffmpeg([*input_args(script), "-f", "f32le", "pipe:1"], timeout=30)
        assert "not on whitelist" in caught.value.stderr
    with pytest.raises(InvalidAudioError, match="not audio"):
        probe_json(innocent, timeout=30)


def test_playlist_renamed_wav_does_reach_outside_without_the_whitelist(tree: Tree) -> None:
    """Control: the threat is real. Plain ``ffmpeg -i`` follows the playlist out of the root."""
    innocent = tree.workspace.root / "innocent.wav"
    try:
        done = run_ffmpeg(["-i", str(innocent), "-f", "f32le", "pipe:1"], timeout=30)
    except FFmpegError as e:
        if tree.secret.name not in e.stderr:
            pytest.skip(f"this ffmpeg refuses the playlist on its own: {e.stderr.strip()[:200]}")
    else:
        assert len(done.stdout) > 0


def test_wav_cut_in_its_data_decodes_what_is_there(tree: Tree, speech_wav: Path) -> None:
    settings = tree.workspace.settings
    whole = load_audio(speech_wav, settings=settings)
    data = speech_wav.read_bytes()
    (tree.workspace.root / "half.wav").write_bytes(data[: 44 + (len(data) - 44) // 2])
    half = load_audio(tree.workspace.resolve_input("half.wav"), settings=settings)
    assert abs(half.size - whole.size // 2) <= 2
    np.testing.assert_array_equal(half, whole[: half.size])


def test_mp3_cut_in_its_data_decodes_its_first_part(tree: Tree, speech_mp3: bytes, speech_wav: Path) -> None:
    settings = tree.workspace.settings
    whole = load_audio(speech_wav, settings=settings)
    (tree.workspace.root / "half.mp3").write_bytes(speech_mp3[: len(speech_mp3) // 2])
    half = load_audio(tree.workspace.resolve_input("half.mp3"), settings=settings)
    assert 0.3 * whole.size < half.size < 0.7 * whole.size
    assert np.corrcoef(half, whole[: half.size])[0, 1] > 0.99


def test_header_understating_the_length_is_caught_while_decoding(tree: Tree) -> None:
    """ffprobe estimates an MP3 without a Xing header from its first frames' bitrate: a loud
    2 s start at 160 kb/s followed by 2 min at 8 kb/s probes as ~8 s. The duration cap must
    still hold, so decoding stops just past it."""
    root = tree.workspace.root
    parts = []
    for index, (seconds, rate) in enumerate(((2, "160k"), (120, "8k"))):
        part = root / f"part{index}.mp3"
        run_ffmpeg(
            ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=16000:duration={seconds}",
             "-c:a", "libmp3lame", "-b:a", rate, "-write_xing", "0", "-id3v2_version", "0", f"file:{part}"],
            timeout=60,
        )
        parts.append(part.read_bytes())
    (root / "lying.mp3").write_bytes(b"".join(parts))
    settings = tree.workspace.settings.with_(max_duration_s=30.0)
    lying = tree.workspace.resolve_input("lying.mp3")
    assert probe(lying, settings=settings).duration < 30.0

    with pytest.raises(InputTooLargeError, match="decodes to more than the 30 s limit"):
        load_audio(lying, settings=settings)
    with pytest.raises(InputTooLargeError, match="decodes to more than the 30 s limit"):
        for _ in stream_audio(lying, block_s=5.0, settings=settings):
            pass
    whole = load_audio(lying, settings=settings.with_(max_duration_s=200.0))
    assert whole.size / SAMPLE_RATE == pytest.approx(122.0, abs=0.5)  # MP3 frames without Xing keep padding


@pytest.mark.parametrize(("data", "error"), [(b"", InvalidAudioError), (b"RIFF\x00\x00", InvalidAudioError)])
def test_bad_bytes(data: bytes, error: type[AudioToolsError], settings: Settings) -> None:
    with pytest.raises(error):
        load_audio(data, settings=settings)


def test_bytes_over_size_cap(speech_wav: Path, settings: Settings) -> None:
    with pytest.raises(InputTooLargeError, match="over the 1 kB limit"):
        load_audio(speech_wav.read_bytes(), settings=settings.with_(max_input_bytes=1000))
