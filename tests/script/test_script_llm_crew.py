"""The crew writer (outline -> characters -> shots -> critique/revision) on the loopback fake server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_script_llm import FakeLLM, chat

from moviefactory.errors import InputError
from moviefactory.script import WRITERS, prompts
from moviefactory.script.crew import CrewWriter, RequestItem, check_script, stem_found
from moviefactory.spec import Character, Movie, Style, TimeOfDay, Weather

FAITHFULNESS = Path(__file__).resolve().parents[3] / "shared" / "faithfulness" / "requests.jsonl"
REQUEST = "an astronaut repairs a satellite while a storm of space debris approaches"
ITEMS: list[dict[str, Any]] = [
    {"role": "subject", "words": ["astronaut"], "draw": True},
    {"role": "object", "words": ["satellite"], "draw": True},
    {"role": "action", "words": ["repair", "fix"], "draw": False},
    {"role": "object", "words": ["debris", "asteroid"], "draw": True},
    {"role": "setting", "words": ["space", "orbit"], "draw": True},
]


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    fake = FakeLLM()
    yield fake
    fake.close()


def crew(fake: FakeLLM, **kw: Any) -> CrewWriter:
    return CrewWriter(base_url=fake.url, api_key="", model="test-model", backoff_s=0.01, **kw)


def outline(items: list[dict[str, Any]], n: int = 8) -> dict[str, Any]:
    return {
        "title": "Debris Storm",
        "logline": "A repair against the clock.",
        "tone": {"mood": "tense", "tempo": "fast", "music_query": "pulsing synth tension"},
        "items": items,
        "beats": [f"beat {i + 1}" for i in range(n)],
    }


def bank(items: list[dict[str, Any]]) -> dict[str, Any]:
    subjects = [it["words"][0] for it in items if it["role"] == "subject"] or ["hero"]
    return {
        "characters": [
            {
                "id": re.sub(r"[^a-z0-9]+", "-", w),
                "name": f"the {w}",
                "kind": "person",
                "description": f"a {w} in a white suit with a red stripe",
                "color": "#ffffff",
            }
            for w in subjects
        ]
    }


def shots(
    items: list[dict[str, Any]], n: int = 8, *, omit: tuple[str, ...] = (), camera: bool = True
) -> dict[str, Any]:
    """A shot list whose prompts carry every item's first stem except those in `omit`; subjects by name."""
    words = [it["words"][0] for it in items if it["words"][0] not in omit]
    chars = bank(items)["characters"]
    scenes = []
    for i in range(n):
        c = chars[i % len(chars)]
        move = "wide shot, slow pan right, " if camera else ""
        scenes.append(
            {
                "prompt": f"{move}{c['name']} among {', '.join(words)}, 4K, high resolution",
                "duration_s": 2.0,
                "shot": "wide",
                "camera": "pan-right",
                "subjects": [c["name"]],
                "time_of_day": "day",
                "sound": "low rumble",
                "subtitle": f"Scene {i + 1}.",
            }
        )
    return {"title": "x", "scenes": scenes}


def approve() -> tuple[int, Any]:
    return chat(json.dumps({"problems": []}))


# -- the stages, saved and resumed ----------------------------------------------------------------------
def test_stages_are_typed_saved_and_resumed(llm: FakeLLM, tmp_path: Path) -> None:
    llm.replies = [
        chat(json.dumps(outline(ITEMS))),
        chat(json.dumps(bank(ITEMS))),
        chat(json.dumps(shots(ITEMS))),
        approve(),
    ]
    w = crew(llm)
    w.attach(tmp_path)
    movie = w.write(REQUEST, scenes=None, seed=3, style=Style())
    assert isinstance(movie, Movie) and movie.writer == "crew:test-model" and len(movie.scenes) == 8
    assert movie.title == "Debris Storm" and movie.tone.mood.value == "tense"
    assert [c.id for c in movie.characters] == ["astronaut"]
    desc = "a astronaut in a white suit with a red stripe"
    assert all(desc in sc.prompt and sc.subjects == ["astronaut"] for sc in movie.scenes)
    steps = sorted(p.name for p in (tmp_path / "crew").iterdir())
    assert steps == ["01-outline.json", "02-characters.json", "03-shots.json", "04-critique-1.json"]
    assert [json.loads((tmp_path / "llm" / f"00{i}.json").read_text())["purpose"] for i in range(1, 5)] == [
        "01-outline",
        "02-characters",
        "03-shots",
        "04-critique-1",
    ]
    formats = [r["body"]["response_format"]["json_schema"]["name"] for r in llm.requests]
    assert formats == ["outline", "characters", "shots", "critique"]
    assert prompts.bank_text(bank(ITEMS)["characters"]) in llm.requests[2]["body"]["messages"][1]["content"]

    # a second run reuses every step: no request
    again = crew(llm)
    again.attach(tmp_path)
    assert again.write(REQUEST, scenes=None, seed=3, style=Style()) == movie and len(llm.requests) == 4

    # the user edits the character bank: outline and bank are kept, shots and critique are planned again
    path = tmp_path / "crew" / "02-characters.json"
    saved = json.loads(path.read_text())
    saved["data"]["characters"][0]["description"] = "a tall astronaut in a battered orange suit"
    path.write_text(json.dumps(saved))
    llm.replies = [chat(json.dumps(shots(ITEMS))), approve()]
    llm.requests.clear()
    edited = crew(llm)
    edited.attach(tmp_path)
    movie2 = edited.write(REQUEST, scenes=None, seed=3, style=Style())
    assert len(llm.requests) == 2
    assert all("a tall astronaut in a battered orange suit" in sc.prompt for sc in movie2.scenes)

    # an edit that breaks a step names the file
    saved["data"]["characters"] = "nobody"
    path.write_text(json.dumps(saved))
    broken = crew(llm)
    broken.attach(tmp_path)
    with pytest.raises(InputError, match=re.escape("02-characters.json")):
        broken.write(REQUEST, scenes=None, seed=3, style=Style())


def test_outline_with_the_wrong_beat_count_goes_back(llm: FakeLLM) -> None:
    llm.replies = [
        chat(json.dumps(outline(ITEMS, n=3))),
        chat(json.dumps(outline(ITEMS, n=5))),
        chat(json.dumps(bank(ITEMS))),
        chat(json.dumps(shots(ITEMS, n=5))),
        approve(),
    ]
    movie = crew(llm).write(REQUEST, scenes=5, seed=0, style=Style())
    assert len(movie.scenes) == 5
    assert "expected 5 beats, got 3" in llm.requests[1]["body"]["messages"][-1]["content"]


# -- critique ----------------------------------------------------------------------------------------------
def test_local_checks() -> None:
    assert stem_found("rescu", "a daring rescue") and not stem_found("rescu", "prescue")
    assert stem_found("space debris", "the Space-Debris field") and stem_found("fix", "fixing it")
    cast = [Character.model_validate(c) for c in bank(ITEMS)["characters"]]
    offline = CrewWriter(base_url="http://127.0.0.1:9", api_key="", model="m")
    movie = offline.read_movie(
        json.dumps(shots(ITEMS, 3, omit=("satellite",), camera=False)),
        request=REQUEST,
        scenes=3,
        seed=0,
        style=Style(),
        bank=cast,
    )
    scenes = [
        movie.scenes[0],
        movie.scenes[1].model_copy(
            update={"duration_s": 6.0, "time_of_day": TimeOfDay.night, "weather": Weather.snow}
        ),
        movie.scenes[2].model_copy(update={"time_of_day": TimeOfDay.dawn}),
    ]
    problems = check_script(
        movie.model_copy(update={"scenes": scenes}), [RequestItem.model_validate(it) for it in ITEMS]
    )
    text = " | ".join(problems)
    assert 'object "satellite" appears in no scene prompt' in text
    assert "scene s03 steps back from night to dawn" in text and "scene s02 lasts 6 s" in text
    assert "s01's prompt does not name its shot" in text
    assert "scene s02's weather (snow) breaks continuity between clear scenes" in text
    assert "astronaut" not in text.split("satellite")[0]  # items that are there are not reported


def test_the_models_own_critique_is_acted_on(llm: FakeLLM) -> None:
    fixed = shots(ITEMS)
    fixed["scenes"][3]["prompt"] = (
        "wide shot, slow pan right, the astronaut's visor cracks among "
        + fixed["scenes"][3]["prompt"].split(" among ")[1]
    )
    llm.replies = [
        chat(json.dumps(outline(ITEMS))),
        chat(json.dumps(bank(ITEMS))),
        chat(json.dumps(shots(ITEMS))),
        chat(json.dumps({"problems": ["s04 should show the visor cracking"]})),
        chat(json.dumps(fixed)),
        approve(),
    ]
    movie = crew(llm).write(REQUEST, scenes=None, seed=0, style=Style())
    assert "visor cracks" in movie.scenes[3].prompt and len(llm.requests) == 6
    assert "- s04 should show the visor cracking" in llm.requests[4]["body"]["messages"][-1]["content"]


def _faithfulness() -> list[dict[str, Any]]:
    if not FAITHFULNESS.exists():
        pytest.skip(f"{FAITHFULNESS} is not in this checkout")
    return [json.loads(line) for line in FAITHFULNESS.read_text().splitlines() if line.strip()]


def test_critique_revises_until_every_request_item_is_held(llm: FakeLLM) -> None:
    """On the faithfulness set: the shot list drops one item, the model's own critique misses it, the local
    check catches it; a revision that loses even more is not taken, and the next revision restores it."""
    before, after = [], []
    for row in _faithfulness():
        items = row["items"]
        missing = items[-1]["words"][0]
        # another item to lose (subjects stay visible through the character bank); f06 has none
        other = next((it["words"][0] for it in items[:-1] if it["role"] != "subject"), missing)
        llm.replies = [
            chat(json.dumps(outline(items))),
            chat(json.dumps(bank(items))),
            chat(json.dumps(shots(items, omit=(missing,)))),
            approve(),  # the model misses the gap
            chat(json.dumps(shots(items, omit=(missing, other)))),
            approve(),  # worse: not taken
            chat(json.dumps(shots(items))),
            approve(),
        ]
        llm.requests.clear()
        movie = crew(llm).write(row["request"], scenes=None, seed=0, style=Style())
        text = " ".join(sc.prompt for sc in movie.scenes)
        held = [any(stem_found(w, text) for w in it["words"]) for it in items]
        first = " ".join(sc["prompt"] for sc in shots(items, omit=(missing,))["scenes"])
        before.append(sum(any(stem_found(w, first) for w in it["words"]) for it in items) / len(items))
        after.append(sum(held) / len(items))
        assert all(held), (row["id"], items, text)
        revise = llm.requests[4]["body"]["messages"][-1]["content"]
        assert f'"{missing}" appears in no scene prompt' in revise, row["id"]
        assert len(llm.requests) == 8, row["id"]
    assert sum(after) / len(after) == 1.0 and sum(before) / len(before) < 0.9


# -- the user's character bank ------------------------------------------------------------------------------
def test_user_character_bank_replaces_casting(llm: FakeLLM, tmp_path: Path) -> None:
    path = tmp_path / "cast.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": "astronaut",
                    "name": "Commander Vega",
                    "kind": "person",
                    "description": "a woman astronaut in a gold-visored white suit",
                }
            ]
        )
    )
    reply = shots(ITEMS)
    for sc in reply["scenes"]:
        sc["subjects"] = ["Commander Vega"]
        sc["prompt"] = sc["prompt"].replace("the astronaut", "Commander Vega")
    llm.replies = [chat(json.dumps(outline(ITEMS))), chat(json.dumps(reply)), approve()]
    movie = crew(llm, characters=path).write(REQUEST, scenes=None, seed=0, style=Style())
    assert len(llm.requests) == 3  # outline, shots, critique: no casting request
    assert movie.characters[0].name == "Commander Vega"
    assert all("a woman astronaut in a gold-visored white suit" in sc.prompt for sc in movie.scenes)
    assert all(sc.subjects == ["astronaut"] for sc in movie.scenes)
    for bad, why in (("[]", "1-16"), ("{", "not JSON"), ('[{"id": "Bad Id!", "name": "x"}]', "id")):
        path.write_text(bad)
        with pytest.raises(InputError, match=why):
            crew(llm, characters=path)
    assert WRITERS.get("crew") is CrewWriter


# -- through the pipeline --------------------------------------------------------------------------------------
def test_crew_through_the_pipeline_reports_what_stays_unresolved(llm: FakeLLM, tmp_path: Path) -> None:
    from moviefactory import pipeline
    from moviefactory.config import Settings

    class Rec:
        def __init__(self) -> None:
            self.notes: list[str] = []
            self.labels: list[str] = []

        def start(self, key: str, label: str, total: float) -> None:
            self.labels.append(label)

        def update(self, key: str, completed: float, total: float | None = None) -> None: ...
        def finish(self, key: str) -> None: ...

        def note(self, message: str) -> None:
            self.notes.append(message)

    miss = chat(json.dumps(shots(ITEMS, omit=("satellite",))))
    llm.replies = [
        chat(json.dumps(outline(ITEMS))),
        chat(json.dumps(bank(ITEMS))),
        miss,
        approve(),
        miss,
        approve(),
        miss,
        approve(),
        miss,
    ]
    rec = Rec()
    settings = Settings(writer="crew", llm_base_url=llm.url, llm_api_key="", out=tmp_path)
    ws = pipeline.write_script(REQUEST, settings, seed=0, reporter=rec)
    assert len(llm.requests) == 9 and len(list((ws.root / "llm").glob("*.json"))) == 9
    assert json.loads(ws.script_path.read_text())["writer"] == "crew:gpt-4o-mini"
    assert (ws.root / "crew" / "05-revision-3.json").exists()
    assert rec.labels[:4] == ["writing the script", "script: outline", "script: characters", "script: shots"]
    (note,) = rec.notes
    assert "problem(s) left after 3 critique rounds" in note and "satellite" in note
