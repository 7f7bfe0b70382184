"""Where things land in the composed movie: narration timing, burned subtitles under hostile folder names,
CJK subtitles through the font fallback chain."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from moviefactory.compose import ComposeInputs, compose
from moviefactory.compose.subtitles import fallback_files, font_runs, missing_fonts
from moviefactory.media import AUDIO_RATE, read_audio, read_frames, write_video, write_wav
from moviefactory.sound.narration import LEAD_IN_S, Narrator
from moviefactory.spec import Movie, Scene, Style, Transition


def _movie(subtitles: list[str], *, narration: list[str] | None = None) -> Movie:
    scenes = [
        Scene(id=f"s{i + 1:02d}", prompt="p", duration_s=2.0, transition_in=Transition.crossfade, transition_s=0.5,
              subtitle=sub, narration=(narration or [""] * len(subtitles))[i])
        for i, sub in enumerate(subtitles)
    ]  # fmt: skip
    style = Style(aspect="2.35:1", width=128, height=48, fps=12, output_width=512, output_height=218)
    return Movie(request="r", title="t", scenes=scenes, style=style)


def _clips(tmp: Path, n: int) -> list[Path]:
    return [write_video([np.full((48, 128, 3), 90, np.uint8)] * 24, tmp / f"c{i}.mp4", fps=12, size=(128, 48))
            for i in range(n)]  # fmt: skip


def test_narration_starts_one_lead_in_after_its_scene(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The narration WAV holds its own lead-in; compose places it at the scene's start, not a lead-in later."""
    t = np.arange(round(0.6 * AUDIO_RATE)) / AUDIO_RATE
    tone = (0.5 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
    # the TTS engine is the only thing replaced: Narrator lays the speech out in its scene as it would
    monkeypatch.setattr(Narrator, "_speak", lambda self, text, wpm: np.stack([tone, tone], 1))
    narrator = Narrator("espeak-ng")
    narrator.exe = "espeak-ng"
    speech, _ = narrator.speak("a line", 2.0)
    nar = write_wav(speech, tmp_path / "nar.wav")
    movie = _movie(["", ""], narration=["", "a line"])
    res = compose(
        ComposeInputs(movie, _clips(tmp_path, 2), [None, None], [None, nar], None), tmp_path / "m.mp4"
    )
    audio = read_audio(res.path)[:, 0]
    env = np.abs(audio)
    onset = int(np.argmax(env > 0.1 * env.max())) / AUDIO_RATE
    scene2 = movie.timeline()[1].start_s
    assert scene2 == pytest.approx(1.5)
    assert onset == pytest.approx(scene2 + LEAD_IN_S, abs=0.02), onset  # was scene2 + 2 x lead-in


def _subtitle_band(path: Path) -> np.ndarray:
    frames = read_frames(path).astype(np.float32)
    return frames[len(frames) // 4, -60:, :, :]  # the bottom band of a frame inside the first cue


@pytest.mark.parametrize("name", ["t:mp", "it's", "back\\slash", "a,b[c];d e"])
def test_burned_subtitles_in_a_folder_with_filter_syntax_in_its_name(tmp_path: Path, name: str) -> None:
    scratch = tmp_path / name
    scratch.mkdir()
    movie = _movie(["Hello there"])
    clips = _clips(tmp_path, 1)
    plain = compose(ComposeInputs(movie, clips, [None], [None], None), tmp_path / "plain.mp4")
    burned = compose(ComposeInputs(movie, clips, [None], [None], None), scratch / "burned.mp4", burn_subtitles=True,
                     scratch=scratch)  # fmt: skip
    diff = np.abs(_subtitle_band(burned.path) - _subtitle_band(plain.path))
    assert (diff > 60).sum() > 150, (diff > 60).sum()  # white letters over grey and black
    assert sorted(p.name for p in scratch.iterdir()) == ["burned.mp4"]  # the scratch folder is gone


def test_cjk_subtitles_burn_in_as_glyphs_not_boxes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if "Noto Sans CJK SC" not in fallback_files():
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    # No system font lookup at all: only our fallback chain can find the glyphs.
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><fontconfig></fontconfig>\n', encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    clips = _clips(tmp_path, 1)
    bands = []
    for i, text in enumerate(["你好世界", "一二三四"]):
        res = compose(ComposeInputs(_movie([text]), clips, [None], [None], None), tmp_path / f"{i}.mp4",
                      burn_subtitles=True, scratch=tmp_path)  # fmt: skip
        assert not [w for w in res.warnings if "font" in w]
        bands.append(_subtitle_band(res.path))
    # Tofu boxes look the same for any text; real glyphs differ.
    assert (np.abs(bands[0] - bands[1]) > 60).sum() > 150


def test_font_runs_and_the_warning_when_no_font_covers_a_script() -> None:
    assert font_runs("hi 你好 🚗!") == [(None, "hi "), ("Noto Sans CJK SC", "你好"), (None, " "), ("Symbola", "🚗"),
                                       (None, "!")]  # fmt: skip
    warnings = missing_fonts(["plain", "日本語"], available={})
    assert len(warnings) == 1 and "fonts-noto-cjk" in warnings[0]
    assert missing_fonts(["plain text"], available={}) == []
