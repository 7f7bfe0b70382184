"""The time facts every stage shares, each with one owner: the audio rate, how many frames and samples a
duration is, how far a scene overlaps the one before it, and where its narration speaks.

Picture, sound and compose each work out lengths on their own; they agree to the frame and the sample only
because they all ask this module. It imports nothing from the project, so the script's own validation
(`spec.Movie`) can use the overlap rule without an import cycle.

A scene's place in the movie (seconds; X_i is scene i's overlap with scene i-1, X_0 = 0):

    start_0 = 0,   start_i = start_(i-1) + d_(i-1) - X_i,   end_i = start_i + d_i
    frames_i = frame_count(d_i, fps)                 (every picture backend renders exactly this many)
    narration WAV of scene i: t=0 at start_i, speech from NARRATION_LEAD_IN_S (the lead-in is inside the WAV)
"""

from __future__ import annotations

from collections.abc import Sequence

AUDIO_RATE = 48_000  # Hz; every intermediate WAV, the built-in library and the movie's AAC track
NARRATION_LEAD_IN_S = 0.15  # s of silence between a scene's start and its narration's first word


def frame_count(duration_s: float, fps: float) -> int:
    """Frames in `duration_s` seconds at `fps`: rounded to the nearest frame, never fewer than one."""
    return max(1, round(duration_s * fps))


def audio_samples(duration_s: float, rate: int = AUDIO_RATE) -> int:
    """Samples in a track of `duration_s` seconds (a scene's effects or narration, the music bed)."""
    return round(duration_s * rate)


def overlap_s(transition_s: float, *, cut: bool) -> float:
    """Seconds a scene overlaps the previous one: its transition's length, or 0 for a cut (no blend)."""
    return 0.0 if cut else transition_s


def scene_spans(durations: Sequence[float], overlaps: Sequence[float]) -> list[tuple[float, float]]:
    """(start_s, end_s) of each scene in the movie; `overlaps[i]` is scene i's overlap with scene i-1
    (`overlaps[0]` is ignored: nothing comes before the first scene)."""
    spans: list[tuple[float, float]] = []
    t = 0.0
    for i, (d, x) in enumerate(zip(durations, overlaps, strict=True)):
        if i > 0:
            t -= x
        spans.append((t, t + d))
        t += d
    return spans


def narration_start_s(scene_start_s: float) -> float:
    """Where a scene's narration WAV begins in the movie: at the scene's start. The WAV already holds its
    lead-in (`sound/narration.py` puts the speech NARRATION_LEAD_IN_S into it), so compose adds none."""
    return scene_start_s


def speech_onset_s(scene_start_s: float) -> float:
    """Where a scene's narration is heard to begin in the movie: one lead-in after the scene starts."""
    return narration_start_s(scene_start_s) + NARRATION_LEAD_IN_S
