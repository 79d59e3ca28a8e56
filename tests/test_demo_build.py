"""Regenerating the demo gives byte-identical files (the committed demo is up to date)."""

from __future__ import annotations

import hashlib

import pytest

from twin import demo_twin_path
from twin.demo.build import build_demo


def _digests(path):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.iterdir())}


@pytest.mark.slow
def test_rebuild_is_byte_identical(tmp_path):
    out = build_demo(tmp_path / "demo")
    committed = _digests(demo_twin_path())
    rebuilt = _digests(out)
    assert rebuilt.keys() == committed.keys()
    changed = [name for name in committed if committed[name] != rebuilt[name]]
    assert not changed, (
        f"the committed demo differs from a fresh build in {changed}; "
        "run `socialtwin demo build` and commit data/demo"
    )
