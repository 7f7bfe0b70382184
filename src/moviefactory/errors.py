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
    """A write failed because its filesystem is full: names the file, the mount point, what is free and
    (when known) about how much the whole job still needs. Built by `workspace.disk_full_error`."""

    def __init__(
        self,
        path: str,
        mount: str,
        free_bytes: int | None,
        need_bytes: int | None = None,
        written: int | None = None,
    ) -> None:
        self.path, self.mount, self.free_bytes = path, mount, free_bytes
        self.need_bytes, self.written = need_bytes, written
        free = "unknown" if free_bytes is None else _mb(free_bytes)
        parts = [f"{free} free"]
        if need_bytes:
            parts.append(f"needs about {_mb(need_bytes)}")
        elif written:
            parts.append(f"{_mb(written)} written before it filled")
        super().__init__(
            f"no space left on {mount} writing {path} ({'; '.join(parts)}); free some space and run "
            "the same command again to resume"
        )

    def with_need(self, need_bytes: int) -> DiskFullError:
        """The same error, now saying how much the rest of the job needs (known to the pipeline only)."""
        return DiskFullError(self.path, self.mount, self.free_bytes, max(need_bytes, self.need_bytes or 0))

    def __reduce__(self) -> tuple[type[DiskFullError], tuple[str, str, int | None, int | None, int | None]]:
        # crosses process boundaries (pool workers) with its fields, not just its message
        return (DiskFullError, (self.path, self.mount, self.free_bytes, self.need_bytes, self.written))


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def os_error_message(exc: OSError) -> str:
    """One line for an OS error that reached the boundary: the path(s), then the cause in words.

    'IsADirectoryError: [Errno 21] Is a directory: x' becomes 'x: is a directory'."""
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return (
            f"no space left on the disk holding {exc.filename}" if exc.filename else "no space left on device"
        )
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
