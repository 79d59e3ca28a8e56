"""Tests of the night analytics (twin.analytics, layers.rasters, `socialtwin analyse`).

The helpers that build small synthetic twins live in ``twins.py`` next to this file; the tests
import them as ``from twins import ...`` (pytest runs with ``--import-mode=importlib``, which
does not put test folders on the import path, so this folder is added here).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


@pytest.fixture(autouse=True)
def _fresh_analysis_cache():
    """Each test starts with an empty analysis cache (tests that check caching fill it)."""
    from twin.analytics import clear_analysis_cache

    clear_analysis_cache()
    yield
    clear_analysis_cache()
