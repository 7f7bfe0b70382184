"""One outcome policy whatever the executor: which errors retry, how often, how a scene failure reads."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

from moviefactory import pipeline
from moviefactory.errors import BackendError, DiskFullError, InputError, SceneError
from moviefactory.executor import OutcomePolicy
from moviefactory.picture import PICTURE, Clip, ProgressFn
from moviefactory.picture.animatic import AnimaticBackend
from moviefactory.spec import Movie, Scene
from moviefactory.workspace import Paths, Workspace
from test_pipeline import new_folder, settings

ERRORS: dict[str, type[Exception]] = {"input": InputError, "runtime": RuntimeError, "scene": SceneError}


@PICTURE.register("policy-test")
class FailingAnimatic(AnimaticBackend):
    """The animatic, except a scene with a file `raise-<scene id>` in the movie folder raises the error it
    names (see ERRORS) on every attempt; each attempt is counted in `attempts-<scene id>` (works across
    worker processes)."""

    name: ClassVar[str] = "policy-test"

    def render(self, movie: Movie, scene: Scene, out: Path, progress: ProgressFn | None = None) -> Clip:
        root = Paths.of_clip(out)[0].root
        marker = root / f"raise-{scene.id}"
        if marker.exists():
            with (root / f"attempts-{scene.id}").open("a") as f:
                f.write("x")
            kind = marker.read_text()
            if kind == "scene":
                raise SceneError(scene.id, "the model said no")
            raise ERRORS[kind]("boom")
        return super().render(movie, scene, out, progress)


def test_policy_verdicts() -> None:
    policy = OutcomePolicy(retries=2)
    disk = DiskFullError("/m/x", "/m", 0)
    assert policy.judge(disk, 1) == "fatal"
    assert (
        policy.judge(InputError("bad"), 1) == "failed"
        and policy.judge(BackendError("no model"), 1) == "failed"
    )
    assert [policy.judge(SceneError("s01", "x"), n) for n in (1, 2, 3)] == ["retry", "retry", "failed"]
    assert [policy.judge(RuntimeError("x"), n) for n in (1, 2, 3)] == ["retry", "retry", "failed"]
    assert policy.message(SceneError("s01", "the model said no")) == "the model said no"
    assert policy.message(InputError("bad prompt")) == "bad prompt"
    assert policy.message(MemoryError("out of memory")) == "MemoryError: out of memory"


def run_failing(tmp_path: Path, name: str, kind: str, workers: int) -> tuple[str, int, dict[str, str]]:
    """Render the small movie with scene s02 raising `kind`; (the error, s02's attempts, the recorded failures)."""
    root = new_folder(tmp_path, name)
    (root / "raise-s02").write_text(kind)
    with pytest.raises(SceneError) as err:
        pipeline.render(root, settings(tmp_path, picture="policy-test", retries=1, workers=workers))
    man = Workspace.open(root).manifest
    assert man.scene("s01").clip is not None and man.scene("s03").clip is not None  # the others are kept
    assert man.scene("s02").clip is None and not (root / "movie.mp4").exists()
    return str(err.value), len((root / "attempts-s02").read_text()), man.stages["picture"].failures


@pytest.mark.parametrize(
    ("kind", "attempts", "reads"),
    [
        ("input", 1, "scene s02: boom;"),  # the same input fails again: not retried
        ("runtime", 2, "scene s02: RuntimeError: boom;"),  # unexpected: retried once (retries=1), then failed
        ("scene", 2, "scene s02: the model said no;"),  # a backend's scene failure: retried
    ],
)
def test_serial_and_pool_apply_the_same_policy(
    tmp_path: Path, mf_home: Path, kind: str, attempts: int, reads: str
) -> None:
    serial = run_failing(tmp_path, "serial", kind, workers=1)
    pool = run_failing(tmp_path, "pool", kind, workers=2)
    assert serial == pool
    message, tries, failures = serial
    assert message.startswith(reads) and message.endswith("the other scenes are kept, run again to retry")
    assert tries == attempts
    assert list(failures) == ["s02"] and reads.removeprefix("scene s02: ").rstrip(";") == failures["s02"]
