from __future__ import annotations

import json

import pytest

from moviefactory.errors import InputError
from moviefactory.spec import Movie, Scene, Style, Transition, check_text, json_schema


def _movie(**kw: object) -> Movie:
    scenes = kw.pop("scenes", None) or [Scene(id=f"s{i:02d}", prompt=f"scene {i}") for i in range(1, 4)]
    return Movie(request="a race", title="Race", scenes=scenes, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("x" * 4001, "limit is 4000"),
        ("bad\x07bell", "control character"),
    ],
)
def test_check_text_rejects_bad_requests(text: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        check_text(text)


def test_check_text_keeps_unicode_and_punctuation() -> None:
    text = 'He said: "50% [done] {x} \\ ok" 🚗 مرحبا שלום'
    assert check_text(f"  {text}\n") == text


def test_timeline_overlaps_transitions_and_cuts() -> None:
    scenes = [
        Scene(id="s01", prompt="a", duration_s=2.0),
        Scene(id="s02", prompt="b", duration_s=3.0, transition_in=Transition.crossfade, transition_s=0.5),
        Scene(id="s03", prompt="c", duration_s=2.0, transition_in=Transition.cut),
    ]
    m = _movie(scenes=scenes)
    tl = m.timeline()
    assert [(e.start_s, e.end_s) for e in tl] == [(0.0, 2.0), (1.5, 4.5), (4.5, 6.5)]
    assert m.total_duration_s() == pytest.approx(6.5)


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda d: d["scenes"][0].update(duration_s=99), "duration_s"),
        (lambda d: d["scenes"][0].update(shot="sideways"), "shot"),
        (lambda d: d.update(scenes=[]), "scenes"),
        (lambda d: d["scenes"][1].update(id="s01"), "unique"),
        (lambda d: d["scenes"][0].update(subjects=["ghost"]), "not character ids"),
        (lambda d: d["scenes"][1].update(transition_s=1.9, duration_s=1.0), "transition_s"),
        (lambda d: d["scenes"][0].update(prompt="x" * 1001), "prompt"),
        (lambda d: d.update(schema_version=2), "schema_version"),
        (lambda d: d.update(surprise=1), "surprise"),
    ],
)
def test_edited_script_violations_are_one_line_errors(mutate, fragment: str) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(_movie().to_json())
    mutate(data)
    with pytest.raises(InputError) as info:
        Movie.from_json(json.dumps(data))
    msg = str(info.value)
    assert fragment in msg and "\n" not in msg


def test_roundtrip_and_schema_export() -> None:
    m = _movie()
    assert Movie.from_json(m.to_json()) == m
    schema = json_schema()
    assert schema["properties"]["scenes"]["maxItems"] == 60
    assert "Scene" in schema["$defs"]


def test_not_json_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="not valid JSON"):
        Movie.from_json("{nope")


@pytest.mark.parametrize("aspect", ["2.35:1", "16:9", "9:16", "1:1"])
def test_style_for_aspect_has_exact_output_aspect(aspect: str) -> None:
    st = Style.for_aspect(aspect)
    target = {"2.35:1": 2.35, "16:9": 16 / 9, "9:16": 9 / 16, "1:1": 1.0}[aspect]
    assert st.output_width % 2 == 0 and st.output_height % 2 == 0
    # exact up to rounding the height to an even number of pixels
    assert abs(st.output_width / st.output_height - target) < 2 * target / st.output_height
    assert st.output_width >= st.width and st.output_height >= st.height
