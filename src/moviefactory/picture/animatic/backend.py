"""AnimaticBackend: the offline picture stage (procedural previz), and the preview mode on GPU machines."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from moviefactory.errors import SceneError
from moviefactory.picture import Clip, PictureBackend, ProgressFn
from moviefactory.picture.animatic import resolve
from moviefactory.picture.animatic.render import plan_scene, render_frames
from moviefactory.picture.animatic.shapes import KINDS

if TYPE_CHECKING:
    from moviefactory.config import Settings
    from moviefactory.picture.animatic.design import Design
    from moviefactory.spec import Movie, Scene

# Below this cosine the embedding fallback is still used (nearest known kind) but reported as weak.
WEAK_MATCH = 0.3


class AnimaticBackend(PictureBackend):
    """Draws each scene's setting, time of day, weather, subjects, action and camera move as moving
    storyboard frames. `prepare` resolves free text once (keywords, then embeddings); `render` uses only the
    resolved plain dicts, so worker processes never load the text model."""

    name: ClassVar[str] = "animatic"
    version: ClassVar[str] = "2"  # 2: drawn from the prompt (design.py), icons and sets
    parallel: ClassVar[bool] = True

    def __init__(
        self, *, grain: float = 3.0, vignette: float = 0.3, crf: int = 14, preset: str = "ultrafast"
    ) -> None:
        self.grain = grain
        self.vignette = vignette
        self.crf = crf
        self.preset = (
            preset  # x264 preset of the intermediate clip: grain makes slower presets the bottleneck
        )
        self.kinds: dict[str, str] = {}  # character id -> silhouette kind
        self.terrains: dict[str, tuple[str, bool]] = {}  # scene id -> (terrain family, has road)
        self.notes: dict[str, list[str]] = {}  # scene id -> how its free text was understood
        self.designs: dict[
            str, Design
        ] = {}  # scene id -> what its prompt asks to draw (the prompt is the source)
        self.drawn: dict[str, dict[str, Any]] = {}  # scene id -> drawn.json
        self.icons_used: list[str] = []  # every icon the movie draws, first use first (credits)

    @classmethod
    def from_settings(cls, settings: Settings) -> AnimaticBackend:
        return cls()

    def identity(self) -> dict[str, Any]:
        return {"backend": self.name, "version": self.version}

    def prepare(self, movie: Movie) -> None:
        """Read every scene's prompt into a Design (set, figures, staging), in the main process: workers then
        draw from plain data and never load the text model."""
        from moviefactory.picture.animatic.design import design_scene
        from moviefactory.picture.animatic.icons import IconLibrary

        lib = IconLibrary.load()
        for sc in movie.scenes:
            d = design_scene(movie, sc, lib)
            self.designs[sc.id] = d
            self.drawn[sc.id] = d.drawn()  # the design's notes reach the clip through its plan
        used = [e.drawn_as for d in self.designs.values() for e in d.elements]
        self.icons_used = [
            u for u in dict.fromkeys(used) if u.split(":", 1)[0] in ("game-icons", "fluent-emoji-flat")
        ]

    def prepare_legacy(self, movie: Movie) -> None:
        """Resolve every character to a kind and every scene setting to a terrain (keywords, then meaning)."""
        from moviefactory.textembed import best_match

        kind_names = list(resolve.KIND_DESCRIPTIONS)
        kind_texts = [resolve.KIND_DESCRIPTIONS[k] for k in kind_names]
        char_notes: dict[str, str] = {}
        for ch in movie.characters:
            kind = resolve.kind_by_keywords(ch.kind, ch.name, ch.description)
            if kind is None:
                query = " ".join(x for x in (ch.kind, ch.name, ch.description) if x)
                i, score = best_match(query, kind_texts)
                kind = kind_names[i]
                weak = " (weak match)" if score < WEAK_MATCH else ""
                char_notes[ch.id] = (
                    f"character {ch.id!r}: drawn as a {kind} (nearest by meaning, {score:.2f}{weak})"
                )
            self.kinds[ch.id] = kind
        fam_names = list(resolve.TERRAIN_DESCRIPTIONS)
        fam_texts = [resolve.TERRAIN_DESCRIPTIONS[f] for f in fam_names]
        for sc in movie.scenes:
            notes = [char_notes[c] for c in sc.subjects if c in char_notes]
            terrain = resolve.terrain_by_keywords(sc.setting)
            if terrain is None:
                query = sc.setting or sc.prompt
                i, score = best_match(query, fam_texts)
                fam = fam_names[i]
                terrain = ("field", True) if fam == "road" else (fam, False)
                notes.append(f"setting {query[:60]!r}: drawn as {fam} (nearest by meaning, {score:.2f})")
            self.terrains[sc.id] = terrain
            self.notes[sc.id] = notes

    def render(self, movie: Movie, scene: Scene, out: Path, progress: ProgressFn | None = None) -> Clip:
        from moviefactory.media import write_video

        for cid in scene.subjects:
            kind = self.kinds.get(cid)
            if kind is not None and kind not in KINDS:
                raise SceneError(scene.id, f"character {cid!r} resolved to unknown kind {kind!r}")
        design = self.designs.get(scene.id)
        plan = plan_scene(
            movie,
            scene,
            kinds=self.kinds or None,
            terrains=self.terrains or None,
            grain=self.grain,
            vignette=self.vignette,
            design=design,
        )
        total = plan.num_frames
        step = max(1, total // 20)

        def frames() -> Any:
            for i, frame in enumerate(render_frames(plan)):
                yield frame
                if progress is not None and ((i + 1) % step == 0 or i + 1 == total):
                    progress(i + 1, total)

        write_video(
            frames(), out, fps=plan.fps, size=(plan.width, plan.height), crf=self.crf, preset=self.preset
        )
        if design is not None:  # what the frames show, beside the clip; the icons' credits for the movie
            from moviefactory.picture.animatic.icons import write_credits
            from moviefactory.workspace import Paths, atomic_write_json

            paths, folder_id = Paths.of_clip(Path(out))
            atomic_write_json(paths.drawn(folder_id), self.drawn[scene.id])
            write_credits(self.icons_used, paths.root)
        warnings = list(self.notes.get(scene.id, [])) + list(plan.notes)
        return Clip(
            path=Path(out),
            width=plan.width,
            height=plan.height,
            fps=float(plan.fps),
            num_frames=total,
            backend=self.name,
            warnings=warnings,
        )

    def contact_sheet(self, movie: Movie, path: Path, *, width: int = 384) -> Path:
        """One frame (the middle) of each scene, in a grid, as a PNG: to look at what the words became."""
        import cv2
        import numpy as np

        tiles = []
        for sc in movie.scenes:
            plan = plan_scene(movie, sc, design=self.designs.get(sc.id), grain=0.0)
            mid = plan.num_frames // 2
            frame = next(f for i, f in enumerate(render_frames(plan)) if i == mid)
            h = round(frame.shape[0] * width / frame.shape[1])
            tile = cv2.resize(frame, (width, h), interpolation=cv2.INTER_AREA)
            cv2.putText(tile, sc.id, (6, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
            tiles.append(tile)
        cols = 2
        while len(tiles) % cols:
            tiles.append(np.zeros_like(tiles[0]))
        grid = np.vstack([np.hstack(tiles[i : i + cols]) for i in range(0, len(tiles), cols)])
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
        return path
