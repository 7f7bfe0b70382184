"""The compose stage on synthetic clips: timeline, letterboxing, transitions, audio mix, loudness, subtitles."""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import numpy as np
import pytest

from moviefactory.compose import ComposeInputs, compose, fit_size, write_subtitles
from moviefactory.compose.subtitles import ass_escape, cues
from moviefactory.errors import ComposeError
from moviefactory.media import (
    AUDIO_RATE,
    measure_loudness,
    probe,
    read_audio,
    read_frames,
    write_video,
    write_wav,
)
from moviefactory.spec import Movie, Scene, Style, Transition

HOSTILE = 'He said: "50% [ok] {x} \\n" 🚗 — مرحبا שלום'
COLOURS = [(200, 40, 40), (40, 200, 40), (40, 40, 200), (220, 220, 40)]


def _clips(tmp: Path, n: int, seconds: float, fps: int, size: tuple[int, int]) -> list[Path]:
    w, h = size
    out = []
    for i in range(n):
        frames = [np.full((h, w, 3), COLOURS[i % 4], np.uint8) for _ in range(round(seconds * fps))]
        out.append(write_video(frames, tmp / f"clip{i}.mp4", fps=fps, size=size))
    return out


def _tone(tmp: Path, name: str, seconds: float, freq: float, amp: float) -> Path:
    t = np.arange(round(seconds * AUDIO_RATE)) / AUDIO_RATE
    x = amp * np.sin(2 * np.pi * freq * t)
    return write_wav(np.stack([x, x], 1), tmp / name)


def _movie(transitions: list[Transition], *, fps: int = 12, subtitle: str = "") -> Movie:
    scenes = [
        Scene(
            id=f"s{i + 1:02d}",
            prompt="p",
            duration_s=2.0,
            transition_in=t,
            transition_s=0.5,
            subtitle=subtitle or f"line {i + 1}",
        )
        for i, t in enumerate(transitions)
    ]
    style = Style(aspect="2.35:1", width=128, height=48, fps=fps, output_width=256, output_height=110)
    return Movie(request="r", title=f"Title {HOSTILE}", scenes=scenes, style=style)


@pytest.fixture(scope="module")
def composed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Movie, Path, Path]:
    tmp = tmp_path_factory.mktemp("compose")
    movie = _movie([Transition.crossfade, Transition.crossfade, Transition.cut, Transition.wipe_left])
    clips = _clips(tmp, 4, 2.0, 12, (128, 48))
    rng = np.random.default_rng(0)
    effects = [
        write_wav(0.05 * rng.standard_normal((2 * AUDIO_RATE, 2)), tmp / f"fx{i}.wav") for i in range(4)
    ]
    music = _tone(tmp, "music.wav", 7.0, 220.0, 0.3)
    out = compose(ComposeInputs(movie, clips, effects, [None] * 4, music), tmp / "movie.mp4")
    return movie, out.path, tmp


def test_duration_size_and_letterbox(composed: tuple[Movie, Path, Path]) -> None:
    movie, path, _ = composed
    info = probe(path)
    assert movie.total_duration_s() == pytest.approx(7.0)
    assert abs(info.num_frames - 7.0 * 12) <= 1
    assert (info.width, info.height) == (256, 110)
    frames = read_frames(path)
    _cw, ch = fit_size(128, 48, 256, 110)
    bar = (110 - ch) // 2
    mid = frames[len(frames) // 2].astype(float)
    assert mid[: bar - 1].mean() < 20 and mid[-(bar - 1) :].mean() < 20  # black bars
    assert mid[bar + 2 : 110 - bar - 2].mean() > 40  # picture between them


def test_scenes_appear_in_order_with_blended_crossfade_and_hard_cut(
    composed: tuple[Movie, Path, Path],
) -> None:
    movie, path, _ = composed
    frames = read_frames(path).astype(float)
    centre = frames[:, 40:70, 100:156].mean(axis=(1, 2))  # (F, 3) mean colour of the picture's centre
    for entry, colour in zip(movie.timeline(), COLOURS, strict=True):
        middle = round((entry.start_s + entry.end_s) / 2 * 12)
        assert np.abs(centre[middle] - colour).max() < 25, (entry.scene_id, centre[middle])
    # crossfade s01 -> s02 centred at 1.75 s: red and green both partly present
    blend = centre[round(1.75 * 12)]
    assert 60 < blend[0] < 180 and 60 < blend[1] < 180
    # the cut into s03 at 3.5 s changes colour within one frame
    before, after = centre[round(3.5 * 12) - 1], centre[round(3.5 * 12) + 1]
    assert np.abs(before - COLOURS[1]).max() < 25 and np.abs(after - COLOURS[2]).max() < 25


def test_loudness_on_target_and_true_peak_below_ceiling(composed: tuple[Movie, Path, Path]) -> None:
    _, path, _ = composed
    loud = measure_loudness(path)
    assert abs(loud.integrated_lufs - (-16.0)) <= 1.0
    assert loud.true_peak_dbtp <= -1.0
    audio = read_audio(path)
    assert audio.shape[0] == pytest.approx(7.0 * AUDIO_RATE, abs=AUDIO_RATE * 0.05)


def test_music_ducks_under_a_loud_effect(tmp_path: Path) -> None:
    movie = _movie([Transition.cut, Transition.cut, Transition.cut])
    clips = _clips(tmp_path, 3, 2.0, 12, (128, 48))
    rng = np.random.default_rng(1)
    quiet = write_wav(np.zeros((2 * AUDIO_RATE, 2)), tmp_path / "quiet.wav")
    # a loud high-pass noise burst in the middle scene (above the music's 220 Hz)
    noise = rng.standard_normal((2 * AUDIO_RATE, 2))
    noise = np.diff(noise, axis=0, prepend=0) * 0.3
    loud = write_wav(noise, tmp_path / "loud.wav")
    music = _tone(tmp_path, "music.wav", 6.0, 220.0, 0.3)
    res = compose(ComposeInputs(movie, clips, [quiet, loud, quiet], [None] * 3, music), tmp_path / "m.mp4")
    audio = read_audio(res.path)[:, 0]

    def band(a: float, b: float) -> float:  # 220 Hz energy between a and b seconds
        seg = audio[int(a * AUDIO_RATE) : int(b * AUDIO_RATE)]
        spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
        f = np.fft.rfftfreq(len(seg), 1 / AUDIO_RATE)
        return float(spec[(f > 200) & (f < 240)].sum())

    assert band(2.6, 3.8) < 0.6 * band(0.4, 1.6)


def test_hostile_text_survives_in_srt_metadata_and_burns_in(tmp_path: Path) -> None:
    movie = _movie([Transition.crossfade, Transition.crossfade], subtitle=HOSTILE)
    clips = _clips(tmp_path, 2, 2.0, 12, (128, 48))
    plain = compose(ComposeInputs(movie, clips, [None, None], [None, None], None), tmp_path / "plain.mp4")
    burned = compose(
        ComposeInputs(movie, clips, [None, None], [None, None], None),
        tmp_path / "burned.mp4",
        burn_subtitles=True,
    )
    write_subtitles(movie, tmp_path / "movie.srt", tmp_path / "movie.vtt")
    srt = (tmp_path / "movie.srt").read_text(encoding="utf-8")
    assert srt.count(HOSTILE) == 2 and "00:00:00,000 --> 00:00:01,750" in srt
    assert (tmp_path / "movie.vtt").read_text(encoding="utf-8").startswith("WEBVTT")
    with av.open(str(burned.path)) as c:
        assert c.metadata["title"] == movie.title
    a, b = read_frames(plain.path).astype(float), read_frames(burned.path).astype(float)
    diff = np.abs(a - b).mean(axis=(0, 3))  # (H, W)
    assert diff[80:].mean() > 3 * max(diff[:40].mean(), 0.05)  # text drawn in the lower part only
    assert plain.loudness is None and "no audio" in plain.warnings[0]


def test_ass_escape_keeps_text_literal() -> None:
    assert ass_escape("{\\b1}x\\N") == "\\{\\\u2060b1\\}x\\\u2060N"
    assert ass_escape("a\nb") == "a\\Nb"


def test_cues_do_not_overlap() -> None:
    movie = _movie([Transition.crossfade] * 4)
    items = cues(movie)
    assert all(a.end_s <= b.start_s for a, b in itertools.pairwise(items))


def test_mismatched_inputs_fail_early(tmp_path: Path) -> None:
    movie = _movie([Transition.crossfade] * 2)
    with pytest.raises(ComposeError, match="one clip"):
        compose(ComposeInputs(movie, [], [], [], None), tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()


def test_short_clip_is_padded_not_truncating_the_movie(tmp_path: Path) -> None:
    movie = _movie([Transition.crossfade] * 3)
    clips = _clips(tmp_path, 3, 1.0, 12, (128, 48))  # each clip is half its scene's length
    res = compose(ComposeInputs(movie, clips, [None] * 3, [None] * 3, None), tmp_path / "m.mp4")
    assert abs(probe(res.path).num_frames - movie.total_duration_s() * 12) <= 1
    assert any("padded" in w for w in res.warnings)
