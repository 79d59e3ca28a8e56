"""The offline council pack: a story as one self-contained HTML file (and, with
:mod:`viewer.pack_report`, a PDF report).

The HTML file opens from a USB stick in a browser without any network: everything is inside —

- deck.gl, read at build time from the bundle in the installed pydeck wheel, as a classic
  ``<script>`` (it defines ``createDeck``);
- the map (``viewer/map/twinmap.js``) and the story player (``viewer/story_player.js``) as
  base64 blocks that become ``blob:`` module URLs;
- the twin's baked geometry (``layers.bake_twin``: buildings, streets, lights, areas, ground)
  and any per-view file, base64, also turned into ``blob:`` URLs;
- the steps (titles, texts, captions, cameras, legends, paint rules) as JSON.

No CDN, no tiles, no mapbox-gl, no stylesheet or font from elsewhere; a Content-Security-Policy
forbids the page to load anything from any host. :func:`pack_html` is pure: data in, text out.
"""

from __future__ import annotations

import base64
import html
import json
import re
from typing import Any

from twin import Twin
from viewer.assets import ASSET_PREFIX, deck_bundle_path, get_asset, map_js_path
from viewer.story import Story
from viewer.story_player import player_js_path, player_story

__all__ = ["PACK_CSP", "pack_html"]

#: What the pack may load: its own inline scripts and styles, and blob:/data: URLs it makes
#: itself. No host at all — a stray request cannot even be attempted.
PACK_CSP = (
    "default-src 'none'; script-src 'unsafe-inline' blob:; style-src 'unsafe-inline'; "
    "img-src data: blob:; connect-src data: blob:; worker-src blob:; font-src data:"
)
_UNSAFE_IN_SCRIPT = re.compile(r"</script|<!--", re.IGNORECASE)

_BOOT = """
const fail = (err) => {
  console.error(err);
  const box = document.getElementById("pack-error");
  box.hidden = false;
  box.querySelector("code").textContent = String(err && err.message || err);
};
try {
  const urls = {};
  for (const el of document.querySelectorAll("script[data-asset]")) {
    const bin = atob(el.textContent.replace(/\\s+/g, ""));
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    urls[el.dataset.asset] = URL.createObjectURL(new Blob([bytes], { type: el.dataset.type }));
    el.textContent = "";
  }
  const swap = (v) => {
    if (typeof v === "string" && v.startsWith("asset:")) return urls[v.slice(6)];
    if (Array.isArray(v)) return v.map(swap);
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x)]));
    }
    return v;
  };
  const story = swap(JSON.parse(document.getElementById("story-data").textContent));
  if (typeof window.createDeck !== "function") throw new Error("deck.gl did not load");
  const probe = document.createElement("canvas");
  if (!probe.getContext("webgl2")) throw new Error("WebGL2 is not available in this browser");
  const map = await import(urls.twinmap);
  const player = await import(urls.player);
  document.body.classList.add("js-on");
  player.mountStoryPlayer(document.getElementById("app"), story, map, {});
} catch (err) {
  fail(err);
}
"""

_STYLE = """
html,body{margin:0;height:100%;background:#10131a;color:#eef;font-family:"DejaVu Sans",system-ui,
  Arial,sans-serif}
#app{position:fixed;inset:0}
#text-version{max-width:60em;margin:0 auto;padding:2em;background:#fff;color:#1d2330}
body.js-on #text-version{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
#pack-error{position:fixed;left:50%;top:40%;transform:translate(-50%,-50%);z-index:99;max-width:40em;
  background:#fff;color:#1d2330;border-radius:10px;padding:1.2em 1.6em;box-shadow:0 6px 30px #000a}
"""


def _script_safe(text: str) -> bool:
    return _UNSAFE_IN_SCRIPT.search(text) is None


def _json_for_script(data: Any) -> str:
    # "<" as \\u003c: no "</script>" or "<!--" can end or confuse the script element
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def _asset_block(name: str, content_type: str, data: bytes) -> str:
    b64 = base64.b64encode(data).decode("ascii")
    lines = "\n".join(b64[i : i + 4096] for i in range(0, len(b64), 4096))
    return (
        f'<script type="application/octet-stream" data-asset="{html.escape(name)}" '
        f'data-type="{html.escape(content_type)}">\n{lines}\n</script>'
    )


def _inline_assets(data: Any, found: dict[str, str]) -> Any:
    """Replace every asset-route URL in ``data`` by ``asset:<n>``; ``found`` maps URL → n."""
    if isinstance(data, str) and data.startswith(ASSET_PREFIX + "/"):
        if data not in found:
            found[data] = str(len(found))
        return f"asset:{found[data]}"
    if isinstance(data, list):
        return [_inline_assets(v, found) for v in data]
    if isinstance(data, dict):
        return {k: _inline_assets(v, found) for k, v in data.items()}
    return data


def _text_version(story: Story, data: dict) -> str:
    """The story as plain HTML (screen readers, and browsers without JavaScript or WebGL)."""
    esc = html.escape
    items = []
    for step in data["steps"]:
        legends = "".join(
            f"<p><b>{esc(lg['title'])}</b>: "
            + "; ".join(esc(label) for _, label in lg["entries"])
            + (f" ({esc(lg['source'])})" if lg["source"] else "")
            + "</p>"
            for lg in step["legends"]
        )
        paras = "".join(f"<p>{esc(p.strip())}</p>" for p in step["text"].split("\n\n") if p.strip())
        items.append(
            f"<li><h2>{esc(step['title'])}</h2>{paras}<p><i>{esc(step['caption'])}</i>"
            f"</p>{legends}</li>"
        )
    desc = f"<p>{esc(story.description)}</p>" if story.description else ""
    return f"<h1>{esc(story.title)}</h1>{desc}<ol>{''.join(items)}</ol>"


def pack_html(twin: Twin, story: Story, *, lang: str = "nl", scenario_store=None) -> str:
    """The story as one self-contained HTML document (see the module docstring)."""
    from viewer.i18n import t

    data = player_story(
        twin, story, lang=lang, key="pack", scenario_store=scenario_store, hash_steps=True
    )
    for step in data["steps"]:
        step["payload"].pop("script", None)
        step["payload"]["deck"] = ""  # deck.gl is inlined below: loadDeck finds createDeck
    found: dict[str, str] = {}
    inlined = _inline_assets(data, found)
    blocks = []
    for url, n in found.items():
        asset = get_asset(url[len(ASSET_PREFIX) + 1 :])
        if asset is None:
            raise RuntimeError(f"the map file {url} is no longer in memory; build the pack again")
        blocks.append(_asset_block(n, asset.content_type, asset.raw))
    blocks.append(_asset_block("twinmap", "text/javascript", map_js_path().read_bytes()))
    blocks.append(_asset_block("player", "text/javascript", player_js_path().read_bytes()))
    deck = deck_bundle_path().read_text(encoding="utf-8")
    if not _script_safe(deck):  # never seen in pydeck's bundle; refuse rather than break the page
        raise RuntimeError(
            f"{deck_bundle_path()} contains '</script' or '<!--' and cannot be "
            "inlined; reinstall pydeck"
        )
    deck_block = f"<script>\n{deck}\n</script>"
    error_text = t("present.pack.error", lang=lang)
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{html.escape(lang)}">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{PACK_CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="generator" content="Social Twin Heerlen (socialtwin pack)">',
            f"<title>{html.escape(story.title)}</title>",
            f"<style>{_STYLE}</style>",
            "</head>",
            "<body>",
            '<div id="app"></div>',
            f'<div id="pack-error" role="alert" hidden><p>{html.escape(error_text)}</p>'
            "<p><code></code></p></div>",
            f'<main id="text-version">{_text_version(story, data)}</main>',
            f'<script type="application/json" id="story-data">{_json_for_script(inlined)}</script>',
            *blocks,
            deck_block,
            f'<script type="module">{_BOOT}</script>',
            "</body>",
            "</html>",
            "",
        ]
    )
