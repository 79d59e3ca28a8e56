"""The embedded Heerlen demo: an accessor to the shipped twin and its deterministic generator.

The demo holds Heerlen's real wijken and buurten (CBS codes, names, figures) with generated,
synthetic geometry. Load it with :func:`twin.load_twin` (no argument); rebuild it with
``socialtwin demo build``.
"""

from twin.paths import demo_twin_path

__all__ = ["demo_twin_path"]
