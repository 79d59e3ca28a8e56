"""The city model: one :class:`Twin` holds every layer, the indicators and the manifest."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import xarray as xr

from twin.constants import WGS84_CRS
from twin.manifest import Manifest
from twin.privacy import Suppressed, public_indicators
from twin.schema import LAYER_NAMES

__all__ = ["Twin"]


@dataclass(frozen=True, eq=False)
class Twin:
    """A social digital twin of one municipality.

    Geometry is in RD New (EPSG:28992) for analysis; :meth:`to_wgs84` gives display copies.

    Attributes
    ----------
    name, municipality : str
        Display name and CBS municipality code (e.g. "GM0917").
    neighbourhoods : GeoDataFrame
        gemeente, wijk and buurt polygons: ``code``, ``name``, ``level``, ``parent``.
    buildings : GeoDataFrame
        Footprints with ``id``, ``buurt``, ``use``, ``height`` (m above ground),
        ``ground_level`` (m NAP), ``year_built``, ``dwellings``, ``vacant``.
    streets : GeoDataFrame
        Centre lines with ``id``, ``highway`` (OSM class), ``name``, ``buurt``.
    lights : GeoDataFrame
        Street lights with ``id``, ``height`` (m), ``lumen``, ``estimated``.
    ground : GeoDataFrame
        Land-use polygons (``kind``: built, road, park, water, forest, farmland).
    indicators : xr.Dataset
        Raw indicators (year × area). Show only :attr:`public` to anyone.
    manifest : Manifest
        Source, licence, purpose, legal basis, date, synthetic flag, minimum count.
    gaps : tuple of str
        Layers the source did not provide (the twin works without them; the UI says so).
    """

    name: str
    municipality: str
    neighbourhoods: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    lights: gpd.GeoDataFrame
    ground: gpd.GeoDataFrame
    indicators: xr.Dataset
    manifest: Manifest
    path: Path | None = None
    gaps: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    # -- layers ---------------------------------------------------------------------------
    def layer(self, name: str) -> gpd.GeoDataFrame:
        """A layer by name (one of :data:`twin.schema.LAYER_NAMES`)."""
        if name not in LAYER_NAMES:
            raise KeyError(f"unknown layer {name!r}; layers: {', '.join(LAYER_NAMES)}")
        frame: gpd.GeoDataFrame = getattr(self, name)
        return frame

    @property
    def buurten(self) -> gpd.GeoDataFrame:
        return self.neighbourhoods[self.neighbourhoods["level"] == "buurt"]

    @property
    def wijken(self) -> gpd.GeoDataFrame:
        return self.neighbourhoods[self.neighbourhoods["level"] == "wijk"]

    def area_name(self, code: str) -> str:
        """Name of a neighbourhood by CBS code (the code itself when unknown)."""
        names = self._names
        return names.get(code, code)

    @cached_property
    def _names(self) -> dict[str, str]:
        return dict(zip(self.neighbourhoods["code"], self.neighbourhoods["name"], strict=True))

    @cached_property
    def _wgs84(self) -> dict[str, gpd.GeoDataFrame]:
        return {}

    def to_wgs84(self, name: str) -> gpd.GeoDataFrame:
        """A layer reprojected to WGS84 for display (computed once per twin)."""
        cache = self._wgs84
        if name not in cache:
            cache[name] = self.layer(name).to_crs(WGS84_CRS)
        return cache[name]

    # -- indicators -----------------------------------------------------------------------
    @cached_property
    def public(self) -> Suppressed:
        """Indicators after suppression of small counts: the only view anyone is shown."""
        return public_indicators(self.indicators)

    @property
    def years(self) -> list[int]:
        return [int(y) for y in self.indicators["year"].to_numpy()]

    # -- identity -------------------------------------------------------------------------
    @cached_property
    def fingerprint(self) -> str:
        """A short hash of the content: caches key on it, scenarios change it."""
        h = hashlib.blake2b(digest_size=8)
        h.update(self.name.encode())
        for name in LAYER_NAMES:
            frame = self.layer(name)
            h.update(name.encode())
            h.update(str(len(frame)).encode())
            if len(frame):
                values = pd.util.hash_pandas_object(
                    pd.DataFrame(frame.drop(columns=frame.geometry.name)), index=False
                ).to_numpy()
                h.update(values.tobytes())
                h.update(frame.geometry.to_wkb().to_numpy().astype(bytes).tobytes())
        h.update(repr(sorted(str(n) for n in self.indicators.data_vars)).encode())
        h.update(self.indicators.to_array().to_numpy().tobytes())
        return h.hexdigest()

    def replace_layers(self, **layers: gpd.GeoDataFrame) -> Twin:
        """A new twin with some layers replaced (e.g. a scenario that adds lights)."""
        unknown = set(layers) - set(LAYER_NAMES)
        if unknown:
            raise KeyError(f"unknown layers {sorted(unknown)}; layers: {', '.join(LAYER_NAMES)}")
        return replace(self, **layers)

    def counts(self) -> dict[str, int]:
        """Number of features per layer."""
        return {name: len(self.layer(name)) for name in LAYER_NAMES}

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in self.counts().items())
        return f"Twin({self.name!r}, {self.municipality}, {counts})"
