"""Synthetic Dutch street names (the demo's streets are generated; so are their names)."""

from __future__ import annotations

import numpy as np

_STEMS = (
    "Akker",
    "Beuken",
    "Eiken",
    "Linden",
    "Esdoorn",
    "Kastanje",
    "Berken",
    "Populieren",
    "Mijnwerkers",
    "Schacht",
    "Kolen",
    "Oranje",
    "Emma",
    "Wilhelmina",
    "Juliana",
    "Kasteel",
    "Molen",
    "Kerk",
    "School",
    "Veld",
    "Heide",
    "Beek",
    "Weide",
    "Hoeve",
    "Bron",
    "Bongerd",
    "Kapel",
    "Steen",
    "Hof",
    "Zon",
    "Meidoorn",
    "Vlier",
    "Hazel",
    "Wilgen",
    "Iepen",
    "Lijster",
    "Merel",
    "Zwaluw",
    "Meeuwen",
    "Valken",
    "Kievit",
    "Reiger",
    "Koekoek",
    "Fazant",
    "Spreeuw",
    "Tulpen",
    "Rozen",
    "Anjer",
    "Lelie",
    "Klaver",
    "Vlas",
    "Haver",
    "Gerst",
    "Rogge",
    "Tarwe",
    "Dahlia",
    "Jasmijn",
    "Seringen",
    "Hortensia",
    "Magnolia",
    "Laurier",
    "Hulst",
    "Taxus",
    "Ganzen",
    "Zwanen",
    "Duiven",
    "Vinken",
    "Mussen",
    "Uilen",
    "Specht",
    "Gaai",
    "Kraaien",
    "Koper",
    "Zilver",
    "Goud",
    "Ijzer",
    "Tin",
    "Lood",
    "Kwarts",
    "Graniet",
    "Mergel",
    "Leem",
)
_SUFFIXES = ("straat", "laan", "weg", "hof", "pad", "dreef", "singel", "plein", "gaard", "erf")
_MAIN = (
    "Heerlerbaan",
    "Kissel",
    "Valkenburgerweg",
    "Akerstraat",
    "Schaesbergerweg",
    "Beersdalweg",
    "Palemigerboord",
    "Ganzeweide",
    "Wijngaardsweg",
    "Rennemigerveldweg",
    "Schandelerboord",
    "Sittarderweg",
    "Hoensbroekerweg",
    "Nieuwe Prinsenbaan",
    "Douvenrader Allee",
    "Kloosterweg",
    "Amstenraderweg",
    "Klinkertstraat",
    "Nobelstraat",
    "Groene Boord",
)


class StreetNamer:
    """Hands out unique synthetic street names, deterministically from ``rng``."""

    def __init__(self, rng: np.random.Generator) -> None:
        names = [s + x for s in _STEMS for x in _SUFFIXES]
        order = rng.permutation(len(names))
        self._local = [names[i] for i in order]
        self._main = list(_MAIN)
        self._i = 0
        self._m = 0

    def local(self) -> str:
        name = self._local[self._i % len(self._local)]
        if self._i >= len(self._local):
            name += f" {self._i // len(self._local) + 1}"
        self._i += 1
        return name

    def main(self) -> str:
        if self._m < len(self._main):
            name = self._main[self._m]
        else:
            name = self.local().replace("straat", "weg")
        self._m += 1
        return name
