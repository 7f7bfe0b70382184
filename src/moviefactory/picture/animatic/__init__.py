"""The animatic picture backend: fast, offline, procedural previz of each scene (no GPU, no weights).

Registry target: "moviefactory.picture.animatic:AnimaticBackend". For tests and tools, `plan_scene` resolves a
scene to plain values and `render_frames(plan, with_mask=...)` yields frames without encoding video.
"""

from moviefactory.picture.animatic.backend import AnimaticBackend
from moviefactory.picture.animatic.render import ScenePlan, SubjectPlan, plan_scene, render_frames
from moviefactory.picture.animatic.shapes import KINDS

__all__ = ["KINDS", "AnimaticBackend", "ScenePlan", "SubjectPlan", "plan_scene", "render_frames"]
