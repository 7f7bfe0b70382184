"""Compose stage: clips + sound + subtitles -> movie.mp4 (one ffmpeg graph) and movie.srt."""

from moviefactory.compose.ffmpeg import ComposeInputs, ComposeResult, Loudness, compose, fit_size
from moviefactory.compose.subtitles import write_subtitles

__all__ = ["ComposeInputs", "ComposeResult", "Loudness", "compose", "fit_size", "write_subtitles"]
