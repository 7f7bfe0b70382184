"""Compose stage: clips + sound + subtitles -> movie.mp4 (one ffmpeg graph) and movie.srt."""

from moviefactory.compose.ffmpeg import ComposeInputs, ComposeResult, compose
from moviefactory.compose.subtitles import write_subtitles
from moviefactory.media import fit_size

__all__ = ["ComposeInputs", "ComposeResult", "compose", "fit_size", "write_subtitles"]
