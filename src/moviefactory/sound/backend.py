"""LibrarySound: the default sound backend. Retrieval from the built-in synthesised library plus the
user's indexed folders; effects aligned to the clip's motion; music fitted to the movie; espeak-ng narration.

Runs in the main process (it loads MiniLM once, and CLAP/CLIP when given)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from moviefactory.errors import SoundError
from moviefactory.sound import Credit, SoundBackend, SoundTrack
from moviefactory.sound.builtin import GENERATOR_VERSION, ensure_builtin, home_dir
from moviefactory.sound.library import INDEX_FILE, Hit, Library, merge_hits, top_k
from moviefactory.sound.narration import Narrator
from moviefactory.timing import AUDIO_RATE, audio_samples

if TYPE_CHECKING:
    from moviefactory.config import Settings
    from moviefactory.sound.embed import ClapEncoder, ClipEncoder
    from moviefactory.spec import Movie, Scene

EFFECT_LUFS = -20.0
MUSIC_LUFS = -18.0
NARRATION_LUFS = -16.0
PEAK_DB = -1.0


def default_library_dir(home: Path | None = None) -> Path:
    return (home or home_dir()) / "library"


def load_audio(path: Path) -> np.ndarray:
    """Any library file -> (N, 2) float32 at 48 kHz."""
    import soundfile as sf

    from moviefactory.sound.features import resample

    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError):
        from moviefactory.media import read_audio

        return read_audio(path, rate=AUDIO_RATE, channels=2)
    data = data[:, :2] if data.shape[1] >= 2 else np.repeat(data, 2, axis=1)
    return resample(data, int(rate), AUDIO_RATE)


def open_libraries(user_dir: Path | None, *, home: Path | None = None) -> list[Library]:
    """The built-in library (rendered and indexed on first use) and the user's index when it exists."""
    from moviefactory.sound.embed import MiniLMText
    from moviefactory.sound.ingest import ingest

    folder = ensure_builtin(home)
    builtin = Library.open(folder / "index", name="builtin")
    text = MiniLMText()
    if len(builtin) == 0 or builtin.embedder != text.name:
        with builtin.exclusive():  # first use: one process indexes, a second one waits and finds it done
            if len(builtin) == 0 or builtin.embedder != text.name:
                rows = json.loads((folder / "catalog.json").read_text(encoding="utf-8"))
                overrides = {
                    Path(r["file"]).name: {
                        k: r[k] for k in ("title", "description", "tags", "license", "attribution", "kind")
                    }
                    for r in rows
                }
                ingest(
                    builtin,
                    [folder / "effect", folder / "music"],
                    text.encode_text,
                    embedder=text.name,
                    source="builtin",
                    overrides=overrides,
                )
    libs = [builtin]
    udir = user_dir or default_library_dir(home)
    if (udir / INDEX_FILE).exists():
        libs.append(Library.open(udir, name="user", create=False))
    return libs


class LibrarySound(SoundBackend):
    name: ClassVar[str] = "library"
    version: ClassVar[str] = "2"  # 2: ambience fallback for weak effect matches

    def __init__(
        self,
        library: Path | None = None,
        *,
        home: Path | None = None,
        clap: Path | None = None,
        clip_model: Path | None = None,
        narration: bool = True,
        tts_engine: str = "espeak-ng",
    ) -> None:
        self.home = home
        self.user_dir = Path(library).expanduser() if library else default_library_dir(home)
        self.clap_path, self.clip_path = clap, clip_model
        self.narration_enabled = narration
        self.narrator = Narrator(tts_engine)
        self.notices: list[str] = []  # fallbacks the pipeline reports (no TTS engine, no clip, ...)
        self._libs: list[Library] | None = None
        self._clap: ClapEncoder | None = None
        self._clip: ClipEncoder | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> LibrarySound:
        return cls(
            settings.library, clap=settings.clap, clip_model=settings.clip_model, narration=settings.narration
        )

    # -- identity (cache keys): cheap, loads no model --------------------------------------------------
    def identity(self) -> dict[str, Any]:
        from moviefactory.sound.embed import _folder_id
        from moviefactory.textembed import MODEL_NAME

        user_rev = 0
        if (self.user_dir / INDEX_FILE).exists():
            lib = Library.open(self.user_dir, create=False)
            user_rev = lib.revision
            lib.close()
        return {
            "backend": self.name,
            "version": self.version,
            "builtin": GENERATOR_VERSION,
            "library": str(self.user_dir),
            "library_revision": user_rev,
            "embedder": f"clap:{_folder_id(Path(self.clap_path))}" if self.clap_path else MODEL_NAME,
            "clip": _folder_id(Path(self.clip_path)) if self.clip_path else None,
            "narration": self.narrator.engine
            if self.narration_enabled and self.narrator.available()
            else None,
        }

    # -- retrieval -----------------------------------------------------------------------------------
    def libraries(self) -> list[Library]:
        if self._libs is None:
            self._libs = open_libraries(self.user_dir, home=self.home)
        return self._libs

    def clap(self) -> ClapEncoder | None:
        if self.clap_path and self._clap is None:
            from moviefactory.sound.embed import ClapEncoder

            self._clap = ClapEncoder.from_pretrained(self.clap_path)
        return self._clap

    def search(self, query: str, *, kind: str | None = None, k: int = 10) -> list[Hit]:
        """Best k items over all libraries: CLAP text-audio cosine with --clap, else MiniLM text cosine."""
        clap = self.clap()
        if clap is None:
            from moviefactory.sound.embed import MiniLMText

            q = MiniLMText().encode_text([query])[0]
            return merge_hits([lib.search(q, k=k, kind=kind) for lib in self.libraries()], k)
        qa = clap.encode_text([query])[0]
        lists = []
        for lib in self.libraries():
            items = lib.items()
            mat = lib.audio_matrix(clap.name, clap.encode_files)
            mask = None if kind is None else np.array([it.kind == kind for it in items])
            idx, sc = top_k(np.asarray(mat, np.float32), qa, k, mask)
            lists.append([Hit(items[i], float(s)) for i, s in zip(idx, sc, strict=True)])
        return merge_hits(lists, k)

    # -- effects -------------------------------------------------------------------------------------
    def effects(self, movie: Movie, scene: Scene, clip: Path, out: Path) -> SoundTrack:
        from moviefactory.media import read_frames_at, write_wav
        from moviefactory.sound.effects import (
            CLIP_WEIGHT,
            MARGIN,
            MAX_CANDIDATES,
            MOTION_WEIGHT,
            WEAK_MATCH,
            place,
        )
        from moviefactory.sound.features import normalize_loudness
        from moviefactory.sound.video import clip_features

        # 1. the query: the writer's sound line, else what happens, else the picture prompt
        query = scene.sound or scene.action or scene.prompt
        warnings: list[str] = []
        # 2. what the clip shows
        visual = None
        if Path(clip).exists():
            visual = clip_features(Path(clip), fallback_fps=float(movie.style.fps))
        else:
            warnings.append(f"scene {scene.id}: no clip at {clip}; effect placed without motion alignment")
        # 3. candidates by text, then the few near the top compete on motion fit (and CLIP, when given)
        hits = self.search(query, kind="effect", k=2 * MAX_CANDIDATES)
        if not hits:
            raise SoundError(f"scene {scene.id}: the sound library has no effects")
        if hits[0].score < WEAK_MATCH and scene.setting:
            ambience = f"{scene.weather.value} weather ambience, {scene.setting}"
            alt = self.search(ambience, kind="effect", k=2 * MAX_CANDIDATES)
            if alt and alt[0].score > hits[0].score:
                warnings.append(
                    f"scene {scene.id}: nothing in the library sounds like {query!r} "
                    f"(best {hits[0].score:.2f}); using the scene's ambience instead"
                )
                hits = alt
        cands = [h for h in hits if h.score >= hits[0].score - MARGIN][:MAX_CANDIDATES]
        clip_bonus = np.zeros(len(cands))
        if self.clip_path and visual is not None:
            n = len(visual.motion)  # one motion value per frame
            pick = read_frames_at(clip, [0, n // 2, n - 1])  # seek: CLIP looks at three frames
            clip_bonus = self._clip_scores(pick, [h.item.text() for h in cands])
        best: tuple[float, Hit, Any] | None = None
        for h, cb in zip(cands, clip_bonus, strict=True):
            audio_in = self._load(h, warnings)
            if audio_in is None:
                continue
            placed = place(audio_in, scene.duration_s, visual)
            total = float(h.score + MOTION_WEIGHT * placed.motion_corr + CLIP_WEIGHT * cb)
            if best is None or total > best[0]:
                best = (total, h, placed)
        if best is None:
            raise SoundError(f"scene {scene.id}: none of the {len(cands)} best-matching sounds could be read")
        _, hit, placed = best
        warnings += self._missing_notes()
        # 4. level: about -20 LUFS, peak-safe; exactly the scene's length
        audio = normalize_loudness(placed.audio, AUDIO_RATE, EFFECT_LUFS, PEAK_DB)
        write_wav(audio, out)
        it = hit.item
        desc = f"{it.title} ({it.source}), score {hit.score:.2f}, motion r={placed.motion_corr:.2f}"
        return SoundTrack(
            path=Path(out),
            duration_s=len(audio) / AUDIO_RATE,
            description=desc,
            credits=[_credit(it)],
            warnings=warnings,
        )

    def _clip_scores(self, pick: np.ndarray, texts: list[str]) -> np.ndarray:
        """CLIP cosine of the clip's first/middle/last frames (`pick`, mean) to each text, centred on its mean."""
        if self._clip is None:
            from moviefactory.sound.embed import ClipEncoder

            self._clip = ClipEncoder.from_pretrained(Path(self.clip_path))  # type: ignore[arg-type]
        img = self._clip.encode_images(pick).mean(axis=0)
        sims = self._clip.encode_text(texts) @ (img / (np.linalg.norm(img) + 1e-12))
        return np.asarray(sims - sims.mean(), dtype=np.float64)

    # -- music ---------------------------------------------------------------------------------------
    def music(self, movie: Movie, out: Path) -> SoundTrack:
        from moviefactory.media import write_wav
        from moviefactory.sound.features import normalize_loudness
        from moviefactory.sound.music import feature_score, fit_length, query_text

        mood, tempo = movie.tone.mood.value, movie.tone.tempo.value
        hits = self.search(query_text(mood, tempo, movie.tone.music_query), kind="music", k=10)
        if not hits:
            raise SoundError("the sound library has no music")
        ranked = sorted(hits, key=lambda h: -(h.score + feature_score(h.item.features, mood, tempo)))
        warnings: list[str] = []
        for hit in ranked:
            bed = self._load(hit, warnings)
            if bed is not None:
                break
        else:
            raise SoundError(f"none of the {len(ranked)} best-matching music files could be read")
        n = audio_samples(movie.total_duration_s())
        audio = normalize_loudness(fit_length(bed, n), AUDIO_RATE, MUSIC_LUFS, PEAK_DB)
        write_wav(audio, out)
        f = hit.item.features
        desc = f"{hit.item.title} ({hit.item.source}), {f.get('tempo_bpm', 0):.0f} BPM {f.get('key', '')} {f.get('mode', '')}, score {hit.score:.2f}"
        return SoundTrack(
            path=Path(out),
            duration_s=n / AUDIO_RATE,
            description=desc,
            credits=[_credit(hit.item)],
            warnings=warnings + self._missing_notes(),
        )

    def _load(self, hit: Hit, warnings: list[str]) -> np.ndarray | None:
        """A candidate's audio, or None (with a warning) when its file was deleted or broke after indexing:
        one bad file costs that candidate, not the movie."""
        from moviefactory.errors import ComposeError

        try:
            return load_audio(hit.item.path)
        except (OSError, SoundError, ComposeError) as exc:
            warnings.append(
                f"sound {hit.item.path} skipped: cannot read it ({str(exc).splitlines()[0][:100]})"
            )
            return None

    def _missing_notes(self) -> list[str]:
        """One warning per indexed file found gone at search time (each reported once per backend)."""
        notes = []
        for lib in self.libraries():
            for path in lib.missing:
                notes.append(
                    f"sound {path} is gone since `library add`; skipped (run `library add` again to drop it)"
                )
            lib.missing.clear()
        return notes

    # -- narration -----------------------------------------------------------------------------------
    def narration(self, movie: Movie, scene: Scene, out: Path) -> SoundTrack | None:
        from moviefactory.media import write_wav
        from moviefactory.sound.features import normalize_loudness

        if not scene.narration:
            return None
        if not self.narration_enabled:
            return None
        if not self.narrator.available():
            note = f"narration skipped: no TTS engine ({self.narrator.engine!r} not found); lines stay in the subtitles"
            if note not in self.notices:
                self.notices.append(note)
            return None
        audio, wpm = self.narrator.speak(scene.narration, scene.duration_s)
        audio = normalize_loudness(audio, AUDIO_RATE, NARRATION_LUFS, PEAK_DB)
        write_wav(audio, out)
        credit = Credit(
            title="Narration voice",
            source=self.narrator.engine,
            license="GPL-3.0-or-later (engine)",
            attribution="eSpeak NG",
        )
        return SoundTrack(
            path=Path(out),
            duration_s=len(audio) / AUDIO_RATE,
            description=f"{self.narrator.engine} at {wpm:.0f} wpm",
            credits=[credit],
        )


def _credit(item: Any) -> Credit:
    source = f"builtin:{Path(item.path).stem}" if item.source == "builtin" else str(item.path)
    return Credit(
        title=_one_line(item.title),
        source=_one_line(source),
        license=_one_line(item.license),
        attribution=_one_line(item.attribution),
    )


def _one_line(text: str) -> str:
    """Credits are line-based text: control characters (a newline in a file name, say) are shown escaped
    (as repr would) instead of breaking the line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
