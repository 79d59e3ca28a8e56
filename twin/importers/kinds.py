"""The kinds of source ``socialtwin import`` understands (light: the command's help needs it)."""

from __future__ import annotations

__all__ = ["IMPORT_KINDS"]

#: Kinds of source ``socialtwin import`` understands, with the files each takes.
IMPORT_KINDS: dict[str, str] = {
    "wijkbuurtkaart": "CBS Wijk- en Buurtkaart GeoPackage (layers gemeenten, wijken, buurten)",
    "3dbag": "3DBAG buildings: GeoPackage tiles (pand + lod12_2d/lod13_2d/lod22_2d) or "
    "CityJSONSeq (.city.jsonl)",
    "osm": "OpenStreetMap roads and street lamps: GeoJSON or Overpass JSON",
    "bag": "BAG pand use and units (PDOK bag:pand: identificatie, gebruiksdoel, "
    "aantal_verblijfsobjecten) as GeoJSON or GeoPackage",
    "kerncijfers": "CBS Kerncijfers wijken en buurten: StatLine OData JSON or CSV, one per year",
    "politie": "Registered crime, Politie/CBS 47018NED (yearly) or 47022NED (monthly): OData "
    "JSON or CSV",
    "leefbaarometer": "Leefbaarometer 3.0: buurt scores CSV, grid scores CSV + grid GeoPackage",
}
