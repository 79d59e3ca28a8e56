"""The app's pages: one module per page, registered in :data:`PAGES`.

Adding a page = one module in this folder that defines ``render()`` and ends with::

    if __name__ == "__main__":
        render()

plus one line in :data:`PAGES` (and its strings in ``data/i18n/<domain>.toml``). ``viewer/app.py``
builds the navigation from this list; ``tests/test_viewer_app.py`` runs every entry headless.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["PAGES", "PageSpec", "pages_for"]

_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class PageSpec:
    """A page: its file in this folder, title key in the catalogue, URL path and icon."""

    file: str
    title_key: str
    url_path: str
    icon: str
    default: bool = False
    public: bool = False  # shown in public mode (SOCIALTWIN_PUBLIC: residents only)

    @property
    def path(self) -> Path:
        return _HERE / self.file


#: The pages in navigation order. Later issues append CPTED, Scenarios, Assistant, Presentation.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("map.py", "app.page.map", "kaart", ":material/map:", default=True),
    PageSpec("dashboard.py", "app.page.dashboard", "buurtdashboard", ":material/monitoring:"),
    PageSpec("sources.py", "app.page.sources", "bronnen", ":material/dataset:"),
    PageSpec("night.py", "night.page", "nacht", ":material/nightlight:"),
    PageSpec("cpted.py", "cpted.page", "schouw", ":material/assignment:"),
    PageSpec("scenarios.py", "scenarios.nav", "wat-als", ":material/alt_route:"),
    PageSpec("assistant.py", "assistant.page_title", "assistent", ":material/psychology:"),
    PageSpec("present.py", "present.nav", "presentatie", ":material/slideshow:"),
    PageSpec("residents.py", "residents.nav", "bewoners", ":material/groups:", public=True),
)


def pages_for(public: bool) -> tuple[PageSpec, ...]:
    """The pages to show: all of them, or in public mode only the public ones (first = home)."""
    if not public:
        return PAGES
    from dataclasses import replace

    shown = [p for p in PAGES if p.public]
    return tuple(replace(p, default=i == 0) for i, p in enumerate(shown))
