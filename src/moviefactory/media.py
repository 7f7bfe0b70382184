"""Media I/O shared by every stage: the ffmpeg binary, clip writing/reading, audio writing/reading.

ffmpeg is always called with an argument list (never a shell), and user text never enters an argument that
ffmpeg parses as a filter graph: filter graphs are built from our own numbers and names only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import numpy as np

from moviefactory.errors import BackendError, ComposeError, InputError
from moviefactory.timing import AUDIO_RATE  # every intermediate WAV is AUDIO_RATE stereo float32
from moviefactory.workspace import atomic_output


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """MOVIEFACTORY_FFMPEG if set, else the binary shipped in the imageio-ffmpeg wheel."""
    env = os.environ.get("MOVIEFACTORY_FFMPEG")
    if env:
        found = shutil.which(env) or (env if Path(env).is_file() else None)
        if not found:
            raise BackendError(f"MOVIEFACTORY_FFMPEG={env!r} is not an executable")
        return found
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def run_ffmpeg(args: Sequence[str], *, what: str = "ffmpeg", timeout: float | None = None) -> None:
    """Run ffmpeg with `args` (no shell); raise ComposeError with the last lines of its log on failure."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ComposeError(f"{what}: ffmpeg timed out after {timeout} s") from exc
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise ComposeError(f"{what}: ffmpeg failed ({proc.returncode}): {' | '.join(tail)}")


def fit_size(src_w: int, src_h: int, out_w: int, out_h: int) -> tuple[int, int]:
    """The largest (content_w, content_h) with the source's aspect ratio that fits in out_w x out_h.

    Both are even (yuv420p needs even sizes) and at least 2. The content is letterboxed (bars above and
    below) when the source is wider than the frame, pillarboxed when it is taller; one side always equals
    the frame's side (rounded down to even), the other is rounded to the nearest even number.
    """
    for name, v in (("src_w", src_w), ("src_h", src_h), ("out_w", out_w), ("out_h", out_h)):
        if v <= 0:
            raise InputError(f"fit_size: {name} must be > 0, got {v}")
    even_w, even_h = out_w - out_w % 2, out_h - out_h % 2
    if src_w * out_h >= src_h * out_w:  # source at least as wide as the frame: full width, letterbox
        w = even_w
        h = 2 * round(even_w * src_h / src_w / 2)
    else:  # source taller: full height, pillarbox
        h = even_h
        w = 2 * round(even_h * src_w / src_h / 2)
    return max(2, min(w, even_w)), max(2, min(h, even_h))


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: Fraction
    num_frames: int
    duration_s: float
    has_audio: bool
    audio_rate: int | None = None


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    """Stream facts read with PyAV (the bundled ffmpeg ships no ffprobe). Frames are counted by decoding
    when the container does not say, so the number is exact."""
    import av

    with av.open(str(path)) as c:
        vs = c.streams.video[0] if c.streams.video else None
        aus = c.streams.audio[0] if c.streams.audio else None
        if vs is None:
            raise ComposeError(f"{path}: no video stream")
        n = vs.frames or sum(1 for _ in c.decode(video=0))
        fps = Fraction(vs.average_rate) if vs.average_rate else Fraction(0)
        dur = float(c.duration / 1_000_000) if c.duration else (n / float(fps) if fps else 0.0)
        return VideoInfo(
            width=vs.codec_context.width,
            height=vs.codec_context.height,
            fps=fps,
            num_frames=n,
            duration_s=dur,
            has_audio=aus is not None,
            audio_rate=aus.codec_context.sample_rate if aus is not None else None,
        )


def read_frames(path: str | os.PathLike[str], *, max_frames: int | None = None) -> np.ndarray:
    """Decode a video to (F, H, W, 3) uint8 RGB."""
    import av

    frames = []
    with av.open(str(path)) as c:
        for i, fr in enumerate(c.decode(video=0)):
            if max_frames is not None and i >= max_frames:
                break
            frames.append(fr.to_ndarray(format="rgb24"))
    if not frames:
        raise ComposeError(f"{path}: no frames decoded")
    return np.stack(frames)


def read_frames_at(path: str | os.PathLike[str], indices: Sequence[int]) -> np.ndarray:
    """Decode only the frames at `indices` (0-based, in the order given) to (len(indices), H, W, 3) uint8 RGB:
    seek to the keyframe before each and decode forward to it, instead of decoding the whole clip (a 30 s
    clip at 1536x640 is ~2 GB of RGB). Frames are numbered by presentation time at the stream's average
    rate; an index the stream does not reach raises ComposeError."""
    import av

    got: dict[int, np.ndarray] = {}
    wanted = set(indices)
    with av.open(str(path)) as c:
        if not c.streams.video:
            raise ComposeError(f"{path}: no video stream")
        vs = c.streams.video[0]
        rate, tb = Fraction(vs.average_rate or 0), Fraction(vs.time_base or 0)
        start = vs.start_time or 0
        if not rate or not tb:
            raise ComposeError(f"{path}: no frame rate to seek by")
        for want in sorted(wanted):
            if want in got:
                continue
            c.seek(start + int(want / rate / tb), stream=vs, backward=True, any_frame=False)
            for fr in c.decode(vs):
                if fr.pts is None:
                    continue
                at = round((fr.pts - start) * tb * rate)
                if at in wanted:
                    got.setdefault(at, fr.to_ndarray(format="rgb24"))
                if at >= want:
                    break
    missing = [i for i in indices if i not in got]
    if missing:
        raise ComposeError(f"{path}: no frame {missing[0]} (frames are 0-based)")
    return np.stack([got[i] for i in indices])


def write_video(
    frames: Iterable[np.ndarray],
    path: str | os.PathLike[str],
    *,
    fps: float,
    size: tuple[int, int],
    crf: int = 12,
    preset: str = "veryfast",
) -> Path:
    """Encode RGB uint8 frames of `size` (width, height) to an H.264 yuv420p MP4, atomically.

    The default CRF 12 is a near-transparent intermediate: clips are decoded again by compose, so the
    quality budget is spent on the final encode. x264 is deterministic for fixed settings and threads.
    """
    import imageio_ffmpeg

    w, h = size
    with atomic_output(path) as tmp:
        writer = imageio_ffmpeg.write_frames(
            str(tmp),
            (w, h),
            fps=fps,
            codec="libx264",
            pix_fmt_in="rgb24",
            pix_fmt_out="yuv420p",
            macro_block_size=2,
            # imageio-ffmpeg lets the encoder write to our stderr; only fatal lines, so a failure (a full
            # disk, say) reaches the user as our one-line error, not as ffmpeg's muxer log
            ffmpeg_log_level="fatal",
            output_params=["-crf", str(crf), "-preset", preset, "-threads", "1", "-movflags", "+faststart"],
            ffmpeg_timeout=0,
        )
        writer.send(None)
        count = 0
        for f in frames:
            if f.shape != (h, w, 3) or f.dtype != np.uint8:
                writer.close()
                raise ValueError(f"frame {count}: expected ({h}, {w}, 3) uint8, got {f.shape} {f.dtype}")
            writer.send(np.ascontiguousarray(f))
            count += 1
        writer.close()
        if count == 0:
            raise ValueError("no frames to write")
    return Path(path)


def write_wav(samples: np.ndarray, path: str | os.PathLike[str], *, rate: int = AUDIO_RATE) -> Path:
    """Write float samples (N,) or (N, C) in [-1, 1] to a float32 WAV, atomically."""
    import soundfile as sf

    data = np.asarray(samples, dtype=np.float32)
    with atomic_output(path) as tmp:
        sf.write(str(tmp), data, rate, subtype="FLOAT", format="WAV")
    return Path(path)


def read_audio(path: str | os.PathLike[str], *, rate: int = AUDIO_RATE, channels: int = 2) -> np.ndarray:
    """Decode any audio (or a video's audio track) to float32 (N, channels) at `rate` with ffmpeg."""
    cmd = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path),
        "-vn", "-f", "f32le", "-acodec", "pcm_f32le", "-ac", str(channels), "-ar", str(rate), "pipe:1",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise ComposeError(f"{path}: cannot decode audio: {' '.join(tail)}")
    return np.frombuffer(proc.stdout, dtype=np.float32).reshape(-1, channels).copy()


@dataclass(frozen=True)
class LoudnessStats:
    integrated_lufs: float
    range_lu: float
    true_peak_dbtp: float


def measure_loudness(path: str | os.PathLike[str]) -> LoudnessStats:
    """EBU R128 integrated loudness, loudness range and true peak of a file's audio (ffmpeg `ebur128`)."""
    import re

    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-vn", "-af", "ebur128=peak=true",
           "-f", "null", "-"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, check=False)
    log = proc.stderr.decode("utf-8", "replace")
    summary = log[log.rfind("Summary:") :]
    found = [
        re.search(p, summary)
        for p in (r"I:\s+(-?[\d.]+|-inf) LUFS", r"LRA:\s+(-?[\d.]+) LU", r"Peak:\s+(-?[\d.]+|-inf) dBFS")
    ]
    if proc.returncode != 0 or not all(found):
        raise ComposeError(f"{path}: cannot measure loudness")
    i, lra, tp = (float(m.group(1)) for m in found if m)
    return LoudnessStats(i, lra, tp)
