"""Saved views and stories: what a view is, its permalink, and the story file format.

A :class:`SavedView` is everything needed to show the map again exactly: the camera, the base
layers, what colours the areas (an indicator and year, or a saved scenario's outcome and
horizon), how buildings are coloured, night and top-down mode, the classification, and a
caption. A :class:`Story` is an ordered list of :class:`Step` (a title, text and a view).

Pure: no Streamlit, no files. Permalinks are URL query parameters (:func:`view_to_query`,
:func:`view_from_query`); story files are JSON (:func:`story_to_json`, :func:`story_from_json`,
documented in ``docs/presentation.md``). Bad input raises :class:`StoryError`, whose
:meth:`~StoryError.text` gives the message in Dutch or English.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from layers import CLASS_METHODS, PALETTES
from scenarios import OUTCOME_IDS

__all__ = [
    "BUILDING_MODES",
    "FILE_FORMAT",
    "FILE_VERSION",
    "LAYERS",
    "MAX_FILE_BYTES",
    "MAX_STEPS",
    "Camera",
    "SavedView",
    "Step",
    "Story",
    "StoryError",
    "demo_story",
    "story_from_dict",
    "story_from_json",
    "story_to_dict",
    "story_to_json",
    "view_from_dict",
    "view_from_query",
    "view_to_dict",
    "view_to_query",
]

#: Base layers a view may show (the map's ``LAYER_NAMES``; a test keeps both equal).
LAYERS = ("ground", "buildings", "streets", "lights", "outlines", "labels")
#: How buildings may be coloured (the map page's ``BUILDING_COLOURINGS``; a test keeps both equal).
BUILDING_MODES = ("none", "use", "year", "vacancy", "indicator")
#: The ``format`` tag and version of story files.
FILE_FORMAT = "socialtwin-story"
FILE_VERSION = 1
#: Largest story file accepted: a 100-step story is about 100 KB; more is not a story.
MAX_FILE_BYTES = 2_000_000
#: Most steps in a story: a council presentation has 5–20; 100 leaves room without abuse.
MAX_STEPS = 100
#: Longest title and longest text or caption (characters): a slide, not a report.
MAX_TITLE, MAX_TEXT = 160, 4000
#: Camera precision kept in a view: 1e-7° (≈1 cm), zoom 1/1000, angles 1/10 degree — finer
#: than anyone can see, and what a permalink carries, so a view and its link restore the same.
LONLAT_DECIMALS, ZOOM_DECIMALS, ANGLE_DECIMALS = 7, 3, 1
_ZOOM_RANGE, _PITCH_RANGE = (0.0, 22.0), (0.0, 85.0)


class StoryError(ValueError):
    """Bad story input (a file, a permalink, a view): ``code`` names the problem.

    ``str(err)`` is English (for logs and the command line); :meth:`text` gives the message in
    the user's language from the catalogue (``present.error.<code>``).
    """

    def __init__(self, code: str, message: str, **details: Any):
        super().__init__(message)
        self.code = code
        self.details = details

    def text(self, lang: str = "nl") -> str:
        from viewer.i18n import has, t

        key = f"present.error.{self.code}"
        if not has(key):
            return str(self)
        values = {k: ("–" if v is None else v) for k, v in self.details.items()}
        values.setdefault("detail", str(self))
        try:
            return t(key, lang=lang, **values)
        except (KeyError, IndexError):  # a placeholder without a detail: the English text
            return str(self)


@dataclass(frozen=True)
class Camera:
    """Where the map looks from: WGS84 centre, zoom (web-mercator level), pitch and bearing."""

    longitude: float
    latitude: float
    zoom: float
    pitch: float = 45.0
    bearing: float = 0.0

    def normalised(self) -> Camera:
        """Rounded to the kept precision, bearing in (-180, 180]; checked against the ranges."""
        values = {
            "longitude": self.longitude,
            "latitude": self.latitude,
            "zoom": self.zoom,
            "pitch": self.pitch,
            "bearing": self.bearing,
        }
        for name, v in values.items():
            if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
                raise StoryError(
                    "camera", f"camera {name} must be a number, got {v!r}", field=name, value=v
                )
        if not -180 <= self.longitude <= 180 or not -85 <= self.latitude <= 85:
            raise StoryError(
                "camera",
                f"camera position {self.longitude}, {self.latitude} is not a longitude/latitude",
                field="longitude",
                value=self.longitude,
            )
        for name, (lo, hi) in (("zoom", _ZOOM_RANGE), ("pitch", _PITCH_RANGE)):
            if not lo <= values[name] <= hi:
                raise StoryError(
                    "camera",
                    f"camera {name} {values[name]} is outside {lo}–{hi}",
                    field=name,
                    value=values[name],
                )
        bearing = float(self.bearing) % 360.0
        if bearing > 180:
            bearing -= 360.0
        return Camera(
            round(float(self.longitude), LONLAT_DECIMALS),
            round(float(self.latitude), LONLAT_DECIMALS),
            round(float(self.zoom), ZOOM_DECIMALS),
            round(float(self.pitch), ANGLE_DECIMALS),
            round(bearing, ANGLE_DECIMALS) + 0.0,
        )

    def to_view_state(self) -> dict[str, float]:
        """The camera as deck.gl's view state."""
        return asdict(self)


@dataclass(frozen=True)
class SavedView:
    """Everything the map shows, restorable exactly (see the module docstring).

    ``scenario`` is the id of a saved scenario (the scenario store); with it, areas are
    coloured by the scenario's change in ``outcome`` at ``horizon`` years, not by ``indicator``.
    """

    camera: Camera
    layers: tuple[str, ...] = LAYERS
    indicator: str | None = None
    year: int | None = None
    level: str = "buurt"
    buildings: str = "none"
    night: bool = False
    top_down: bool = False
    extrude: bool = False
    method: str = "quantile"
    k: int = 5
    palette: str = "auto"
    scenario: int | None = None
    outcome: str | None = None
    horizon: int | None = None
    caption: str = ""

    def normalised(self) -> SavedView:
        """Checked and rounded: the form in which views are stored, exported and linked."""
        bad_layers = [x for x in self.layers if x not in LAYERS]
        if bad_layers:
            raise StoryError(
                "layer",
                f"unknown map layer {bad_layers[0]!r}; layers: {', '.join(LAYERS)}",
                value=bad_layers[0],
            )
        checks = (
            ("level", self.level in ("buurt", "wijk")),
            ("buildings", self.buildings in BUILDING_MODES),
            ("method", self.method in CLASS_METHODS),
            ("palette", self.palette == "auto" or self.palette in PALETTES),
            ("k", isinstance(self.k, int) and 3 <= self.k <= 7),
            ("outcome", self.outcome is None or self.outcome in OUTCOME_IDS),
            (
                "horizon",
                self.horizon is None or (isinstance(self.horizon, int) and 1 <= self.horizon <= 10),
            ),
            ("year", self.year is None or (isinstance(self.year, int) and 1900 < self.year < 2200)),
            (
                "scenario",
                self.scenario is None or (isinstance(self.scenario, int) and self.scenario > 0),
            ),
        )
        for name, ok in checks:
            if not ok:
                value = getattr(self, name)
                raise StoryError(
                    "value",
                    f"view field {name} has an invalid value {value!r}",
                    field=name,
                    value=value,
                )
        if self.scenario is not None and self.outcome is None:
            raise StoryError(
                "value", "a view with a scenario needs an outcome", field="outcome", value=None
            )
        if len(self.caption) > MAX_TEXT:
            raise StoryError(
                "too_long",
                f"caption is longer than {MAX_TEXT} characters",
                field="caption",
                limit=MAX_TEXT,
            )
        ordered = tuple(x for x in LAYERS if x in set(self.layers))
        return replace(
            self, camera=self.camera.normalised(), layers=ordered, caption=self.caption.strip()
        )


@dataclass(frozen=True)
class Step:
    """One step of a story: a title, a few sentences and a view."""

    title: str
    view: SavedView
    text: str = ""


@dataclass(frozen=True)
class Story:
    """An ordered list of steps; ``scenarios`` embeds the saved scenarios its views use.

    ``scenarios`` maps a saved-scenario id to the scenario as a dict (``scenario_to_dict``).
    It travels in story files so a story works on another machine, and lets a story that is
    not in any store (the demo) show its scenarios.
    """

    title: str
    steps: tuple[Step, ...] = ()
    description: str = ""
    scenarios: Mapping[int, dict] = field(default_factory=dict)

    def scenario_ids(self) -> list[int]:
        """Saved-scenario ids the views refer to, in order of first use."""
        return list(dict.fromkeys(s.view.scenario for s in self.steps if s.view.scenario))


# -- permalinks ----------------------------------------------------------------------------------
#: Query parameter → view field. Short names keep links readable; defaults are left out.
_PARAMS = {
    "lon": "longitude",
    "lat": "latitude",
    "zoom": "zoom",
    "pitch": "pitch",
    "bearing": "bearing",
    "layers": "layers",
    "ind": "indicator",
    "year": "year",
    "level": "level",
    "bld": "buildings",
    "night": "night",
    "top": "top_down",
    "ext": "extrude",
    "method": "method",
    "k": "k",
    "pal": "palette",
    "scen": "scenario",
    "out": "outcome",
    "hor": "horizon",
    "cap": "caption",
}
_CAMERA = ("longitude", "latitude", "zoom", "pitch", "bearing")
_INTS = ("year", "k", "scenario", "horizon")
_BOOLS = ("night", "top_down", "extrude")
#: The parameter every permalink carries (how the Map page recognises one).
PERMALINK_MARK = "lon"


def _fmt_number(v: float) -> str:
    text = f"{v:.7f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def view_to_query(view: SavedView) -> dict[str, str]:
    """The view as URL query parameters (only what differs from the defaults, plus the camera)."""
    v = view.normalised()
    default = SavedView(camera=v.camera)
    out: dict[str, str] = {}
    for param, name in _PARAMS.items():
        value = getattr(v.camera, name) if name in _CAMERA else getattr(v, name)
        if name not in _CAMERA and value == getattr(default, name):
            continue
        if name == "layers":
            out[param] = ",".join(value) or "-"
        elif isinstance(value, bool):
            out[param] = "1" if value else "0"
        elif isinstance(value, float):
            out[param] = _fmt_number(value)
        else:
            out[param] = str(value)
    return out


def _parse(param: str, name: str, raw: str) -> Any:
    try:
        if name in _CAMERA:
            return float(raw.replace(",", ".")) if raw.strip() else math.nan
        if name in _INTS:
            return int(raw)
        if name in _BOOLS:
            if raw not in ("0", "1"):
                raise ValueError(raw)
            return raw == "1"
    except ValueError:
        raise StoryError(
            "param", f"link parameter {param}={raw!r} is not valid", field=param, value=raw
        ) from None
    if name == "layers":
        return tuple(x for x in raw.split(",") if x and x != "-")
    return raw


def view_from_query(params: Mapping[str, str | list[str]]) -> SavedView:
    """The view a permalink describes; raises :class:`StoryError` naming a bad parameter."""
    values: dict[str, Any] = {}
    for param, name in _PARAMS.items():
        if param not in params:
            continue
        raw = params[param]
        raw = raw[-1] if isinstance(raw, list) else raw
        values[name] = _parse(param, name, str(raw))
    missing = [p for p in ("lon", "lat", "zoom") if p not in params]
    if missing:
        raise StoryError(
            "param_missing", f"link lacks the parameter {missing[0]}", field=missing[0]
        )
    camera = Camera(**{k: values.pop(k) for k in _CAMERA if k in values})
    return SavedView(camera=camera, **values).normalised()


# -- story files ---------------------------------------------------------------------------------
def view_to_dict(v: SavedView) -> dict[str, Any]:
    """A view as the JSON-able object of story files and the store."""
    d = asdict(v.normalised())
    d["layers"] = list(d["layers"])
    return d


def story_to_dict(story: Story) -> dict[str, Any]:
    """The story as the JSON-able document of the file format (``docs/presentation.md``)."""
    used = story.scenario_ids()
    return {
        "format": FILE_FORMAT,
        "version": FILE_VERSION,
        "title": story.title,
        "description": story.description,
        "steps": [
            {"title": s.title, "text": s.text, "view": view_to_dict(s.view)} for s in story.steps
        ],
        "scenarios": {str(i): story.scenarios[i] for i in used if i in story.scenarios},
    }


def story_to_json(story: Story) -> str:
    """The story file (UTF-8 JSON, indented, stable key order)."""
    return json.dumps(story_to_dict(story), ensure_ascii=False, indent=2) + "\n"


def _text(value: Any, where: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        if required:
            raise StoryError("required", f"{where} is missing", field=where)
        return ""
    if not isinstance(value, str):
        raise StoryError("type", f"{where} must be text", field=where)
    if required and not value.strip():
        raise StoryError("required", f"{where} is empty", field=where)
    if len(value) > limit:
        raise StoryError(
            "too_long", f"{where} is longer than {limit} characters", field=where, limit=limit
        )
    return value.strip()


def view_from_dict(raw: Any, where: str = "view") -> SavedView:
    """A view from its JSON object; errors name ``where`` and the field."""
    if not isinstance(raw, dict):
        raise StoryError("type", f"{where} must be an object", field=where)
    allowed = {f for f in SavedView.__dataclass_fields__}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise StoryError(
            "unknown_field",
            f"{where} has an unknown field {unknown[0]!r}",
            field=f"{where}.{unknown[0]}",
        )
    cam = raw.get("camera")
    if not isinstance(cam, dict) or not {"longitude", "latitude", "zoom"} <= set(cam):
        raise StoryError(
            "camera",
            f"{where}.camera needs longitude, latitude and zoom",
            field=f"{where}.camera",
            value=cam,
        )
    extra = sorted(set(cam) - set(_CAMERA))
    if extra:
        raise StoryError(
            "unknown_field",
            f"{where}.camera has an unknown field {extra[0]!r}",
            field=f"{where}.camera.{extra[0]}",
        )
    fields_ = {k: v for k, v in raw.items() if k != "camera"}
    if "layers" in fields_:
        if not isinstance(fields_["layers"], list):
            raise StoryError("type", f"{where}.layers must be a list", field=f"{where}.layers")
        fields_["layers"] = tuple(fields_["layers"])
    for name in _BOOLS:
        if name in fields_ and not isinstance(fields_[name], bool):
            raise StoryError(
                "type", f"{where}.{name} must be true or false", field=f"{where}.{name}"
            )
    try:
        return SavedView(camera=Camera(**cam), **fields_).normalised()
    except StoryError as err:
        err.details["field"] = f"{where}.{err.details.get('field', '')}".rstrip(".")
        raise
    except TypeError as err:
        raise StoryError("type", f"{where}: {err}", field=where) from None


def story_from_dict(doc: Any) -> Story:
    """A story from its file document; every problem names the step and field."""
    if not isinstance(doc, dict):
        raise StoryError("not_story", "the file is not a story (expected a JSON object)")
    if doc.get("format") != FILE_FORMAT:
        raise StoryError("not_story", f"the file is not a story (format is not {FILE_FORMAT!r})")
    if doc.get("version") != FILE_VERSION:
        raise StoryError(
            "version",
            f"story file version {doc.get('version')!r} is not "
            f"supported (this program reads version {FILE_VERSION})",
            value=doc.get("version"),
        )
    known = {"format", "version", "title", "description", "steps", "scenarios"}
    unknown = sorted(set(doc) - known)
    if unknown:
        raise StoryError("unknown_field", f"unknown field {unknown[0]!r}", field=unknown[0])
    title = _text(doc.get("title"), "title", MAX_TITLE, required=True)
    description = _text(doc.get("description"), "description", MAX_TEXT)
    steps_raw = doc.get("steps", [])
    if not isinstance(steps_raw, list):
        raise StoryError("type", "steps must be a list", field="steps")
    if len(steps_raw) > MAX_STEPS:
        raise StoryError(
            "too_many",
            f"a story has at most {MAX_STEPS} steps, this one has {len(steps_raw)}",
            limit=MAX_STEPS,
        )
    steps = []
    for i, raw in enumerate(steps_raw, start=1):
        where = f"steps[{i}]"
        if not isinstance(raw, dict):
            raise StoryError("type", f"step {i} must be an object", field=where, step=i)
        unknown = sorted(set(raw) - {"title", "text", "view"})
        if unknown:
            raise StoryError(
                "unknown_field",
                f"step {i} has an unknown field {unknown[0]!r}",
                field=f"{where}.{unknown[0]}",
                step=i,
            )
        try:
            steps.append(
                Step(
                    title=_text(raw.get("title"), f"{where}.title", MAX_TITLE, required=True),
                    text=_text(raw.get("text"), f"{where}.text", MAX_TEXT),
                    view=view_from_dict(raw.get("view"), f"{where}.view"),
                )
            )
        except StoryError as err:
            err.details.setdefault("step", i)
            raise
    scenarios = _scenarios_from(doc.get("scenarios", {}))
    story = Story(title=title, steps=tuple(steps), description=description, scenarios=scenarios)
    for i, step in enumerate(story.steps, start=1):
        sid = step.view.scenario
        if sid is not None and sid not in scenarios:
            raise StoryError(
                "scenario_missing",
                f"step {i} uses scenario {sid}, which the file does not contain",
                step=i,
                value=sid,
            )
    return story


def _scenarios_from(raw: Any) -> dict[int, dict]:
    from scenarios import ScenarioError, scenario_from_dict, scenario_to_dict

    if not isinstance(raw, dict):
        raise StoryError("type", "scenarios must be an object of id → scenario", field="scenarios")
    out: dict[int, dict] = {}
    for key, value in raw.items():
        if not str(key).isdigit() or int(key) <= 0:
            raise StoryError(
                "value",
                f"scenario id {key!r} must be a positive whole number",
                field="scenarios",
                value=key,
            )
        try:
            out[int(key)] = scenario_to_dict(scenario_from_dict(value))
        except (ScenarioError, TypeError, ValueError, AttributeError) as err:
            raise StoryError(
                "scenario", f"scenario {key} is not valid: {err}", value=key, detail=str(err)
            ) from None
    return out


def story_from_json(data: bytes | str) -> Story:
    """Read a story file; raises :class:`StoryError` with a clear message for bad files."""
    if isinstance(data, bytes):
        if len(data) > MAX_FILE_BYTES:
            raise StoryError(
                "too_big",
                f"the file is larger than {MAX_FILE_BYTES // 1_000_000} "
                "MB; a story file is much smaller",
                limit=MAX_FILE_BYTES,
            )
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise StoryError("encoding", "the file is not UTF-8 text") from None
    elif len(data) > MAX_FILE_BYTES:
        raise StoryError("too_big", "the file is too large for a story", limit=MAX_FILE_BYTES)
    try:
        doc = json.loads(data)
    except json.JSONDecodeError as err:
        raise StoryError(
            "json",
            f"the file is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})",
            line=err.lineno,
            column=err.colno,
        ) from None
    return story_from_dict(doc)


def demo_story(lang: str = "nl") -> Story:
    """The ready-made story of the Heerlen demo (Dutch, or English for ``en`` and ``de``)."""
    from twin import data_dir

    name = "nl" if lang == "nl" else "en"
    return story_from_json((data_dir() / "present" / f"demo-story.{name}.json").read_bytes())
