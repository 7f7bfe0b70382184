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


class DiskFullError(WorkspaceError):
    """A write failed because its filesystem is full; the message names the mount point and the need."""


def os_error_message(exc: OSError) -> str:
    """One line for an OS error that reached the boundary: the path(s), then the cause in words.

    'IsADirectoryError: [Errno 21] Is a directory: x' becomes 'x: is a directory'."""
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"no space left on the disk holding {exc.filename}" if exc.filename else "no space left on device"
    cause = (exc.strerror or type(exc).__name__).lower()
    names = [str(f) for f in (exc.filename, exc.filename2) if f is not None]
    return f"{' -> '.join(names)}: {cause}" if names else cause


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
