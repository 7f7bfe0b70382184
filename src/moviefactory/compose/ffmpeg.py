"""Compose: clips, transitions, effects, narration, ducked music and subtitles -> one MP4, in ONE ffmpeg run.

The graph (N scenes, offsets from the script's durations; the xfade rules are in docs/design-notes.md):

  [clip_i] fps, setsar, format, settb, tpad+trim to d_i                                -> [v_i]
  [v_0][v_1] xfade(offset = L - X_1) or concat (cut) -> ... -> scale (lanczos), pad (letterbox) [-> ass]
  [fx_i]   aformat, apad+atrim to d_i, afade in/out over the transitions, adelay to start_i -> amix [fx]
  [nar_i]  aformat, adelay to start_i (the WAV holds its own lead-in)                -> amix [voice]
  [fx]+[voice] -> [fg] ; [music] sidechaincompress keyed by [fg] -> [bed]
  [bed]+[fg] amix -> loudnorm (two-pass values, EBU R128 -16 LUFS, TP -2 dBTP) -> aresample 48k -> [aout]

Loudness is exact because loudnorm runs in linear mode with values measured by a cheap audio-only pass
over the same audio graph (the only other ffmpeg run; it decodes no video).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from moviefactory.compose.subtitles import FONT_DIR, cues, fallback_files, missing_fonts, to_ass
from moviefactory.errors import ComposeError
from moviefactory.media import LoudnessStats, ffmpeg_exe, fit_size, probe
from moviefactory.spec import Movie, Transition
from moviefactory.timing import AUDIO_RATE, frame_count, narration_start_s
from moviefactory.workspace import TEMP_DIR_PREFIX, atomic_output

TARGET_LUFS = -16.0
# dBTP before AAC encoding. The encoder's overshoot reached +0.7 dB on spoken narration (espeak-ng transients:
# -1.5 in, -0.8 dBTP out, measured on the default movie), so -2.0 keeps the delivered file under -1 dBTP.
TARGET_TP = -2.0
TARGET_LRA = 11.0

XFADE = {
    Transition.crossfade: "fade",
    Transition.fade_black: "fadeblack",
    Transition.fade_white: "fadewhite",
    Transition.dissolve: "dissolve",
    Transition.wipe_left: "wipeleft",
    Transition.wipe_right: "wiperight",
    Transition.slide_left: "slideleft",
}


@dataclass(frozen=True)
class ComposeInputs:
    movie: Movie
    clips: list[Path]  # one per scene, in script order
    effects: list[Path | None]  # per scene, 48 kHz WAV of the scene's duration (or None)
    narration: list[
        Path | None
    ]  # per scene (or None), scene-aligned: t=0 is the scene's start (lead-in inside)
    music: Path | None = None  # the bed, movie length


@dataclass(frozen=True)
class ComposeResult:
    path: Path
    duration_s: float
    width: int
    height: int
    loudness: LoudnessStats | None  # as loudnorm measured its own output
    warnings: list[str] = field(default_factory=list)


def _fmt(x: float) -> str:
    return f"{x:.6f}".rstrip("0").rstrip(".") or "0"


def _filter_path(path: Path) -> str:
    r"""Escape a path for a filter option value inside a -filter_complex graph.

    Two levels, innermost first (ffmpeg-filters, "Notes on filtergraph escaping"): the option list
    `key=value:key=value` treats \ ' : as special; the graph treats \ ' [ ] , ; as special. Each level
    backslash-escapes its own characters in the output of the level before, so `t:mp` becomes `t\\\:mp`."""
    level1 = re.sub(r"([\\':])", r"\\\1", str(path))
    return re.sub(r"([\\'\[\],;])", r"\\\1", level1)


def audio_graph(inp: ComposeInputs, first_audio_input: int) -> tuple[list[str], list[Path], str | None]:
    """Filter chains for the audio mix (without loudnorm); returns (chains, input files, output label)."""
    movie = inp.movie
    timeline = movie.timeline()
    total = movie.total_duration_s()
    fmt = f"aformat=sample_fmts=fltp:sample_rates={AUDIO_RATE}:channel_layouts=stereo"
    chains: list[str] = []
    files: list[Path] = []
    idx = first_audio_input

    def add(path: Path) -> int:
        nonlocal idx
        files.append(path)
        idx += 1
        return idx - 1

    fx_labels: list[str] = []
    for i, (scene, slot, path) in enumerate(zip(movie.scenes, timeline, inp.effects, strict=True)):
        if path is None:
            continue
        k = add(path)
        fade_in = Movie.overlap_s(scene) if i > 0 else 0.05
        nxt = movie.scenes[i + 1] if i + 1 < len(movie.scenes) else None
        fade_out = Movie.overlap_s(nxt) if nxt else 0.3
        d = scene.duration_s
        ms = round(slot.start_s * 1000)
        chains.append(
            f"[{k}:a]{fmt},apad=whole_dur={_fmt(d)},atrim=0:{_fmt(d)},asetpts=PTS-STARTPTS,"
            f"afade=t=in:st=0:d={_fmt(max(fade_in, 0.01))},"
            f"afade=t=out:st={_fmt(d - max(fade_out, 0.01))}:d={_fmt(max(fade_out, 0.01))},"
            f"adelay={ms}|{ms}[fx{i}]"
        )
        fx_labels.append(f"[fx{i}]")
    voice_labels: list[str] = []
    for i, (slot, path) in enumerate(zip(timeline, inp.narration, strict=True)):
        if path is None:
            continue
        k = add(path)
        ms = round(narration_start_s(slot.start_s) * 1000)  # at the scene's start: the lead-in is in the WAV
        chains.append(f"[{k}:a]{fmt},asetpts=PTS-STARTPTS,adelay={ms}|{ms}[nar{i}]")
        voice_labels.append(f"[nar{i}]")

    def mix(labels: list[str], out: str) -> str | None:
        if not labels:
            return None
        if len(labels) == 1:
            chains.append(f"{labels[0]}anull[{out}]")
        else:
            chains.append(f"{''.join(labels)}amix=inputs={len(labels)}:normalize=0:duration=longest[{out}]")
        return f"[{out}]"

    fx = mix(fx_labels, "fxbus")
    voice = mix(voice_labels, "voicebus")
    fg = mix([x for x in (fx, voice) if x], "fg")
    bed = None
    if inp.music is not None:
        k = add(inp.music)
        chains.append(
            f"[{k}:a]{fmt},apad=whole_dur={_fmt(total)},atrim=0:{_fmt(total)},asetpts=PTS-STARTPTS[music]"
        )
        bed = "[music]"
        if fg:
            # Duck the music under the foreground. sidechaincompress needs its own copy of the key stream.
            chains.append(f"{fg}asplit=2[fgmix][fgkey]")
            # Narration ducks hard; effects alone duck gently (engines would otherwise hold it down).
            ratio = 8 if voice else 3
            chains.append(
                # Fixed 1024-sample frames on both sides: sidechaincompress works on whatever both inputs have
                # queued, and ffmpeg's threaded demuxers make that vary run to run (so did the output, by up
                # to 0.02 full scale); with equal frames it is deterministic.
                "[music]asetnsamples=n=1024:p=0[musicf];[fgkey]asetnsamples=n=1024:p=0[fgkeyf];"
                f"[musicf][fgkeyf]sidechaincompress=threshold=0.03:ratio={ratio}:attack=15:release=350:makeup=1[bed]"
            )
            bed, fg = "[bed]", "[fgmix]"
    final = mix([x for x in (bed, fg) if x], "mix")
    if final is None:
        return chains, files, None
    chains.append(f"{final}apad=whole_dur={_fmt(total)},atrim=0:{_fmt(total)},asetpts=PTS-STARTPTS[premix]")
    return chains, files, "[premix]"


def _timeout(movie: Movie, seconds_per_second: float) -> float:
    """A generous wall-clock bound for an ffmpeg run, so a wedged graph fails instead of hanging a render."""
    return 120.0 + seconds_per_second * movie.total_duration_s()


def _audio_args(files: list[Path]) -> list[str]:
    args: list[str] = []
    for f in files:
        args += ["-i", str(f)]
    return args


def _measure_loudness(inp: ComposeInputs) -> dict[str, str] | None:
    """Pass 1 of loudnorm over the audio graph alone: the values for the exact, linear second pass."""
    chains, files, label = audio_graph(inp, 0)
    if label is None:
        return None
    graph = ";".join(
        [*chains, f"{label}loudnorm=I={TARGET_LUFS}:TP={TARGET_TP}:LRA={TARGET_LRA}:print_format=json"]
    )
    cmd = [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        *(_audio_args(files)),
        "-filter_complex",
        graph,
        "-f",
        "null",
        "-",
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, check=False, timeout=_timeout(inp.movie, 0.5))
    except subprocess.TimeoutExpired as exc:
        raise ComposeError("loudness pass: ffmpeg stopped making progress") from exc
    if proc.returncode != 0:
        raise ComposeError(f"loudness pass failed: {proc.stderr.decode('utf-8', 'replace').strip()[-300:]}")
    return _parse_loudnorm(proc.stderr.decode("utf-8", "replace"))


def _parse_loudnorm(log: str) -> dict[str, str]:
    m = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", log, re.S)
    if not m:
        raise ComposeError("loudnorm printed no measurement")
    data: dict[str, str] = json.loads(m.group(0))
    return data


def compose(
    inp: ComposeInputs,
    out: Path,
    *,
    burn_subtitles: bool = False,
    preset: str = "veryfast",
    crf: int = 18,
    scratch: Path | None = None,
) -> ComposeResult:
    """Build the movie in one ffmpeg run and check that the result matches the timeline.

    Scratch files (the ASS subtitles and their fonts) go into a temp folder under `scratch` (the movie
    folder, where the next run's sweep removes what a killed run left), else under TMPDIR."""
    movie = inp.movie
    style = movie.style
    n = len(movie.scenes)
    if not (len(inp.clips) == len(inp.effects) == len(inp.narration) == n):
        raise ComposeError(f"compose needs one clip, effect and narration slot per scene ({n})")
    fps = style.fps
    out_w, out_h = style.output_width, style.output_height
    warnings: list[str] = []

    # 1. Video chains: normalise every clip (fps, size, format, timebase) and cut it to its exact length.
    # Transitions run at the clips' own size (all clips share the first clip's size); the one resample to
    # the output size happens after them, so xfade touches 4x fewer pixels than at a 2x output size.
    chains: list[str] = []
    infos = [probe(clip) for clip in inp.clips]
    src_w, src_h = infos[0].width, infos[0].height
    content = fit_size(src_w, src_h, out_w, out_h)
    for i, (scene, info) in enumerate(zip(movie.scenes, infos, strict=True)):
        d = scene.duration_s
        if info.duration_s < d - 1.0 / fps - 1e-6:
            warnings.append(f"scene {scene.id}: clip is {info.duration_s:.2f} s, padded to {d:.2f} s")
        size = "" if (info.width, info.height) == (src_w, src_h) else f"scale={src_w}:{src_h}:flags=lanczos,"
        chains.append(
            f"[{i}:v]fps={fps},{size}setsar=1,format=yuv420p,"
            f"tpad=stop_mode=clone:stop_duration={_fmt(d)},trim=duration={_fmt(d)},setpts=PTS-STARTPTS,"
            f"settb=AVTB[v{i}]"
        )
    # 2. Transitions: xfade at offset L - X (L: length so far), or concat for cuts.
    acc, length = "[v0]", movie.scenes[0].duration_s
    for k in range(1, n):
        scene = movie.scenes[k]
        x = Movie.overlap_s(scene)
        label = f"[x{k}]"
        if x == 0.0:
            chains.append(f"{acc}[v{k}]concat=n=2:v=1:a=0,settb=AVTB{label}")
        else:
            tr = XFADE[scene.transition_in]
            chains.append(
                f"{acc}[v{k}]xfade=transition={tr}:duration={_fmt(x)}:offset={_fmt(length - x)}{label}"
            )
        acc, length = label, length + scene.duration_s - x
    total = movie.total_duration_s()
    assert abs(length - total) < 1e-6, (length, total)
    # 3. Resample once to the content size, letterbox to the exact output frame, then (optionally) burn
    # subtitles from an ASS file.
    # No pad when the content fills the frame (768x320 -> 3072x1280): pad would copy every output frame
    # (5.9 MB each at that size) for nothing; the frames are byte-identical without it (benchmarks/RESULTS.md).
    letterbox = "" if content == (out_w, out_h) else f"pad={out_w}:{out_h}:(ow-iw)/2:(oh-ih)/2:color=black,"
    vlast = f"scale={content[0]}:{content[1]}:flags=lanczos,{letterbox}setsar=1"
    tmpdir = Path(tempfile.mkdtemp(prefix=f"{TEMP_DIR_PREFIX}compose-", dir=scratch))
    try:
        items = cues(movie)
        if burn_subtitles and items:
            ass = tmpdir / "subs.ass"
            have = fallback_files()
            ass.write_text(to_ass(items, width=out_w, height=out_h, fonts=have), encoding="utf-8")
            warnings += missing_fonts([c.text for c in items], have)
            fonts = tmpdir / "fonts"
            fonts.mkdir()
            for ttf in FONT_DIR.glob("*.ttf"):
                shutil.copy(ttf, fonts / ttf.name)
            for fallback in have.values():  # linked, not copied: a CJK collection is tens of MB
                (fonts / fallback.name).symlink_to(fallback)
            vlast += f",ass=filename={_filter_path(ass)}:fontsdir={_filter_path(fonts)}"
        chains.append(f"{acc}{vlast},format=yuv420p[vout]")

        # 4. Audio: the mix, then loudnorm with the measured values (linear mode: exact, no pumping).
        achains, afiles, alabel = audio_graph(inp, n)
        chains += achains
        if alabel is not None:
            m = _measure_loudness(inp)
            assert m is not None
            chains.append(
                f"{alabel}loudnorm=I={TARGET_LUFS}:TP={TARGET_TP}:LRA={TARGET_LRA}:"
                f"measured_I={m['input_i']}:measured_TP={m['input_tp']}:measured_LRA={m['input_lra']}:"
                f"measured_thresh={m['input_thresh']}:offset={m['target_offset']}:linear=true:print_format=json,"
                f"aresample={AUDIO_RATE},atrim=0:{_fmt(total)}[aout]"
            )
        else:
            warnings.append("no audio: silent track")
            chains.append(f"anullsrc=r={AUDIO_RATE}:cl=stereo,atrim=0:{_fmt(total)}[aout]")

        args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y"]
        for clip in inp.clips:
            args += ["-i", str(clip)]
        args += _audio_args(afiles)
        frames = frame_count(total, fps)
        with atomic_output(out) as tmp:
            args += [
                "-filter_complex",
                ";".join(chains),
                "-map",
                "[vout]",
                "-map",
                "[aout]",
                "-c:v",
                "libx264",
                "-preset",
                preset,
                "-crf",
                str(crf),
                "-pix_fmt",
                "yuv420p",
                "-profile:v",
                "high",
                "-r",
                str(fps),
                "-frames:v",
                str(frames),
                "-c:a",
                "aac",
                "-b:a",
                "192k",
                "-ar",
                str(AUDIO_RATE),
                "-metadata",
                f"title={movie.title}",
                "-metadata",
                "comment=made with MovieFactory",
                "-movflags",
                "+faststart",
                "-shortest",
                str(tmp),
            ]
            try:
                proc = subprocess.run(args, capture_output=True, check=False, timeout=_timeout(movie, 30.0))
            except subprocess.TimeoutExpired as exc:
                raise ComposeError("ffmpeg stopped making progress; the movie was not written") from exc
            log = proc.stderr.decode("utf-8", "replace")
            if proc.returncode != 0:
                tail = " | ".join(log.strip().splitlines()[-3:])
                raise ComposeError(f"ffmpeg failed ({proc.returncode}): {tail}")
            info = probe(tmp)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)

    # 5. Check: an xfade offset past an input's end makes ffmpeg exit 0 with a short file (design notes).
    if abs(info.num_frames - frames) > 1:
        raise ComposeError(f"composed movie has {info.num_frames} frames, the timeline needs {frames}")
    loud = None
    if alabel is not None:
        o = _parse_loudnorm(log)
        loud = LoudnessStats(float(o["output_i"]), float(o["output_lra"]), float(o["output_tp"]))
    return ComposeResult(out, info.num_frames / fps, info.width, info.height, loud, warnings)
