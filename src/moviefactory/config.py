"""Run settings: one typed object built once at the edge (CLI, web app) and passed down.

Precedence: command-line flags > environment (MOVIEFACTORY_*, plus OPENAI_API_KEY / OPENAI_BASE_URL) >
moviefactory.toml in the working directory > defaults.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MOVIEFACTORY_", toml_file="moviefactory.toml", extra="ignore", populate_by_name=True
    )

    # where movies go
    out: Path = Path("movies")

    # script
    writer: str = "builtin"
    scenes: int | None = Field(default=None, ge=1, le=60)  # None: the writer decides (builtin: 10)
    llm_base_url: str = Field(
        default="https://api.openai.com/v1",
        validation_alias=AliasChoices("MOVIEFACTORY_LLM_BASE_URL", "OPENAI_BASE_URL", "llm_base_url"),
    )
    llm_api_key: str = Field(
        default="", validation_alias=AliasChoices("MOVIEFACTORY_LLM_API_KEY", "OPENAI_API_KEY", "llm_api_key")
    )
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: float = Field(default=60.0, gt=0)
    llm_retries: int = Field(default=3, ge=1, le=10)
    # extra chat-completions body fields (--llm-option key=value), e.g. {"options": {"num_ctx": 16384}} for Ollama
    llm_options: dict[str, Any] = {}
    llm_stream: bool = True  # stream the reply (progress in tokens); off for servers that mishandle SSE
    characters: Path | None = None  # a character bank (JSON) for the llm and crew writers
    script_file: Path | None = None  # --script: a scene list or Fountain screenplay (the "import" writer)
    language: str | None = (
        None  # subtitles and narration in this language (llm and crew writers), e.g. "German"
    )
    duration_s: float | None = Field(
        default=None, gt=0, le=600
    )  # target length instead of --scenes (2 s a scene)

    # picture
    picture: str = "animatic"
    model: Path | None = None  # a Stable Diffusion 2 folder (moviefactory) or a diffusers pipeline folder
    adapters: Path | None = (
        None  # saved MovieFactory adapters/temporal layers, or a MotionAdapter (diffusers)
    )
    sd_config: Path | None = None  # configs + tokenizer for a single-file --model (an SD 2 diffusers folder)
    steps: int = Field(default=30, ge=1, le=500)
    guidance: float = Field(default=7.5, ge=0.0, le=50.0)
    negative_prompt: str = Field(default="", max_length=2000)  # classifier-free guidance's "away from" text
    scheduler: Literal["ddim", "dpm++", "euler"] = "dpm++"
    domain: str | None = None
    continuity: float = Field(
        default=0.0, ge=0.0, lt=1.0
    )  # start a scene from the previous scene's noised last latent
    device: str | None = None  # None: cuda if available, else cpu
    offload: Literal["auto", "none", "model", "sequential"] = "auto"  # --picture diffusers GPU memory tier
    image_model: Path | None = (
        None  # a diffusers text-to-image folder: key frames for image-to-video families
    )

    # sound
    sound: str = "library"
    library: Path | None = None  # the user's sound index folder (default: ~/.cache/moviefactory/library)
    clap: Path | None = None
    clip_model: Path | None = None
    narration: bool = True

    # finishing
    upscale: str | None = None  # None: resample inside compose; a path: a super-resolution model file
    fps: int = Field(default=24, ge=1, le=60)
    scale: int = Field(default=2, ge=1, le=4)  # output size = generation size x scale (paper: 4, 3072x1280)
    aspect: Literal["2.35:1", "16:9", "9:16", "1:1"] = "2.35:1"
    burn_subtitles: bool = False

    # execution
    executor: Literal["local", "ray"] = "local"
    workers: int = Field(default=0, ge=0, le=256)  # 0: one per core (capped by the backend)
    retries: int = Field(default=1, ge=0, le=5)  # extra attempts for a failed scene

    @model_validator(mode="after")
    def _scenes_from_duration(self) -> Settings:
        if self.duration_s is not None:
            scenes = max(1, min(60, round(self.duration_s / 2.0)))  # the paper's two-second shots
            if self.scenes is not None and self.scenes != scenes:  # (equal: a folder's own saved settings)
                raise ValueError(
                    f"give --scenes or --duration, not both ({self.duration_s:g} s is {scenes} scenes)"
                )
            self.scenes = scenes
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    def fingerprint(self) -> dict[str, Any]:
        """The settings that shape the output (stored in the manifest); secrets are left out."""
        data = self.model_dump(mode="json", exclude={"llm_api_key", "out", "workers", "executor", "retries"})
        data["llm_base_url"] = redact_url(self.llm_base_url)
        data["llm_options"] = redact_options(self.llm_options)
        return data

    def resolved_workers(self, cap: int | None = None) -> int:
        n = self.workers or (os.cpu_count() or 1)
        return max(1, min(n, cap) if cap else n)


# names of query parameters / option keys whose values are secrets ("max_tokens" is not one)
_SECRET_NAME = re.compile(
    r"(^|[-_])(api-?key|apikey|key|token|secret|password|passwd|auth|authorization|sig|signature)$",
    re.IGNORECASE,
)


def redact_url(url: str) -> str:
    """`url` without `user:pass@` credentials and with secret-looking query values masked (for files, messages)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "[unparsable URL]"
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = "&".join(
        f"{k}=***" if _SECRET_NAME.search(k) else f"{k}={v}" if sep else k
        for k, sep, v in (q.partition("=") for q in parts.query.split("&") if q)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_options(options: dict[str, Any]) -> dict[str, Any]:
    """`options` with the values of secret-looking keys (api_key, token, password …) masked, at any depth."""
    return {
        k: "***" if _SECRET_NAME.search(k) else redact_options(v) if isinstance(v, dict) else v
        for k, v in options.items()
    }
