from __future__ import annotations

from pathlib import Path

import pytest

from moviefactory.config import Settings


def test_precedence_flags_env_toml_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for var in (
        "MOVIEFACTORY_FPS",
        "MOVIEFACTORY_ASPECT",
        "MOVIEFACTORY_STEPS",
        "OPENAI_BASE_URL",
        "MOVIEFACTORY_LLM_BASE_URL",
    ):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "moviefactory.toml").write_text('fps = 12\naspect = "16:9"\nsteps = 7\n')
    assert (Settings().fps, Settings().aspect, Settings().steps, Settings().scale) == (12, "16:9", 7, 2)
    monkeypatch.setenv("MOVIEFACTORY_FPS", "30")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    s = Settings()
    assert (s.fps, s.aspect, s.llm_base_url) == (30, "16:9", "http://127.0.0.1:9/v1")
    assert Settings(fps=8).fps == 8  # a flag wins over everything


def test_fingerprint_leaves_secrets_out() -> None:
    s = Settings(llm_api_key="sk-secret")
    assert "sk-secret" not in str(s.fingerprint())
