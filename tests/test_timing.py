"""timing.py, the one owner of the time facts: each rule with values, and the stages that ask it."""

from __future__ import annotations

import numpy as np
import pytest

from moviefactory import media
from moviefactory.sound import embed
from moviefactory.sound.builtin import synth
from moviefactory.sound.narration import Narrator
from moviefactory.spec import Movie, Scene, Style, Transition
from moviefactory.timing import (
    AUDIO_RATE,
    NARRATION_LEAD_IN_S,
    audio_samples,
    frame_count,
    narration_start_s,
    overlap_s,
    scene_spans,
    speech_onset_s,
)


def test_audio_rate_is_48_khz_and_the_stages_use_that_one() -> None:
    assert AUDIO_RATE == 48_000
    assert media.AUDIO_RATE is AUDIO_RATE and synth.SR is AUDIO_RATE
    assert embed.CLAP_RATE == 48_000  # CLAP's own rate: a fact of that model, kept in sound/embed.py


@pytest.mark.parametrize(
    ("duration_s", "fps", "frames"),
    [
        (2.0, 24, 48),
        (2.02, 24, 48),  # 48.48 rounds down
        (2.03, 24, 49),  # 48.72 rounds up
        (1.25, 2, 2),  # 2.5: Python rounds half to even
        (1.75, 2, 4),  # 3.5: half to even, up
        (0.5, 1, 1),  # round(0.5) is 0, but a scene always has a frame
        (30.0, 60, 1800),  # the longest scene at the highest rate
    ],
)
def test_frame_count(duration_s: float, fps: int, frames: int) -> None:
    assert frame_count(duration_s, fps) == frames


def test_audio_samples() -> None:
    assert audio_samples(2.0) == 96_000
    assert audio_samples(1 / 3) == 16_000
    assert audio_samples(0.5, rate=22_050) == 11_025
    assert audio_samples(1e-6) == 0


def test_transition_overlap() -> None:
    assert overlap_s(0.5, cut=False) == 0.5
    assert overlap_s(0.8, cut=True) == 0.0
    cut = Scene(id="b", prompt="p", transition_in=Transition.cut, transition_s=0.8)
    assert Movie.overlap_s(cut) == 0.0
    assert (
        Movie.overlap_s(Scene(id="c", prompt="p", transition_in=Transition.wipe_left, transition_s=0.7))
        == 0.7
    )


def test_scene_spans_and_the_movie_timeline() -> None:
    # the first overlap is ignored; later scenes start their overlap before the previous one ends
    assert scene_spans([2.0, 2.0, 3.0], [0.9, 0.5, 0.0]) == [(0.0, 2.0), (1.5, 3.5), (3.5, 6.5)]
    assert scene_spans([], []) == []
    with pytest.raises(ValueError):
        scene_spans([2.0], [])
    scenes = [
        Scene(id="a", prompt="p", duration_s=2.0, transition_s=0.9),
        Scene(id="b", prompt="p", duration_s=2.0, transition_in=Transition.crossfade, transition_s=0.5),
        Scene(id="c", prompt="p", duration_s=3.0, transition_in=Transition.cut, transition_s=0.5),
    ]
    movie = Movie(request="r", title="t", scenes=scenes)
    assert [(e.scene_id, e.start_s, e.end_s) for e in movie.timeline()] == [
        ("a", 0.0, 2.0),
        ("b", 1.5, 3.5),
        ("c", 3.5, 6.5),
    ]
    assert movie.total_duration_s() == 6.5


def test_a_transition_as_long_as_a_neighbour_is_refused() -> None:
    scenes = [
        Scene(id="a", prompt="p", duration_s=1.0),
        Scene(id="b", prompt="p", duration_s=2.0, transition_s=1.0),
    ]
    with pytest.raises(ValueError, match="transition_s"):
        Movie(request="r", title="t", scenes=scenes)
    scenes[1] = scenes[1].model_copy(update={"transition_in": Transition.cut})  # a cut overlaps nothing
    assert Movie(request="r", title="t", scenes=scenes).total_duration_s() == 3.0


def test_narration_offset_is_applied_once() -> None:
    assert NARRATION_LEAD_IN_S == 0.15
    assert narration_start_s(1.5) == 1.5  # the WAV goes at its scene's start ...
    assert speech_onset_s(1.5) == pytest.approx(1.65)  # ... and holds the lead-in itself


def test_the_narration_wav_holds_the_lead_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """Narrator.speak lays the line out in its scene: silence for the lead-in, then the speech, to the
    scene's exact length in samples (only the TTS engine is replaced)."""
    tone = np.full((AUDIO_RATE // 2, 2), 0.25, np.float32)
    monkeypatch.setattr(Narrator, "_speak", lambda self, text, wpm: tone)
    narrator = Narrator("espeak-ng")
    audio, wpm = narrator.speak("a line", 2.0)
    assert audio.shape == (audio_samples(2.0), 2) and wpm == 165
    first = int(np.flatnonzero(np.abs(audio[:, 0]) > 0)[0])
    assert first == round(NARRATION_LEAD_IN_S * AUDIO_RATE) == 7200
    assert np.count_nonzero(audio[:, 0]) == AUDIO_RATE // 2


def test_the_animatic_plans_the_timing_frame_count() -> None:
    from moviefactory.picture.animatic.render import plan_scene

    style = Style.for_aspect("16:9", fps=12, scale=1)
    for duration_s, frames in [(0.5, 6), (1.3, 16), (2.04, 24)]:  # 6.0, 15.6, 24.48 frames
        scene = Scene(id="a", prompt="a red car drives along a road", duration_s=duration_s)
        movie = Movie(request="r", title="t", scenes=[scene], style=style)
        assert plan_scene(movie, scene).num_frames == frame_count(duration_s, 12) == frames
