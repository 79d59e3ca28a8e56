"""The city model's layers: their columns, types, geometry and value rules.

One table per layer; the loader, the importers and the demo generator all check against it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BUILDING_USES", "GROUND_KINDS", "LAYERS", "LAYER_NAMES", "Column", "LayerSchema"]

#: Building uses (BAG gebruiksdoel, simplified).
BUILDING_USES = (
    "residential",
    "mixed",
    "retail",
    "office",
    "education",
    "healthcare",
    "industrial",
    "community",
    "garage",
    # Imports only: BAG registers no use for the building (no BAG data, or a pand without
    # units). Never guessed; shown as "unknown".
    "unknown",
)

#: Land-use classes of the ground layer, drawn instead of a basemap.
GROUND_KINDS = ("built", "road", "park", "water", "forest", "farmland")

#: Neighbourhood levels, from largest to smallest.
AREA_LEVELS = ("gemeente", "wijk", "buurt")


@dataclass(frozen=True)
class Column:
    """One required column: name, kind ('str', 'int', 'float', 'bool') and value rules."""

    name: str
    kind: str
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    unique: bool = False


@dataclass(frozen=True)
class LayerSchema:
    """A layer: required columns, allowed geometry types, whether it may be empty."""

    name: str
    columns: tuple[Column, ...]
    geometry: tuple[str, ...]
    required: bool = True

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


LAYERS: dict[str, LayerSchema] = {
    s.name: s
    for s in (
        LayerSchema(
            "neighbourhoods",
            (
                Column("code", "str", unique=True),
                Column("name", "str"),
                Column("level", "str", choices=AREA_LEVELS),
                Column("parent", "str", nullable=True),
            ),
            ("Polygon", "MultiPolygon"),
        ),
        LayerSchema(
            "buildings",
            (
                Column("id", "str", unique=True),
                Column("buurt", "str", nullable=True),
                Column("use", "str", choices=BUILDING_USES),
                Column("height", "float", min=0, max=400),
                Column("ground_level", "float", nullable=True, min=-10, max=400),
                Column("year_built", "int", nullable=True, min=1000, max=2100),
                Column("dwellings", "int", min=0),
                Column("vacant", "bool"),
            ),
            ("Polygon", "MultiPolygon"),
        ),
        LayerSchema(
            "streets",
            (
                Column("id", "str", unique=True),
                Column("highway", "str"),
                Column("name", "str", nullable=True),
                Column("buurt", "str", nullable=True),
            ),
            ("LineString", "MultiLineString"),
        ),
        LayerSchema(
            "lights",
            (
                Column("id", "str", unique=True),
                Column("height", "float", min=0, max=50),
                Column("lumen", "float", min=0, max=200_000),
                Column("estimated", "bool"),
            ),
            ("Point",),
            required=False,
        ),
        LayerSchema(
            "ground",
            (Column("kind", "str", choices=GROUND_KINDS),),
            ("Polygon", "MultiPolygon"),
            required=False,
        ),
    )
}

#: Layer names in drawing order.
LAYER_NAMES = tuple(LAYERS)
