"""The model-facing text filter: relative paths, no private temp folders, escaped, clipped."""

from __future__ import annotations

import tempfile
from pathlib import Path

from audio_tools.tools.echo import clip, echo, escape, model_text

ROOT = Path("/srv/work/ws")


def test_paths_under_the_workspace_become_relative() -> None:
    assert model_text("No such file: /srv/work/ws/a b/c.wav. Check it.", ROOT) == "No such file: a b/c.wav. Check it."
    assert model_text("x (file:/srv/work/ws/c.wav: Invalid data)", ROOT) == "x (c.wav: Invalid data)"


def test_the_workspace_itself_is_named_in_words() -> None:
    assert model_text("'/etc/x' is outside the workspace /srv/work/ws (follow).", ROOT) == \
        "'/etc/x' is outside the workspace (follow)."
    assert model_text("give a path inside the workspace /srv/work/ws.", ROOT) == "give a path inside the workspace."
    assert model_text("Workspace /srv/work/ws is not a directory.", ROOT) == "Workspace is not a directory."
    assert model_text("in /srv/work/ws: nothing", ROOT) == "in the workspace: nothing"


def test_longer_paths_that_start_like_the_workspace_are_not_rewritten() -> None:
    for text in ("/srv/work/ws2/a.wav", "/srv/work/ws.bak", "/old/srv/work/ws/a.wav"):
        assert model_text(text, ROOT) == text


def test_private_temp_folders_leave_only_the_file_name() -> None:
    tmp = tempfile.gettempdir()
    assert model_text(f"bad ({tmp}/audio_tools-x1y2/base64_audio: Invalid)") == "bad (base64_audio: Invalid)"
    assert model_text(f"at {tmp}/a/b/c.wav and {tmp}x/d") == f"at c.wav and {tmp}x/d"


def test_a_workspace_at_the_filesystem_root_changes_nothing() -> None:
    assert model_text("No such file: /etc/a.wav", Path("/")) == "No such file: /etc/a.wav"


def test_control_bidi_zero_width_and_surrogates_are_escaped() -> None:
    assert escape("a\nb\r\x1b[2J\u202e\u2066\u200b\u2028\udcff é✓") == \
        "a\\nb\\r\\x1b[2J\\u202e\\u2066\\u200b\\u2028\\udcff é✓"


def test_clips_keep_both_ends() -> None:
    assert clip("abc", 3) == "abc"
    clipped = clip("a" * 50 + "z" * 50, 21)
    assert len(clipped) == 21 and clipped.startswith("a" * 15) and clipped.endswith("…zzzzz")
    assert len(echo("\n" * 100)) == 60
    assert len(model_text("x" * 10_000)) == 600
