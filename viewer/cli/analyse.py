"""``socialtwin analyse``: the night and eyes-on-the-street analytics, headless."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Any

from twin import load_twin
from twin.analytics import AnalysisSettings, analyse_twin, analysis_summary, write_geotiffs
from viewer.cli.twin_commands import add_twin_option


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyse",
        help="lighting, eyes on the street, hidden spots, street CPTED indicator, feeling vs fact",
        description=(
            "Compute lighting (lux), natural surveillance, hidden spots, the street CPTED "
            "indicator (an indicator, not a prediction) and feeling vs fact for a twin, and "
            "print a summary per buurt."
        ),
    )
    add_twin_option(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--geotiff", metavar="DIR", default=None, help="also write the rasters as GeoTIFF here"
    )
    p.add_argument(
        "--resolution",
        type=float,
        default=None,
        metavar="M",
        help="cell size of the lighting raster in metres (default 5)",
    )
    p.add_argument(
        "--dark-lux",
        type=float,
        default=None,
        metavar="LUX",
        help="illuminance below which a place counts as dark (default 1)",
    )
    p.set_defaults(func=cmd_analyse)


def _settings(args: argparse.Namespace) -> AnalysisSettings:
    changes: dict[str, float] = {}
    if args.resolution is not None:
        changes["lux_resolution"] = args.resolution
    if args.dark_lux is not None:
        changes["dark_lux"] = args.dark_lux
    return AnalysisSettings(**changes)


def cmd_analyse(args: argparse.Namespace) -> int:
    settings = _settings(args)
    started = time.perf_counter()
    twin = load_twin(args.twin)
    loaded = time.perf_counter()
    analysis = analyse_twin(twin, settings=settings, use_cache=False)
    done = time.perf_counter()
    written = [str(p) for p in write_geotiffs(analysis, args.geotiff)] if args.geotiff else []
    summary = {
        "twin": twin.name,
        "municipality": twin.municipality,
        **analysis_summary(analysis),
        "geotiffs": written,
        "seconds": {"load": round(loaded - started, 2), "analyse": round(done - loaded, 2)},
    }
    if args.json:
        json.dump(summary, sys.stdout, indent=1, ensure_ascii=False)
        print()
        return 0
    _print_table(summary)
    return 0


def _fmt(value: Any, spec: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return format(value, spec)


def _print_table(s: dict[str, Any]) -> None:
    flag = "  [SYNTHETIC inputs]" if s["synthetic"] else ""
    print(f"{s['twin']} ({s['municipality']}){flag}")
    t = s["totals"]
    print(
        f"  {t['segments']:,} street segments, {t['street_km']:.0f} km; mean "
        f"{_fmt(t['lux_mean'], '.1f')} lux, {_fmt(t['dark_share'], '.0%')} of street length "
        f"below {s['settings']['dark_lux']:g} lux; {t['hidden_spots']:,} hidden spots"
    )
    print(f"  {s['note']}")
    head = (
        f"{'buurt':10} {'name':24} {'km':>5} {'lux':>5} {'min':>5} {'dark':>5} "
        f"{'eyes d':>6} {'eyes n':>6} {'hidden':>6} {'CPTED':>5} {'gap':>5}"
    )
    print()
    print(head)
    print("-" * len(head))
    for b in s["buurten"]:
        print(
            f"{b['code']:10} {b['name'][:24]:24} {_fmt(b['street_km'], '5.1f')} "
            f"{_fmt(b['lux_mean'], '5.1f')} {_fmt(b['lux_min'], '5.2f')} "
            f"{_fmt(b['dark_share'], '5.0%')} {_fmt(b['surveillance_day'], '6.2f')} "
            f"{_fmt(b['surveillance_night'], '6.2f')} {b['hidden_spots']:>6} "
            f"{_fmt(b['cpted_indicator'], '5.0f')} {_fmt(b['feeling_gap'], '+5.1f')}"
        )
    print()
    print(
        "lux: length-weighted mean along streets; min: darkest point; dark: share of street "
        "length below the threshold; eyes d/n: surveillance score 0-1 by day/night; CPTED: "
        "street CPTED indicator 0-100; gap: z(perceived unsafety) - z(registered crime), "
        f"{t['feeling_vs_fact']}"
    )
    if s["hidden_spots"]:
        print("\nTop hidden spots:")
        for h in s["hidden_spots"][:5]:
            print(f"  {h['rank']:>2}. {h['buurt'] or '':10} {h['reason']}")
    for path in s["geotiffs"]:
        print(f"wrote {path}")
    sec = s["seconds"]
    print(f"\ntime: load {sec['load']:.1f} s, analyse {sec['analyse']:.1f} s")
