"""The app's pages: one module per page, registered in :data:`PAGES`.

Adding a page = one module in this folder with a ``render()`` function + one line in
:data:`PAGES` (+ its strings in ``data/i18n/<domain>.toml``). ``viewer/app.py`` builds the
navigation from this list; the page tests run every entry.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["PAGES", "PageSpec"]


@dataclass(frozen=True)
class PageSpec:
    """A page: its module (with ``render()``), title key in the catalogue, URL and icon."""

    module: str
    title_key: str
    url_path: str
    icon: str
    default: bool = False

    def runner(self) -> Callable[[], None]:
        """A function Streamlit runs for this page."""

        def run() -> None:
            importlib.import_module(self.module).render()

        run.__name__ = self.url_path.replace("-", "_")
        return run


#: The pages in navigation order. Later issues append CPTED, Scenarios, Assistant, Presentation.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("viewer.pages.map", "app.page.map", "kaart", ":material/map:", default=True),
    PageSpec("viewer.pages.dashboard", "app.page.dashboard", "dashboard", ":material/monitoring:"),
    PageSpec("viewer.pages.sources", "app.page.sources", "bronnen", ":material/dataset:"),
)
