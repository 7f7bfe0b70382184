"""One exception hierarchy. Stages raise these; only the CLI and the web app turn them into messages."""

from __future__ import annotations


class MovieFactoryError(Exception):
    """Base class: the message is one line a user can act on."""

    exit_code: int = 1


class InputError(MovieFactoryError):
    """The user's request, flags or edited script are not acceptable."""

    exit_code = 2


class ScriptError(MovieFactoryError):
    """A writer could not produce a valid script (bad LLM replies, timeouts)."""


class WorkspaceError(MovieFactoryError):
    """The movie folder is not usable: not ours, locked by another run, unwritable."""

    exit_code = 3


class BackendError(MovieFactoryError):
    """A backend is unknown, misses its optional dependencies, or its model folder is incomplete."""


class ModelLoadError(BackendError):
    """A model folder or file is missing parts or does not match what the loader expects."""


class SceneError(MovieFactoryError):
    """One scene failed to render; the others are kept."""

    def __init__(self, scene_id: str, message: str) -> None:
        super().__init__(f"scene {scene_id}: {message}")
        self.scene_id = scene_id
        self.message = message

    def __reduce__(self) -> tuple[type[SceneError], tuple[str, str]]:
        # Scene errors cross process boundaries (pool workers, Ray tasks); the default pickling would call
        # __init__ with the formatted message alone and break the pool.
        return (SceneError, (self.scene_id, self.message))


class ComposeError(MovieFactoryError):
    """ffmpeg failed or produced a file that does not match the timeline."""


class SoundError(MovieFactoryError):
    """Audio library or retrieval problems."""
