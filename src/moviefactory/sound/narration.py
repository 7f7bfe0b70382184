"""Narration with espeak-ng (offline, Debian package `espeak-ng`). The engine is run with an argument list;
the line goes through a UTF-8 text file (`-f`), never through a shell or a command-line argument."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from moviefactory.errors import SoundError
from moviefactory.timing import AUDIO_RATE, NARRATION_LEAD_IN_S, audio_samples

BASE_WPM = 165  # espeak-ng words per minute for normal narration
MAX_WPM = 320


class Narrator:
    """Speaks text with a TTS executable looked up by name (`engine`), so a missing engine is a plain
    condition (`available()` is False), not an error."""

    def __init__(self, engine: str = "espeak-ng", voice: str = "en-us") -> None:
        self.engine = engine
        self.voice = voice
        self.exe = shutil.which(engine)

    def available(self) -> bool:
        return self.exe is not None

    def _speak(self, text: str, wpm: int) -> np.ndarray:
        from moviefactory.media import read_audio

        assert self.exe is not None
        with tempfile.TemporaryDirectory(prefix="mf-tts-") as tmp:
            txt, wav = Path(tmp) / "line.txt", Path(tmp) / "line.wav"
            txt.write_text(text, encoding="utf-8")
            cmd = [self.exe, "-v", self.voice, "-s", str(wpm), "-w", str(wav), "-f", str(txt)]
            proc = subprocess.run(cmd, capture_output=True, timeout=60, check=False)
            if proc.returncode != 0 or not wav.exists():
                err = proc.stderr.decode("utf-8", "replace").strip()[:120]
                raise SoundError(f"{self.engine} failed ({proc.returncode}): {err}")
            return read_audio(wav, rate=AUDIO_RATE, channels=2)

    def speak(self, text: str, duration_s: float) -> tuple[np.ndarray, float]:
        """(audio (n, 2) of exactly duration_s, words per minute used). Speeds up (to MAX_WPM) so the
        line fits its scene; a line that still does not fit is cut with a short fade."""
        n = audio_samples(duration_s)
        room = max(duration_s - NARRATION_LEAD_IN_S - 0.1, 0.2)
        wpm = BASE_WPM
        speech = self._speak(text, wpm)
        if len(speech) / AUDIO_RATE > room:
            wpm = int(min(MAX_WPM, np.ceil(BASE_WPM * (len(speech) / AUDIO_RATE) / room)))
            speech = self._speak(text, wpm)
        speech = _trim_silence(speech)
        out = np.zeros((n, 2), np.float32)
        start = int(NARRATION_LEAD_IN_S * AUDIO_RATE)  # the lead-in lives in the WAV (timing.py)
        m = min(len(speech), n - start)
        if m > 0:
            out[start : start + m] = speech[:m]
            if m < len(speech):  # cut: fade the last 50 ms
                f = min(int(0.05 * AUDIO_RATE), m)
                out[start + m - f : start + m] *= np.linspace(1, 0, f, dtype=np.float32)[:, None]
        return out, float(wpm)


def _trim_silence(x: np.ndarray, thresh: float = 1e-3) -> np.ndarray:
    loud = np.flatnonzero(np.abs(x).max(axis=1) > thresh)
    return x[loud[0] : loud[-1] + 1] if len(loud) else x
