"""The LLM writer's instructions: the paper's prompt (section 2.1) plus our JSON contract.

The paper's wording is kept as published (including its grammar), with "[User Input]" replaced by the
request; our additions say which JSON to return and what each field means.
"""

from __future__ import annotations

import json
from typing import Any

from moviefactory.spec import Style

# Scenes asked for when the user gives no count (the paper's movies are 8-12 two-second shots); a reply
# outside this range goes back to the model.
SCENE_RANGE = (8, 12)

# MovieFactory (Zhu et al. 2023), section 2.1, verbatim.
PAPER_PROMPT = (
    "Write a sequence of prompts, using for movie generation for AI. Requirements: "
    "1) each prompt only serves for one scene lasting for about 2 seconds; "
    "2) each prompt contains clear subjects and detailed descriptions; "
    '3) each prompt contains texts like "4K" and "high resolution" for leading high-quality generation; '
    "4) the transition of each scene is very smooth; "
    "5) no other character appears in this movie. "
    "The movie is about [User Input]"
)

_FIELDS = """\
Return ONE JSON object and nothing else (no prose, no Markdown fences). It must follow this JSON Schema:
{schema}

How to fill it:
- "title": a short movie title; "logline": one sentence summarising the plot.
- "tone": the whole movie's feel for choosing music: "mood" (one of {moods}), "tempo" (one of {tempos}),
  "music_query": a short description of fitting background music (e.g. "driving orchestral action with drums").
- "characters": every recurring subject, at most 16: "id" (lower-case letters, digits, "-" or "_"), "name"
  (as the story calls it, e.g. "the red car"), "description" (its look, kept identical in every scene),
  "kind" (ONE plain noun a picture generator can draw: "car", "airplane", "dog", "person", "robot"),
  "color" (its main colour as "#rrggbb").
- "scenes": {count}. Each scene is one shot of about 2 seconds:
  "prompt": the generation prompt (clear subjects, detailed description, the setting, light and camera, and
  the words "4K" and "high resolution"); "duration_s" (about 2.0; 1.5-3.0 allowed);
  "shot" (one of {shots}); "camera" (one of {cameras});
  "subjects": ids of the characters visible in the scene (only ids from "characters"; props such as a
  checkered flag stay in the prompt text); "setting": where it happens, a few words;
  "time_of_day" (one of {tods}) and "weather" (one of {weathers}): keep them continuous from scene to scene;
  "action": what happens, a few words; "sound": a concrete sound-effect search query for this scene
  (e.g. "sports car engine roaring past"); "subtitle": one short line in plain language;
  "narration": an optional spoken line ("" for most scenes); "transition_in" (one of {transitions};
  mostly "crossfade"); "transition_s" (0.5 for a crossfade).
- Introduce each main subject early (close-ups), build up to a climax, and end on a wide resolution shot.
- Leave out "schema_version", "request", "style", "writer" and the scene "id"/"seed" fields: they are filled in
  by the program.
"""


def _values(schema: dict[str, Any], name: str) -> str:
    enum = schema.get("$defs", {}).get(name, {}).get("enum", [])
    return ", ".join(f'"{v}"' for v in enum)


def system_prompt(schema: dict[str, Any], *, scenes: int | None) -> str:
    """The instructions sent as the system message: the JSON contract with the exported schema."""
    count = (
        f"exactly {scenes} scenes"
        if scenes
        else f"as many scenes as the story needs, between {SCENE_RANGE[0]} and {SCENE_RANGE[1]}"
    )
    return "You are a film director and screenwriter for an AI movie generator.\n\n" + _FIELDS.format(
        schema=json.dumps(schema, separators=(",", ":")),
        moods=_values(schema, "Mood"),
        tempos=_values(schema, "Tempo"),
        shots=_values(schema, "Shot"),
        cameras=_values(schema, "Camera"),
        tods=_values(schema, "TimeOfDay"),
        weathers=_values(schema, "Weather"),
        transitions=_values(schema, "Transition"),
        count=count,
    )


def language_rule(language: str | None) -> str:
    """Subtitles and narration in the user's language; prompts and sound queries stay English, because the
    picture and sound models read English."""
    if not language:
        return ""
    return (
        f'Write "subtitle" and "narration" in {language}. Keep "prompt", "sound", "setting" and "action" '
        "in English."
    )


def user_prompt(request: str, *, scenes: int | None, style: Style, language: str | None = None) -> str:
    """The paper's prompt with the user's request, plus the scene count and the look to quote."""
    parts = [PAPER_PROMPT.replace("[User Input]", request)]
    if scenes:
        parts.append(f"Write exactly {scenes} scenes.")
    if language:
        parts.append(language_rule(language))
    parts.append(f'End every prompt with the look: "{style.look}". Frame: {style.aspect}.')
    parts.append("Answer with the JSON object only.")
    return "\n\n".join(parts)


def repair_prompt(problem: str, *, scenes: int | None) -> str:
    """The follow-up message after an invalid reply: what was wrong, and the request to fix it."""
    count = f" It must have exactly {scenes} scenes." if scenes else ""
    return (
        f"Your reply could not be used: {problem}\n"
        f"Reply with the corrected, complete JSON object only, following the schema.{count}"
    )


CONTINUE_PROMPT = (
    "Your reply was cut off by the length limit. Continue exactly where it stopped: output only the missing "
    "rest of the JSON, without repeating anything and without Markdown fences."
)


def shorter_prompt(problem: str) -> str:
    """The follow-up after a reply that did not fit the token limit."""
    return (
        f"Your reply could not be used: {problem}. Write the complete JSON object again, shorter: keep every text "
        "field brief (prompts under 40 words, one short sentence elsewhere), no reasoning, no prose."
    )


# -- the crew (crew.py): director -> casting -> screenwriter/storyboard -> script supervisor --------------
def bank_text(characters: list[dict[str, Any]]) -> str:
    """The character bank as the screenwriter sees it: ids, names and the fixed descriptions."""
    lines = [
        f'- id "{c["id"]}": {c["name"]} ({c.get("kind") or "subject"}): "{c.get("description", "")}"'
        for c in characters
    ]
    return (
        'Character bank (use these ids in "subjects"; copy each description word for word into every prompt '
        "that shows the character, so it looks the same in every scene):\n" + "\n".join(lines)
    )


def outline_prompt(request: str, *, scenes: int | None, schema: dict[str, Any]) -> list[dict[str, str]]:
    """Director: the story outline, the tone, and the request's items that the movie must carry."""
    count = f"exactly {scenes}" if scenes else f"{SCENE_RANGE[0]} to {SCENE_RANGE[1]}"
    system = (
        "You are the director of a film crew making a short AI-generated movie of two-second shots. Plan the "
        "story before anyone writes prompts. Return ONE JSON object following this JSON Schema:\n"
        + json.dumps(schema, separators=(",", ":"))
        + '\n\n- "items": every thing the request names that the movie must carry: subjects, objects, the '
        'setting, actions, time and weather; "words": lower-case word stems any of which shows the item '
        '(e.g. ["repair", "fix"]); "draw": true for what can be seen.\n'
        f'- "beats": {count} beats, one per two-second shot, each one sentence: introduce the subjects, build '
        "up to a climax, end on a wide resolution. Every item appears in at least one beat.\n"
        '- "tone": the whole movie\'s mood and tempo and a short background-music description.'
    )
    user = PAPER_PROMPT.replace("[User Input]", request) + "\n\nAnswer with the JSON object only."
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def casting_prompt(request: str, outline: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, str]]:
    """Casting: a character bank with one fixed visual description per recurring subject."""
    system = (
        "You are the casting and costume lead of a film crew. Define every recurring subject of the movie once, "
        "so a picture generator draws it the same in every shot. Return ONE JSON object following this JSON "
        "Schema:\n" + json.dumps(schema, separators=(",", ":")) + "\n\n"
        '- "id": lower-case letters, digits, "-"; "name": as the story calls it; "kind": ONE plain drawable noun '
        '("car", "dog", "person"); "description": its fixed look in at most 20 words (colour, size, clothing, '
        'markings), written so it can be pasted into any prompt; "color": its main colour as "#rrggbb".\n'
        "- Only subjects, never actions or events (a race is not a character)."
    )
    user = f"The request: {request}\n\nThe director's outline:\n{json.dumps(outline, ensure_ascii=False)}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user + "\n\nJSON only."}]


def shots_prompt(
    request: str,
    outline: dict[str, Any],
    characters: list[dict[str, Any]],
    *,
    scenes: int | None,
    style: Style,
    schema: dict[str, Any],
    language: str | None = None,
) -> list[dict[str, str]]:
    """Screenwriter + storyboard: one scene per beat, with shot size and camera move named in the prompt."""
    n = len(outline.get("beats", [])) or scenes
    beats = "\n".join(f"{i + 1}. {b}" for i, b in enumerate(outline.get("beats", [])))
    user = "\n\n".join(
        part
        for part in [
            PAPER_PROMPT.replace("[User Input]", request),
            f"Title: {outline.get('title', '')}. Logline: {outline.get('logline', '')}",
            f"The director's beats, one scene each ({n} scenes):\n{beats}",
            bank_text(characters),
            'Each prompt names its shot size and camera move in words (e.g. "close-up, slow dolly in, of …"); '
            "keep time of day and weather continuous from scene to scene; every scene lasts about 2 seconds.",
            f'End every prompt with the look: "{style.look}". Frame: {style.aspect}.',
            language_rule(language),
            "Answer with the JSON object only.",
        ]
        if part
    )
    return [
        {
            "role": "system",
            "content": "You are the screenwriter and storyboard artist of a film crew.\n\n"
            + system_prompt(schema, scenes=n),
        },
        {"role": "user", "content": user},
    ]


def critique_prompt(
    request: str, items: list[dict[str, Any]], script: dict[str, Any], schema: dict[str, Any]
) -> list[dict[str, str]]:
    """Script supervisor: check the script against the request and list what must change (nothing = approve)."""
    checklist = "\n".join(f'- the {it["role"]} "{it["words"][0]}"' for it in items)
    system = (
        "You are the script supervisor of a film crew. Check the shooting script against the request and list "
        "concrete problems a rewrite must fix. Return ONE JSON object following this JSON Schema:\n"
        + json.dumps(schema, separators=(",", ":"))
        + "\n\nCheck: every item of the request appears in some scene prompt; continuity (characters look the "
        "same, time of day and weather progress plausibly, places follow each other); every scene lasts about "
        '2 seconds; every prompt names its shot size and camera move. "problems": one short sentence each, '
        "naming the scene id; an empty list approves the script."
    )
    user = f"The request: {request}\nItems it must carry:\n{checklist}\n\nThe script:\n" + json.dumps(
        script, ensure_ascii=False
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user + "\n\nJSON only."}]


def revision_prompt(problems: list[str], *, scenes: int | None) -> str:
    """The follow-up that asks the screenwriter to revise after the critique."""
    count = f" Keep exactly {scenes} scenes." if scenes else ""
    listed = "\n".join(f"- {p}" for p in problems)
    return (
        f"The script supervisor found these problems:\n{listed}\n"
        "Revise the script to fix every one of them, changing as little else as possible. Reply with the "
        f"complete corrected JSON object only, following the schema.{count}"
    )
