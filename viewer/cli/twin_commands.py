"""``socialtwin view``, ``info`` and ``demo build``."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from twin import Twin, get_settings, indicator_names, load_twin


def add_twin_option(parser: argparse.ArgumentParser) -> None:
    """The ``--twin DIR`` option shared by every command that reads a twin."""
    parser.add_argument(
        "--twin",
        metavar="DIR",
        default=None,
        help="twin directory (default: $SOCIALTWIN_TWIN, else the embedded Heerlen demo)",
    )


def register(sub: argparse._SubParsersAction) -> None:
    view = sub.add_parser("view", help="start the web app (Streamlit) on a twin")
    add_twin_option(view)
    view.add_argument("--port", type=int, default=None, help="port (default 8501)")
    view.set_defaults(func=cmd_view)

    info = sub.add_parser("info", help="describe a twin: layers, years, indicators, sources")
    add_twin_option(info)
    info.add_argument("--json", action="store_true", help="machine-readable output")
    info.set_defaults(func=cmd_info)

    demo = sub.add_parser("demo", help="the embedded Heerlen demo")
    demo_sub = demo.add_subparsers(dest="demo_command", metavar="ACTION")
    demo_sub.required = True
    build = demo_sub.add_parser("build", help="regenerate the demo twin (deterministic)")
    build.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="where to write it (default: the embedded demo in data/demo)",
    )
    build.add_argument("--seed", type=int, default=None, help="random seed (default 917)")
    build.set_defaults(func=cmd_demo_build)


def cmd_view(args: argparse.Namespace) -> int:
    if args.twin:
        load_twin(args.twin)  # fail here, with one line, rather than inside the browser
    # server.py serves app.py plus the route for the map's cached files (viewer/assets.py)
    app = Path(__file__).resolve().parents[1] / "server.py"
    settings = get_settings()
    env = dict(os.environ)
    if args.twin:
        env["SOCIALTWIN_TWIN"] = str(Path(args.twin).resolve())
    port = args.port or settings.port
    options = {
        "server.port": port,
        # a fixed address: also keeps Streamlit from looking up the external IP (a network call)
        "server.address": settings.address,
        "server.headless": "true",
        "browser.gatherUsageStats": "false",  # no telemetry: the app makes no outside calls
        "client.toolbarMode": "viewer",
    }
    cmd = [sys.executable, "-m", "streamlit", "run", str(app)]
    for name, value in options.items():
        cmd += [f"--{name}", str(value)]
    print(f"Social Twin Heerlen: http://{settings.address}:{port}", flush=True)
    return subprocess.call(cmd, env=env)


def twin_info(twin: Twin) -> dict[str, Any]:
    """Everything ``socialtwin info`` reports, as plain data."""
    counts = twin.counts()
    nb = twin.neighbourhoods
    levels = nb["level"].value_counts().to_dict()
    cbs = twin.indicators.get("dwellings")
    per_buurt = {}
    built = twin.buildings.groupby("buurt")["dwellings"].sum()
    for code, name in zip(twin.buurten["code"], twin.buurten["name"], strict=True):
        entry: dict[str, Any] = {"name": name, "dwellings": int(built.get(code, 0))}
        if cbs is not None:
            series = cbs.sel(area=code).dropna("year")
            if series.size:
                entry["dwellings_cbs"] = int(series[-1])
                entry["dwellings_cbs_year"] = int(series["year"][-1])
        per_buurt[code] = entry
    indicators = {}
    for name in indicator_names(twin.indicators):
        da = twin.indicators[name]
        years = [int(y) for y in da.dropna("year", how="all")["year"].to_numpy()]
        m = twin.manifest.indicators[name]
        indicators[name] = {
            "source": m.source,
            "licence": m.licence,
            "unit": da.attrs.get("unit", ""),
            "synthetic": m.synthetic,
            "min_count": m.min_count,
            "years": years,
        }
    return {
        "name": twin.name,
        "municipality": twin.municipality,
        "path": str(twin.path) if twin.path else None,
        "counts": {
            "gemeente": int(levels.get("gemeente", 0)),
            "wijken": int(levels.get("wijk", 0)),
            "buurten": int(levels.get("buurt", 0)),
            **{k: v for k, v in counts.items() if k != "neighbourhoods"},
        },
        "gaps": list(twin.gaps),
        "years": twin.years,
        "layers": {
            name: {**twin.manifest.layers[name].to_dict(), "count": counts[name]}
            for name in counts
            if name in twin.manifest.layers
        },
        "indicators": indicators,
        "dwellings_total": int(twin.buildings["dwellings"].sum()),
        "dwellings_per_buurt": per_buurt,
    }


def cmd_info(args: argparse.Namespace) -> int:
    info = twin_info(load_twin(args.twin))
    if args.json:
        json.dump(info, sys.stdout, indent=1, ensure_ascii=False)
        print()
        return 0
    c = info["counts"]
    print(f"{info['name']} ({info['municipality']})  {info['path'] or ''}")
    print(
        f"  wijken {c['wijken']}, buurten {c['buurten']}, buildings {c['buildings']:,}, "
        f"streets {c['streets']:,}, lights {c['lights']:,}, ground {c['ground']:,}"
    )
    print(
        f"  dwellings {info['dwellings_total']:,}; indicator years "
        f"{info['years'][0]}–{info['years'][-1]}"
        if info["years"]
        else ""
    )
    if info["gaps"]:
        print(f"  missing layers: {', '.join(info['gaps'])}")
    print("\nLayers:")
    for name, m in info["layers"].items():
        flag = " [SYNTHETIC]" if m["synthetic"] else ""
        print(f"  {name:15} {m['count']:>8,}  {m['source']} ({m['licence']}){flag}")
    print("\nIndicators:")
    for name, m in info["indicators"].items():
        flag = " [SYNTHETIC]" if m["synthetic"] else ""
        years = f"{m['years'][0]}–{m['years'][-1]}" if m["years"] else "-"
        print(f"  {name:26} {m['unit']:18} {years:10} {m['source']}{flag}")
    return 0


def cmd_demo_build(args: argparse.Namespace) -> int:
    from twin.demo.build import DEMO_SEED, build_demo

    def log(msg: str) -> None:
        print(f"  {msg}", file=sys.stderr, flush=True)

    path = build_demo(args.out, seed=args.seed if args.seed is not None else DEMO_SEED, log=log)
    print(f"demo twin written to {path}")
    return 0
