"""The mix's options are defined once (``MIX_OPTIONS``); every layer that offers them follows that definition.

The layers: :class:`MixOptions` itself, the library's :func:`mix_speech_over_music` and
:func:`synthesize_story`, the tool's argument model and ``_execute``, and the ``mix`` and
``story`` commands. A default, bound or description restated by hand in any of them fails here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args, get_type_hints

import pytest
import typer
from typer.testing import CliRunner

from audio_tools.agents.cli.mix import MIX_FLAGS, mix_command, story_command
from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError
from audio_tools.mix import MixOptions, mix_speech_over_music
from audio_tools.mix_options import MIX_OPTIONS
from audio_tools.story import MIN_MUSIC_S, synthesize_story
from audio_tools.tools.inputs import MAX_MUSIC_S, MixInput, StoryInput, TextToMusicInput
from audio_tools.tools.mix import MixSpeechWithMusicTool

COMMANDS = {"mix": mix_command, "story": story_command}
NOT_MIX_OPTIONS = {"speech_path", "music_path", "format"}


def app_of(command: str) -> typer.Typer:
    app = typer.Typer()
    app.command(command)(COMMANDS[command])
    return app


def cli_numbers(command: str) -> dict[str, str | None]:
    """The help of the command's number (``float``) options, by flag, as the built command holds it."""
    hints = get_type_hints(COMMANDS[command])  # Annotated stripped: float | None
    numbers = {name for name, hint in hints.items() if float in get_args(hint)}
    params = typer.main.get_command(app_of(command)).params
    return {param.opts[0]: param.help for param in params if param.name in numbers}


def test_every_option_has_a_default_within_its_bounds_and_a_description() -> None:
    assert set(MIX_OPTIONS) == {"music_gain_db", "duck_db", "voice_band_duck_db", "intro_s", "outro_s", "fade_s",
                                "target_lufs", "true_peak_db"}
    defaults = MixOptions()
    for name, option in MIX_OPTIONS.items():
        assert option.low <= option.default <= option.high, name
        assert getattr(defaults, name) == option.default
        assert option.description.endswith(".") and option.unit, name


@pytest.mark.parametrize("name", list(MIX_OPTIONS))
def test_mix_options_accept_their_bounds_and_refuse_beyond(name: str) -> None:
    option = MIX_OPTIONS[name]
    assert getattr(MixOptions(**{name: option.low}), name) == option.low
    assert getattr(MixOptions(**{name: option.high}), name) == option.high
    for beyond in (option.low - 0.01, option.high + 0.01):
        with pytest.raises(InvalidInputError, match=f"{name} must be from {option.low:g} {option.unit} to "
                                                    f"{option.high:g} {option.unit}"):
            MixOptions(**{name: beyond})


def test_pads_and_fades_have_one_limit() -> None:
    """The limits this definition unified: the library allowed 300 s intros, the tool 60 s."""
    assert (MIX_OPTIONS["intro_s"].high, MIX_OPTIONS["outro_s"].high, MIX_OPTIONS["fade_s"].high) == (60, 60, 30)


def test_the_tool_schema_is_the_definition() -> None:
    properties = MixInput.model_json_schema()["properties"]
    offered = set(properties) - NOT_MIX_OPTIONS
    assert offered == {"intro_s", "outro_s", "duck_db", "music_gain_db"}
    for name in offered:
        option = MIX_OPTIONS[name]
        schema = properties[name]
        assert (schema["default"], schema["minimum"], schema["maximum"], schema["description"]) == (
            option.default, option.low, option.high, option.description), name


@pytest.mark.parametrize("function", [mix_speech_over_music, synthesize_story, MixSpeechWithMusicTool._execute])
def test_function_defaults_are_the_definition(function: Callable[..., Any]) -> None:
    parameters = inspect.signature(function).parameters
    offered = set(parameters) & set(MIX_OPTIONS)
    assert offered
    for name in offered:
        assert parameters[name].default == MIX_OPTIONS[name].default, name
    if function is mix_speech_over_music:
        assert offered == set(MIX_OPTIONS)
    if function is MixSpeechWithMusicTool._execute:
        assert offered == set(MixInput.model_fields) - NOT_MIX_OPTIONS


@pytest.mark.parametrize("command", list(COMMANDS))
def test_cli_help_is_the_definition(command: str) -> None:
    numbers = cli_numbers(command)
    assert numbers
    by_flag = {flag: name for name, flag in MIX_FLAGS.items()}
    for flag, help_text in numbers.items():
        option = MIX_OPTIONS[by_flag[flag]]  # a number option that is not a mix option fails here
        assert help_text == (f"{option.description} Range {option.low:g} to {option.high:g} {option.unit}; "
                             f"default {option.default:g}."), flag


@pytest.mark.parametrize(("command", "arguments"), [("mix", ["speech.wav", "music.wav"]),
                                                    ("story", ["Hello.", "--music-prompt", "calm piano"])])
def test_each_cli_flag_reaches_its_option(command: str, arguments: list[str], settings: Settings,
                                          tmp_path: Path) -> None:
    flags = set(cli_numbers(command))
    for name, flag in MIX_FLAGS.items():
        if flag not in flags:
            continue
        beyond = f"{MIX_OPTIONS[name].high + 1:g}"
        args = [*arguments, "-o", str(tmp_path / "out.wav"), flag, beyond]
        result = CliRunner().invoke(app_of(command), args, obj=settings)
        assert isinstance(result.exception, InvalidInputError), (flag, result.output)
        assert str(result.exception).startswith(f"{name} must be from"), flag


def test_the_music_ceiling_of_the_schemas_admits_the_default_cap() -> None:
    """The schemas' ceiling is fixed; the settings' cap, lower by default, applies under it."""
    assert Settings().max_music_s <= MAX_MUSIC_S
    music = TextToMusicInput.model_json_schema()["properties"]["duration_s"]
    (story, _) = StoryInput.model_json_schema()["properties"]["duration_s"]["anyOf"]
    assert music["maximum"] == story["maximum"] == MAX_MUSIC_S
    assert story["minimum"] == MIN_MUSIC_S
