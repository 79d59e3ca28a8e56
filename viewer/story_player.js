// Social Twin Heerlen — the story player: presentation mode in the app and in the offline
// council pack. One self-contained ES module, no imports: the map module (twinmap.js) is passed
// in, so the app can load it from its asset route and the pack from a blob: URL.
//
// story = {key, title, lang, steps: [{title, text, caption, camera, payload, legends,
//          synthetic}], i18n: {...}, hash: bool, exitable: bool}
// Every text reaches the page through textContent, never innerHTML.

const STYLE = `
.stp{position:relative;width:100%;overflow:hidden;background:#10131a;color:#1d2330;container-type:size;
  font-family:"DejaVu Sans",system-ui,-apple-system,"Segoe UI",Arial,sans-serif;border-radius:8px}
.stp.stp-full{position:fixed;inset:0;width:100vw;height:100vh!important;z-index:999999;border-radius:0}
.stp-map{position:absolute;inset:0}
.stp-card{position:absolute;left:2.2vmin;bottom:2.2vmin;max-width:min(46%,900px);z-index:4;
  background:rgba(255,255,255,.95);border-radius:12px;padding:1.1em 1.4em 1em;
  box-shadow:0 6px 24px rgba(0,0,0,.28);font-size:clamp(14px,1.45vw,30px);font-size:clamp(14px,1.45cqw,30px);
  line-height:1.35;max-height:calc(100% - 9em);overflow:auto}
.stp-card h2{margin:0 0 .35em;font-size:1.55em;line-height:1.15;color:#111}
.stp-card p{margin:.35em 0}
.stp-caption{font-size:.8em;color:#3a4150;border-top:1px solid #ccd;padding-top:.4em;margin-top:.6em}
.stp-badge{display:inline-block;background:#6f4e9c;color:#fff;border-radius:5px;padding:.05em .45em;
  font-size:.72em;margin-top:.5em}
.stp-legends{position:absolute;right:2.2vmin;top:2.2vmin;z-index:4;display:flex;flex-direction:column;
  gap:.6em;max-width:min(30%,520px);font-size:clamp(12px,1.1vw,22px);font-size:clamp(12px,1.1cqw,22px)}
.stp-legend{background:rgba(255,255,255,.95);border-radius:10px;padding:.6em .9em;
  box-shadow:0 4px 16px rgba(0,0,0,.22)}
.stp-legend b{display:block;margin-bottom:.3em}
.stp-row{display:flex;align-items:center;gap:.5em;margin:.12em 0}
.stp-sw{width:1.25em;height:1.05em;border:1px solid #8886;flex:none}
.stp-src{font-size:.78em;color:#4a5060;margin-top:.35em}
.stp-nav{position:absolute;right:2.2vmin;bottom:2.2vmin;z-index:5;display:flex;align-items:center;gap:.5em;
  font-size:clamp(14px,1.2vw,24px);font-size:clamp(14px,1.2cqw,24px)}
.stp-nav button{font:inherit;min-width:3em;min-height:2.6em;padding:0 .8em;border-radius:10px;border:0;
  background:rgba(255,255,255,.95);color:#1d2330;cursor:pointer;box-shadow:0 3px 12px rgba(0,0,0,.25)}
.stp-nav button:focus-visible{outline:3px solid #ffbf47}
.stp-nav button.stp-main{background:#1f5fbf;color:#fff;font-weight:bold}
.stp-count{background:rgba(0,0,0,.55);color:#fff;border-radius:8px;padding:.35em .7em;min-width:4em;text-align:center}
.stp-progress{position:absolute;left:0;top:0;height:5px;background:#ffbf47;z-index:6;transition:width .6s}
.stp-blank{position:absolute;inset:0;background:#000;z-index:10;display:none}
.stp.stp-blanked .stp-blank{display:block}
.stp-help{position:absolute;left:50%;top:50%;transform:translate(-50%,-50%);z-index:11;display:none;
  background:rgba(20,24,32,.95);color:#fff;border-radius:12px;padding:1em 1.5em;font-size:clamp(14px,1.2vw,22px)}
.stp.stp-helping .stp-help{display:block}
.stp-help kbd{background:#fff2;border-radius:4px;padding:0 .35em}
@media print{.stp-nav,.stp-progress{display:none}}
`;

const NEXT_KEYS = new Set(["ArrowRight", "ArrowDown", "PageDown", " ", "Enter", "n", "N"]);
const PREV_KEYS = new Set(["ArrowLeft", "ArrowUp", "PageUp", "Backspace", "p", "P"]);
const PLAYERS = new Set();

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function fullscreenIcon() {
  // drawn, not a glyph: the "⛶" character is missing from many fonts
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "1.1em");
  svg.setAttribute("height", "1.1em");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", "M3 9V3h6M15 3h6v6M21 15v6h-6M9 21H3v-6");
  path.setAttribute("fill", "none");
  path.setAttribute("stroke", "currentColor");
  path.setAttribute("stroke-width", "2.5");
  svg.appendChild(path);
  return svg;
}

function fill(template, values) {
  return String(template || "").replace(/\{(\w+)\}/g, (_, k) => (k in values ? values[k] : ""));
}

function typing(target) {
  if (!target || !target.tagName) return false;
  const tag = target.tagName.toLowerCase();
  return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
}

function reducedMotion() {
  try { return window.matchMedia("(prefers-reduced-motion: reduce)").matches; } catch (e) { return false; }
}

class StoryPlayer {
  constructor(container, story, mapModule, host) {
    this.story = story;
    this.map = null;
    this.mapModule = mapModule;
    this.host = host || {};
    this.index = -1;
    this.token = 0;
    this.busy = false;
    this.T = story.i18n || {};
    // the app mounts components in a shadow root: the style must live where the player lives
    const rootNode = container.getRootNode ? container.getRootNode() : document;
    const styleHost = rootNode instanceof ShadowRoot ? rootNode : document.head;
    if (!styleHost.querySelector("style[data-stp]")) {
      const style = el("style");
      style.dataset.stp = "1";
      style.textContent = STYLE;
      styleHost.appendChild(style);
    }
    this.root = el("div", "stp");
    this.root.setAttribute("role", "region");
    this.root.setAttribute("aria-roledescription", "presentation");
    this.root.setAttribute("aria-label", story.title || "");
    this.root.tabIndex = -1;
    this.root.style.height = story.height ? `${story.height}px` : "100%";
    this.mapBox = el("div", "stp-map");
    this.progress = el("div", "stp-progress");
    this.card = el("div", "stp-card");
    this.card.setAttribute("aria-live", "polite");
    this.legends = el("div", "stp-legends");
    this.nav = el("div", "stp-nav");
    this.blank = el("div", "stp-blank");
    this.help = el("div", "stp-help");
    this.buildNav();
    this.buildHelp();
    this.root.append(this.mapBox, this.progress, this.card, this.legends, this.nav, this.blank, this.help);
    container.appendChild(this.root);
    this.onKey = (e) => this.key(e);
    window.addEventListener("keydown", this.onKey, true);
    this.onFullscreen = () => { if (!document.fullscreenElement && this.root.classList.contains("stp-native")) this.leave(); };
    document.addEventListener("fullscreenchange", this.onFullscreen);
    PLAYERS.add(this);
    window.__storyPlayer = this.api();
  }

  buildNav() {
    const T = this.T;
    const button = (label, title, action, cls) => {
      const b = el("button", cls, label);
      b.type = "button";
      b.title = title;
      b.setAttribute("aria-label", title);
      b.addEventListener("click", (e) => { e.preventDefault(); action(); b.blur(); });
      return b;
    };
    this.prevButton = button("◀", T.prev || "Previous", () => this.prev());
    this.count = el("span", "stp-count");
    this.nextButton = button("▶", T.next || "Next", () => this.next(), "stp-main");
    this.presentButton = button("", T.fullscreen || "Full screen", () => this.toggleFull());
    this.presentButton.appendChild(fullscreenIcon());
    this.pngButton = button("PNG", T.png || "PNG", () => this.download());
    this.helpButton = button("?", T.help || "Keys", () => this.root.classList.toggle("stp-helping"));
    this.nav.append(this.prevButton, this.count, this.nextButton, this.presentButton, this.pngButton, this.helpButton);
  }

  buildHelp() {
    const rows = [
      ["→ ↓ PgDn ␣", this.T.key_next || "next"],
      ["← ↑ PgUp", this.T.key_prev || "previous"],
      ["Home End", this.T.key_ends || "first, last"],
      ["F", this.T.key_full || "full screen"],
      ["B .", this.T.key_blank || "black screen"],
      ["Esc", this.T.key_exit || "leave"],
    ];
    this.help.appendChild(el("b", "", this.T.help || "Keys"));
    for (const [k, v] of rows) {
      const r = el("div", "stp-row");
      r.append(el("kbd", "", k), el("span", "", v));
      this.help.appendChild(r);
    }
  }

  api() {
    return {
      go: (i, instant) => this.go(i, { instant }),
      next: () => this.next(),
      prev: () => this.prev(),
      index: () => this.index,
      count: () => this.story.steps.length,
      idle: () => !this.busy && !!this.map && this.map.idle(),
      view: () => (this.map ? { ...this.map.view } : null),
      capture: () => this.map.capture(),
      full: () => this.root.classList.contains("stp-full"),
    };
  }

  visible() {
    return this.root.isConnected && this.root.offsetParent !== null || this.root.classList.contains("stp-full");
  }

  key(e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || typing(e.target)) return;
    if (!this.visible()) return;
    let handled = true;
    if (NEXT_KEYS.has(e.key) && !(e.key === " " && e.shiftKey)) this.next();
    else if (PREV_KEYS.has(e.key) || (e.key === " " && e.shiftKey)) this.prev();
    else if (e.key === "Home") this.go(0);
    else if (e.key === "End") this.go(this.story.steps.length - 1);
    else if (e.key === "f" || e.key === "F") this.toggleFull();
    else if (e.key === "b" || e.key === "B" || e.key === ".") this.root.classList.toggle("stp-blanked");
    else if (e.key === "?") this.root.classList.toggle("stp-helping");
    else if (e.key === "Escape" && this.root.classList.contains("stp-full")) this.leave();
    else handled = false;
    if (handled) { e.preventDefault(); e.stopPropagation(); }
  }

  next() { if (this.index < this.story.steps.length - 1) this.go(this.index + 1); }

  prev() { if (this.index > 0) this.go(this.index - 1); }

  enter() {
    this.root.classList.add("stp-full");
    const native = this.root.requestFullscreen ? this.root.requestFullscreen() : null;
    if (native && native.then) {
      native.then(() => this.root.classList.add("stp-native")).catch(() => {});
    }
    this.root.focus({ preventScroll: true });
    if (this.host.onPresent) this.host.onPresent(true);
  }

  leave() {
    this.root.classList.remove("stp-full", "stp-native", "stp-blanked", "stp-helping");
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    if (this.host.onPresent) this.host.onPresent(false);
  }

  toggleFull() {
    if (this.root.classList.contains("stp-full")) this.leave(); else this.enter();
  }

  payloadFor(step, instant, first) {
    const data = { ...step.payload, key: this.story.key, fill: true, keyboard: false, remember: false };
    data.initialView = first ? { ...step.camera } : data.initialView;
    data.fly = first ? null : {
      token: ++this.token,
      view: { ...step.camera },
      duration: instant || reducedMotion() ? 0 : (this.story.duration ?? 2000),
    };
    data.download = null;
    return data;
  }

  async go(i, { instant = false } = {}) {
    const steps = this.story.steps;
    if (!steps.length) return;
    i = Math.max(0, Math.min(steps.length - 1, i | 0));
    const first = !this.map;
    const step = steps[i];
    this.index = i;
    this.renderText(step, i);
    const data = this.payloadFor(step, instant, first);
    this.busy = true;
    try {
      if (first) {
        this.map = this.mapModule.mountTwinMap(this.mapBox, data, {});
        await this.map.ready;
      } else {
        await this.map.update(data);
      }
    } finally {
      if (this.index === i) this.busy = false;
    }
    if (this.story.hash) {
      try { history.replaceState(null, "", `#step=${i + 1}`); } catch (e) { /* file: in some browsers */ }
    }
    if (this.host.onStep) this.host.onStep(i);
  }

  renderText(step, i) {
    const n = this.story.steps.length;
    this.card.replaceChildren();
    this.card.appendChild(el("h2", "", step.title));
    for (const para of String(step.text || "").split(/\n\s*\n/)) {
      if (para.trim()) this.card.appendChild(el("p", "", para.trim()));
    }
    if (step.caption) this.card.appendChild(el("div", "stp-caption", step.caption));
    if (step.synthetic && this.T.synthetic) this.card.appendChild(el("span", "stp-badge", this.T.synthetic));
    this.legends.replaceChildren();
    for (const lg of step.legends || []) {
      const box = el("div", "stp-legend");
      box.appendChild(el("b", "", lg.unit ? `${lg.title} (${lg.unit})` : lg.title));
      for (const [rgba, label] of lg.entries || []) {
        const row = el("div", "stp-row");
        const sw = el("span", "stp-sw");
        sw.style.background = `rgba(${rgba[0]},${rgba[1]},${rgba[2]},${Math.max((rgba[3] ?? 255) / 255, 0.35)})`;
        row.append(sw, el("span", "", label));
        box.appendChild(row);
      }
      if (lg.source) box.appendChild(el("div", "stp-src", `${this.T.source || "Source"}: ${lg.source}`));
      this.legends.appendChild(box);
    }
    this.count.textContent = fill(this.T.count || "{n} / {total}", { n: i + 1, total: n });
    this.progress.style.width = `${((i + 1) / n) * 100}%`;
    this.prevButton.disabled = i === 0;
    this.nextButton.disabled = i === n - 1;
    this.root.dataset.step = String(i + 1);
  }

  async download() {
    const step = this.story.steps[this.index];
    const canvas = await this.mapModule.composeMapImage(this.map.capture(), {
      title: step.title, subtitle: step.caption || "", legends: step.legends || [],
      badge: step.synthetic ? this.T.synthetic : "", footer: this.story.footer || "",
    });
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
    const a = el("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${this.story.slug || "story"}-${this.index + 1}.png`;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  destroy() {
    window.removeEventListener("keydown", this.onKey, true);
    document.removeEventListener("fullscreenchange", this.onFullscreen);
    PLAYERS.delete(this);
    if (this.map) this.map.destroy();
    this.root.remove();
  }
}

function startIndex(story) {
  if (story.hash) {
    const m = /step=(\d+)/.exec(window.location.hash || "");
    if (m) return Number(m[1]) - 1;
  }
  return story.start || 0;
}

export function mountStoryPlayer(container, story, mapModule, host) {
  const player = new StoryPlayer(container, story, mapModule, host);
  player.go(startIndex(story), { instant: true });
  return player;
}

// The Streamlit component (components v2): the app's presentation mode.
const BY_ELEMENT = new WeakMap();
export default async function (component) {
  const { parentElement, data } = component;
  let player = BY_ELEMENT.get(parentElement);
  if (!player || player.story.signature !== data.story.signature) {
    if (player) player.destroy();
    const mapModule = await import(new URL(data.mapScript, window.location.href).href);
    player = mountStoryPlayer(parentElement, data.story, mapModule, {});
    BY_ELEMENT.set(parentElement, player);
  }
  const current = player;
  return () => { BY_ELEMENT.delete(parentElement); current.destroy(); };
}
