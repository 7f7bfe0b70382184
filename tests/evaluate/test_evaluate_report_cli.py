"""The per-movie report (rendered from a real movie folder) and the `evaluate` / `report` commands."""

from __future__ import annotations

import argparse
import html
import json
import re
from pathlib import Path

import numpy as np
import pytest
from evaluate_fixtures import colour_frames, moving_blobs

from moviefactory import media
from moviefactory.errors import InputError
from moviefactory.evaluate.cli import register
from moviefactory.evaluate.clipsim import ClipScorer
from moviefactory.evaluate.report import write_report
from moviefactory.media import measure_loudness
from moviefactory.spec import Movie, Scene, Style
from moviefactory.workspace import RunReport, Slot, Workspace

HOSTILE = '<script>alert("x")</script> & "quotes"'


def make_movie_folder(root: Path, *, with_manifest_loudness: bool) -> Movie:
    """Three scenes; s03 was never rendered. movie.mp4 carries a 440 Hz tone at -20 dBFS peak."""
    scenes = [
        Scene(id="s01", prompt="a red car on a coastal road", duration_s=1.0, subtitle=HOSTILE, seed=11,
              sound="engine roar"),
        Scene(id="s02", prompt="a blue airplane above the clouds", duration_s=1.0, seed=12),
        Scene(id="s03", prompt="the finish line", duration_s=1.0, seed=13),
    ]  # fmt: skip
    movie = Movie(
        request="a race between a car and an airplane",
        title=f"Race {HOSTILE}",
        logline="Who wins?",
        style=Style.for_aspect("1:1", fps=8),
        scenes=scenes,
    )
    clips = {"s01": colour_frames("red", 8, 32, seed=1), "s02": colour_frames("blue", 8, 32, seed=2)}
    ws = Workspace.create(root, request=movie.request, seed=7, settings={})
    ws.save_script(movie)
    for sid, frames in clips.items():
        media.write_video(frames, ws.paths.clip(sid), fps=8, size=(32, 32))
        ws.record(
            Slot.clip(sid), "k", backend="animatic v1", frames=len(frames), fps=8.0, width=32, height=32
        )
    allframes = np.concatenate(list(clips.values()))
    media.write_video(allframes, root / "video.mp4", fps=8, size=(32, 32))
    t = np.arange(2 * media.AUDIO_RATE) / media.AUDIO_RATE
    tone = 0.1 * np.sin(2 * np.pi * 440 * t)
    media.write_wav(np.stack([tone, tone], axis=1), root / "tone.wav")
    media.run_ffmpeg(
        [
            "-i",
            str(root / "video.mp4"),
            "-i",
            str(root / "tone.wav"),
            "-c:v",
            "copy",
            "-c:a",
            "aac",
            "-shortest",
            str(root / "movie.mp4"),
        ]
    )
    effects = ws.paths.effects("s01")
    media.write_wav(np.zeros((8, 2)), effects)
    ws.record(Slot.effects("s01"), "k", description="Engine roar (car_pass.wav)")
    media.write_wav(np.zeros((8, 2)), ws.paths.music)
    ws.record(Slot.music(), "k", description="driving drums")
    loud = (
        {"integrated_lufs": -16.0, "range_lu": 4.5, "true_peak_dbtp": -1.5}
        if with_manifest_loudness
        else None
    )
    ws.record(Slot.cut(), "k", duration_s=2.0, width=32, height=32, loudness=loud)
    ws.manifest.report = RunReport(
        warnings=["scene s03 failed: <b>boom</b>"], backends={"picture": "animatic v1", "sound": "library"}
    )
    ws.save_manifest()
    credits = [
        {"title": "Car pass", "source": "Freesound #123", "license": "CC BY 4.0", "attribution": HOSTILE}
    ]
    (root / "credits.json").write_text(
        json.dumps({"kind": "moviefactory-credits", "version": 1, "sounds": credits})
    )
    return movie


def test_measure_loudness_of_a_known_tone(tmp_path: Path) -> None:
    make_movie_folder(tmp_path, with_manifest_loudness=False)
    ld = measure_loudness(tmp_path / "movie.mp4")
    # a full-scale 1 kHz-ish sine reads about -3 LUFS; 0.1 amplitude is 20 dB lower
    assert ld.integrated_lufs is not None and -24 < ld.integrated_lufs < -19
    assert ld.true_peak_dbtp is not None and -21 < ld.true_peak_dbtp < -19
    assert ld.range_lu is not None and ld.range_lu < 1


def test_report_contains_every_scene_and_is_self_contained(tmp_path: Path, tiny_clip: Path) -> None:
    make_movie_folder(tmp_path, with_manifest_loudness=False)
    out = write_report(tmp_path, clip_model=tiny_clip)
    page = out.read_text(encoding="utf-8")
    assert out == tmp_path / "report.html"
    for sid in ("s01", "s02", "s03"):
        assert f'id="{sid}"' in page
    assert page.count('src="data:image/jpeg;base64,') == 6  # first/middle/last of the two rendered scenes
    assert "clip not rendered" in page  # s03
    assert "<script" not in page and html.escape(HOSTILE) in page  # user text is escaped everywhere
    assert "&lt;b&gt;boom&lt;/b&gt;" in page
    srcs = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert all(s.startswith("data:") or s == "movie.mp4" for s in srcs), srcs  # nothing external
    assert "measured (ebur128)" in page and re.search(r"-2\d\.\d LUFS", page)
    assert "Engine roar (car_pass.wav)" in page and "driving drums" in page and "CC BY 4.0" in page
    assert "animatic v1" in page and ">11<" in page  # backend and scene seed
    assert "CLIPSIM" in page and "tiny-clip" in page
    sims = [float(x) for x in re.findall(r"<dt>CLIPSIM</dt><dd>(-?[\d.]+)</dd>", page)]
    scorer = ClipScorer.from_pretrained(tiny_clip, device="cpu")
    for sim, sid, prompt in zip(
        sims, ("s01", "s02"), ("a red car on a coastal road", "a blue airplane above the clouds"), strict=True
    ):
        assert sim == pytest.approx(
            scorer.clipsim(media.read_frames(tmp_path / "scenes" / sid / "clip.mp4"), prompt), abs=1e-4
        )


def test_report_prefers_manifest_loudness_and_tolerates_missing_parts(tmp_path: Path) -> None:
    make_movie_folder(tmp_path, with_manifest_loudness=True)
    page = write_report(tmp_path).read_text(encoding="utf-8")
    assert "-16.0 LUFS" in page and "4.5 LU" in page and "-1.5 dBTP" in page
    for name in ("movie.json", "credits.json", "movie.mp4"):
        (tmp_path / name).unlink()
    page = write_report(tmp_path).read_text(encoding="utf-8")
    assert "No credits recorded" in page and "<video" not in page and 'id="s02"' in page
    with pytest.raises(InputError, match=r"script\.json"):
        write_report(tmp_path / "scenes")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="moviefactory")
    register(p.add_subparsers(dest="command"))
    return p


def test_evaluate_command_prints_table_and_writes_json(
    tmp_path: Path,
    colour_video_dir: Path,
    tiny_clip: Path,
    tiny_i3d: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    real = tmp_path / "real"
    for i, v in enumerate(moving_blobs(4, frames=8)):
        media.write_video(v, real / f"r{i}.mp4", fps=8, size=(32, 32))
    (tmp_path / "real.csv").write_text("path,caption\n" + "".join(f"real/r{i}.mp4,blob\n" for i in range(4)))
    movie_dir = tmp_path / "movie"
    make_movie_folder(movie_dir, with_manifest_loudness=True)
    args = parser().parse_args(
        [
            "evaluate",
            "--generated",
            str(colour_video_dir),
            "--generated",
            str(movie_dir),
            "--name",
            "Colours",
            "--name",
            "Movie",
            "--real",
            str(tmp_path / "real.csv"),
            "--fvd-model",
            str(tiny_i3d),
            "--clip",
            str(tiny_clip),
            "--json",
            str(tmp_path / "out.json"),
        ]
    )
    assert args.func(args) == 0
    printed = capsys.readouterr().out
    assert (
        re.search(r"Method\s*\|\s*FVD↓\s*\|\s*CLIPSIM↑", printed)
        and "Colours" in printed
        and "tiny-clip" in printed
    )
    data = json.loads((tmp_path / "out.json").read_text())
    colours, movie = data["methods"]
    assert colours["videos"] == 2 and movie["videos"] == 2 and data["real_videos"] == 4
    assert colours["fvd"] > 0 and colours["clipsim"] > 0.1  # both clips match their sidecar prompts
    assert any("padded" in w for w in colours["warnings"])  # 8-frame clips are shorter than 16

    args = parser().parse_args(["evaluate", "--generated", str(colour_video_dir)])
    with pytest.raises(InputError, match="nothing to compute"):
        args.func(args)
    args = parser().parse_args(["report", str(movie_dir)])
    assert args.func(args) == 0 and (movie_dir / "report.html").is_file()
