"""Where things land in the composed movie: narration timing, burned subtitles under hostile folder names,
CJK subtitles through the font fallback chain."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from moviefactory.compose import ComposeInputs, compose
from moviefactory.compose.subtitles import fallback_files, font_runs, missing_fonts
from moviefactory.media import read_audio, read_frames, write_video
from moviefactory.sound.backend import LibrarySound
from moviefactory.spec import Movie, Scene, Style, Transition
from moviefactory.timing import AUDIO_RATE, NARRATION_LEAD_IN_S, speech_onset_s


def _movie(subtitles: list[str], *, narration: list[str] | None = None) -> Movie:
    scenes = [
        Scene(
            id=f"s{i + 1:02d}",
            prompt="p",
            duration_s=2.0,
            transition_in=Transition.crossfade,
            transition_s=0.5,
            subtitle=sub,
            narration=(narration or [""] * len(subtitles))[i],
        )
        for i, sub in enumerate(subtitles)
    ]
    style = Style(aspect="2.35:1", width=128, height=48, fps=12, output_width=512, output_height=218)
    return Movie(request="r", title="t", scenes=scenes, style=style)


def _clips(tmp: Path, n: int) -> list[Path]:
    return [
        write_video([np.full((48, 128, 3), 90, np.uint8)] * 24, tmp / f"c{i}.mp4", fps=12, size=(128, 48))
        for i in range(n)
    ]


TTS_RATE = 22_050  # Hz; what espeak-ng writes
TONE_S = 0.6  # s of "speech" the stand-in engine says, after TTS_PAD_S of its own silence
TTS_PAD_S = 0.1


def _standin_tts(folder: Path) -> Path:
    """An executable with espeak-ng's command line (-v -s -w -f) that writes a 22.05 kHz mono WAV: 0.1 s
    of silence, then a 440 Hz tone burst of 0.6 s with a 5 ms ramp: speech with a known onset and length."""
    exe = folder / "standin-tts"
    exe.write_text(
        f"#!{sys.executable}\n"
        "import sys, wave\n"
        "import numpy as np\n"
        "a = sys.argv[1:]\n"
        f"t = np.arange(round({TONE_S} * {TTS_RATE})) / {TTS_RATE}\n"
        "x = 0.5 * np.sin(2 * np.pi * 440.0 * t) * np.minimum(1.0, t / 0.005)\n"
        f"x = np.concatenate([np.zeros(round({TTS_PAD_S} * {TTS_RATE})), x])\n"
        "with wave.open(a[a.index('-w') + 1], 'wb') as w:\n"
        f"    w.setnchannels(1); w.setsampwidth(2); w.setframerate({TTS_RATE})\n"
        "    w.writeframes((x * 32767).astype('<i2').tobytes())\n",
        encoding="utf-8",
    )
    exe.chmod(0o755)
    return exe


def _heard(audio: np.ndarray, from_s: float, to_s: float) -> tuple[float, float]:
    """(first, last) time in [from_s, to_s) where the track is louder than 10 % of that window's peak, s."""
    a, b = round(from_s * AUDIO_RATE), round(to_s * AUDIO_RATE)
    env = np.abs(audio[a:b])
    loud = np.flatnonzero(env > 0.1 * env.max())
    return (a + loud[0]) / AUDIO_RATE, (a + loud[-1]) / AUDIO_RATE


def test_speech_starts_one_lead_in_after_its_scene_in_the_composed_movie(tmp_path: Path) -> None:
    """The narration step (LibrarySound.narration with a stand-in engine) writes the scene's WAV; compose
    places it; speech is heard NARRATION_LEAD_IN_S after its scene starts, once (the doubled offset put it
    at 2 x lead-in), and lasts as long as the engine spoke."""
    engine = str(_standin_tts(tmp_path))
    sound = LibrarySound(home=tmp_path / "home", library=tmp_path / "lib", tts_engine=engine)
    movie = _movie(["", "", ""], narration=["first line", "", "third line"])  # crossfades: 0, 1.5, 3.0 s
    narration: list[Path | None] = []
    for scene in movie.scenes:
        track = sound.narration(movie, scene, tmp_path / f"{scene.id}-narration.wav")
        narration.append(None if track is None else track.path)
    assert narration[1] is None and not sound.notices
    res = compose(ComposeInputs(movie, _clips(tmp_path, 3), [None] * 3, narration, None), tmp_path / "m.mp4")
    audio = read_audio(res.path)[:, 0]  # decoded from the movie's AAC track
    for i in (0, 2):
        start = movie.timeline()[i].start_s
        on, off = _heard(audio, max(start - 0.5, 0.0), start + 1.4)
        print(f"scene {i + 1} at {start:.3f} s: speech from +{on - start:.4f} s to +{off - start:.4f} s")
        assert on == pytest.approx(speech_onset_s(start), abs=0.01), (i, on - start)  # not 2 x 0.15 s
        assert on - start == pytest.approx(0.15, abs=0.01)
        assert off - on == pytest.approx(TONE_S, abs=0.01)  # the engine's own silence was trimmed, all kept
    assert NARRATION_LEAD_IN_S == 0.15


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
    burned = compose(
        ComposeInputs(movie, clips, [None], [None], None),
        scratch / "burned.mp4",
        burn_subtitles=True,
        scratch=scratch,
    )
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
        res = compose(
            ComposeInputs(_movie([text]), clips, [None], [None], None),
            tmp_path / f"{i}.mp4",
            burn_subtitles=True,
            scratch=tmp_path,
        )
        assert not [w for w in res.warnings if "font" in w]
        bands.append(_subtitle_band(res.path))
    # Tofu boxes look the same for any text; real glyphs differ.
    assert (np.abs(bands[0] - bands[1]) > 60).sum() > 150


def test_font_runs_and_the_warning_when_no_font_covers_a_script() -> None:
    assert font_runs("hi 你好 🚗!") == [
        (None, "hi "),
        ("Noto Sans CJK SC", "你好"),
        (None, " "),
        ("Symbola", "🚗"),
        (None, "!"),
    ]
    warnings = missing_fonts(["plain", "日本語"], available={})
    assert len(warnings) == 1 and "fonts-noto-cjk" in warnings[0]
    assert missing_fonts(["plain text"], available={}) == []
