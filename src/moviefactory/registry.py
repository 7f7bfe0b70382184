"""Backends register by name. Entries are lazy ("module:attr") so `moviefactory --help` imports nothing heavy;
the module is imported only when the backend is chosen, and a missing extra becomes install advice."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from moviefactory.errors import BackendError

T = TypeVar("T")


@dataclass(frozen=True)
class Entry:
    target: str  # "package.module:Attribute"
    extra: str | None = None  # the pip extra that brings its dependencies, for the error message
    summary: str = ""


class Registry(Generic[T]):
    def __init__(self, stage: str) -> None:
        self.stage = stage
        self._entries: dict[str, Entry] = {}

    def add(self, name: str, target: str, *, extra: str | None = None, summary: str = "") -> None:
        self._entries[name] = Entry(target, extra, summary)

    def register(self, name: str, *, extra: str | None = None, summary: str = "") -> Any:
        """Decorator for plugins defined in already-imported code: `@PICTURE.register("mine")`."""

        def deco(obj: Any) -> Any:
            self._entries[name] = Entry(f"{obj.__module__}:{obj.__qualname__}", extra, summary)
            return obj

        return deco

    def names(self) -> list[str]:
        return sorted(self._entries)

    def summary(self, name: str) -> str:
        return self._entries[name].summary

    def get(self, name: str) -> T:
        """Import and return the registered object; unknown names and missing extras are BackendErrors."""
        entry = self._entries.get(name)
        if entry is None:
            raise BackendError(
                f"unknown {self.stage} backend {name!r}; choose from {', '.join(self.names())}"
            )
        module_name, _, attr = entry.target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            hint = f"; install it with: pip install 'moviefactory[{entry.extra}]'" if entry.extra else ""
            raise BackendError(f"{self.stage} backend {name!r} needs {exc.name or exc}{hint}") from exc
        obj: T = getattr(module, attr)
        return obj
