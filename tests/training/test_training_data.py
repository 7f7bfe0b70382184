"""Training data: spec parsing, WebVid CSV layouts, frame sampling at a target fps, skipping bad videos."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from moviefactory.errors import InputError
from moviefactory.training.data import (
    DataSource,
    MicroBatches,
    VideoDataset,
    VideoSkip,
    collate,
    crop_flip_resize,
    parse_data_spec,
    read_frames_at,
)

DOMAINS = ["webvid", "hdvg", "movie"]


def _gray(frame: np.ndarray) -> int:
    return int(frame[-1, -1].mean())  # bottom-right corner: background only


def test_parse_data_spec(tmp_path: Path) -> None:
    (tmp_path / "v").mkdir()
    (tmp_path / "a.csv").write_text("videoid,page_dir,name\n")
    src = parse_data_spec(f"webvid:{tmp_path / 'a.csv'}:{tmp_path / 'v'}@hdvg")
    assert (src.kind, src.csv, src.root, src.domain) == ("webvid", tmp_path / "a.csv", tmp_path / "v", "hdvg")
    assert src.resolved_domain("webvid") == "hdvg"
    folder = parse_data_spec(f"folder:{tmp_path / 'v'}")
    assert folder.domain is None and folder.resolved_domain(None) == "movie"
    assert folder.resolved_domain("webvid") == "webvid"
    with pytest.raises(InputError, match="kind must be"):
        parse_data_spec(f"images:{tmp_path}")
    with pytest.raises(InputError, match="does not exist"):
        parse_data_spec(f"folder:{tmp_path / 'nope'}")
    with pytest.raises(InputError, match="webvid:CSV:VIDEO_DIR"):
        parse_data_spec(f"webvid:{tmp_path / 'a.csv'}")


def test_webvid_csv_both_layouts_missing_and_short(tmp_path: Path, make_clip: Callable[..., Path]) -> None:
    videos = tmp_path / "videos"
    make_clip(videos / "000001_000050" / "11.mp4", 24, caption=None)  # WebVid download layout
    make_clip(videos / "22.mp4", 24, caption=None)  # flat layout
    make_clip(videos / "000001_000050" / "44.mp4", 24, caption=None)
    rows = [
        ("11", "http://x/11", "PT00H00M03S", "000001_000050", "a red square"),
        ("22", "http://x/22", "PT00H00M03S", "000001_000050", "a blue square"),
        ("33", "http://x/33", "PT00H00M03S", "000001_000050", "never downloaded"),
        ("44", "http://x/44", "PT00H00M01S", "000001_000050", "too short for 16 frames at 8 fps"),
    ]
    with (tmp_path / "results.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["videoid", "contentUrl", "duration", "page_dir", "name"])
        w.writerows(rows)
    src = parse_data_spec(f"webvid:{tmp_path / 'results.csv'}:{videos}")
    ds = VideoDataset([src], domains=DOMAINS, size=(32, 16), num_frames=16, fps=8, caption_dropout=0.0)
    assert len(ds) == 2
    assert ds.index_skips.counts == {"missing": 1, "too_short": 1}
    sample = ds[0]
    assert sample is not None and sample.pixels is not None
    assert sample.pixels.shape == (16, 3, 16, 32)
    assert sample.caption in ("a red square", "a blue square")
    assert sample.domain_id == DOMAINS.index("webvid")
    assert float(sample.pixels.min()) >= -1.0 and float(sample.pixels.max()) <= 1.0


def test_webvid_csv_without_required_columns(tmp_path: Path) -> None:
    (tmp_path / "v").mkdir()
    (tmp_path / "bad.csv").write_text("id,url\n1,x\n")
    src = DataSource("webvid", tmp_path / "v", tmp_path / "bad.csv")
    with pytest.raises(InputError, match="lacks column"):
        VideoDataset([src], domains=DOMAINS, size=(32, 16), num_frames=1, fps=8)


def test_frames_sampled_at_target_fps_from_timestamps(tmp_path: Path, make_clip: Callable[..., Path]) -> None:
    # a 24 fps source sampled at 8 fps keeps every third frame: background gray steps of 3 * 8
    path = make_clip(tmp_path / "fast.mp4", 24, fps=24, caption=None)
    frames = read_frames_at(str(path), 6, 8.0, np.random.default_rng(3))
    steps = np.diff([_gray(f) for f in frames])
    assert np.all(np.abs(steps - 24) <= 2), steps
    # same-rate source: consecutive frames
    path8 = make_clip(tmp_path / "same.mp4", 24, fps=8, caption=None)
    steps8 = np.diff([_gray(f) for f in read_frames_at(str(path8), 16, 8.0, np.random.default_rng(4))])
    assert np.all(np.abs(steps8 - 8) <= 2), steps8
    # independent frames (stage 1): sorted random times, anywhere in the video
    ind = [_gray(f) for f in read_frames_at(str(path8), 4, 8.0, np.random.default_rng(5), independent=True)]
    assert ind == sorted(ind) and len(set(ind)) > 1


def test_bad_videos_are_skipped_and_counted(tmp_path: Path, make_clip: Callable[..., Path]) -> None:
    good = make_clip(tmp_path / "good.mp4", 24)
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "empty.txt").write_text("zero-length")
    data = good.read_bytes()
    (tmp_path / "truncated.mp4").write_bytes(data[: len(data) // 2])
    (tmp_path / "truncated.txt").write_text("truncated")
    (tmp_path / "notes.mp4").write_text("this is a text file, not a video\n" * 20)
    (tmp_path / "notes.txt").write_text("text renamed")
    make_clip(tmp_path / "short.mp4", 3, caption="three frames only")  # 0.375 s < 8 frames at 8 fps
    make_clip(tmp_path / "nocaption.mp4", 24, caption=None)
    rng = np.random.default_rng(0)
    for name, reasons in [
        ("empty", {"unreadable", "no_video"}),
        ("truncated", {"unreadable", "too_short"}),
        ("notes", {"unreadable"}),
        ("short", {"too_short"}),
    ]:
        with pytest.raises(VideoSkip) as info:
            read_frames_at(str(tmp_path / f"{name}.mp4"), 8, 8.0, rng)
        assert info.value.reason in reasons, (name, info.value.reason)

    ds = VideoDataset([DataSource("folder", tmp_path)], domains=DOMAINS, size=(32, 16), num_frames=8, fps=8,
                      caption_dropout=0.0)  # fmt: skip
    assert len(ds) == 5 and ds.index_skips.counts == {"missing_caption": 1}
    batch = collate([ds[p] for p in range(len(ds))])  # every video is each position's first candidate once
    assert batch["pixels"] is not None and batch["pixels"].shape[1:] == (8, 3, 16, 32)
    assert set(batch["captions"]) == {"a square slides"}  # only the good clip survives
    skipped = {Path(p).stem for p, _ in batch["skipped"]}
    assert skipped == {"empty", "truncated", "notes", "short"}


def test_nothing_readable_is_an_input_error(tmp_path: Path, make_clip: Callable[..., Path]) -> None:
    with pytest.raises(InputError, match="no usable videos"):
        VideoDataset([DataSource("folder", tmp_path)], domains=DOMAINS, size=(32, 16), num_frames=1, fps=8)
    with pytest.raises(InputError, match="not one of"):
        make_clip(tmp_path / "a.mp4", 4)
        VideoDataset(
            [DataSource("folder", tmp_path, domain="laion")],
            domains=DOMAINS,
            size=(32, 16),
            num_frames=1,
            fps=8,
        )


def test_samples_are_deterministic_per_position(clip_folder: Path) -> None:
    kw = dict(domains=DOMAINS, size=(32, 16), num_frames=4, fps=8.0, seed=7)
    a = VideoDataset([DataSource("folder", clip_folder)], **kw)  # type: ignore[arg-type]
    b = VideoDataset([DataSource("folder", clip_folder)], **kw)  # type: ignore[arg-type]
    for p in (0, 5):
        sa, sb = a[p], b[p]
        assert sa is not None and sb is not None
        assert sa.caption == sb.caption and bool((sa.pixels == sb.pixels).all())
    assert not bool((a[0].pixels == a[1].pixels).all())  # type: ignore[union-attr]
    dropped = VideoDataset([DataSource("folder", clip_folder)], **{**kw, "caption_dropout": 1.0})  # type: ignore[arg-type]
    assert dropped[0].caption == ""  # type: ignore[union-attr]


def test_crop_flip_resize_keeps_clip_consistent() -> None:
    frames = np.zeros((3, 30, 60, 3), np.uint8)
    frames[:, :, :10] = 255  # a white band on the left
    outs = [crop_flip_resize(frames, (32, 16), np.random.default_rng(s)) for s in range(8)]
    for out in outs:
        assert out.shape == (3, 16, 32, 3)
        assert all((out[i] == out[0]).all() for i in range(3))  # same crop and flip for every frame
    lefts = {bool(o[0, :, 0].mean() > 128) for o in outs}
    rights = {bool(o[0, :, -1].mean() > 128) for o in outs}
    assert True in lefts | rights and len(lefts | rights) == 2  # some flipped, some crops lose the band


def test_micro_batches_partition_positions_across_processes() -> None:
    r0 = list(MicroBatches(2, start=1, stop=3, rank=0, world=2))
    r1 = list(MicroBatches(2, start=1, stop=3, rank=1, world=2))
    assert r0 == [[4, 5], [8, 9]] and r1 == [[6, 7], [10, 11]]
