// Social Twin Heerlen — the 3D map. One self-contained ES module, no dependencies of its own:
// deck.gl comes from the bundle shipped inside the installed pydeck wheel (a classic script that
// defines `createDeck`), geometry from the twin's baked binary files (layers/bake.py), and the
// per-rerun data (paint rules, labels, overlays) from Python (viewer/map/_payload.py).
//
// Used by the Streamlit component (default export) and, later, by the offline council pack,
// which can call `mountTwinMap(element, data, host)` directly with data: or blob: URLs.
//
// Every string that reaches innerHTML goes through esc().

const INSTANCES = new Map(); // key -> instance (tests and benchmarks read them)
const flyId = (fly) => `${fly.session || ""}/${fly.token}`;
const storedFly = (key) => { try { return sessionStorage.getItem(`${key}:fly`); } catch (e) { return null; } };
const FILES = new Map(); // url -> Promise of a decoded file (shared by all instances)
let deckScript = null;

const TYPES = {
  int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array, float32: Float32Array, float64: Float64Array,
};

export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => (
    { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" }[c]
  ));
}

function absolute(url) {
  return new URL(url, window.location.href).href;
}

export function loadDeck(url) {
  if (typeof window.createDeck === "function") return Promise.resolve();
  if (!deckScript) {
    deckScript = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = absolute(url);
      s.async = true;
      s.onload = () => (typeof window.createDeck === "function"
        ? resolve() : reject(new Error("deck.gl bundle loaded but createDeck is missing")));
      s.onerror = () => { deckScript = null; reject(new Error(`cannot load deck.gl from ${url}`)); };
      document.head.appendChild(s);
    });
  }
  return deckScript;
}

// -- baked files -------------------------------------------------------------------------------

export function decodeBaked(buffer) {
  const u8 = new Uint8Array(buffer);
  const magic = String.fromCharCode(u8[0], u8[1], u8[2], u8[3]);
  if (magic !== "STB1") throw new Error("not a baked layer file");
  const n = new DataView(buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(u8.subarray(8, 8 + n)));
  const base = 8 + n;
  const arrays = {};
  for (const [name, d] of Object.entries(header.arrays)) {
    arrays[name] = new TYPES[d.dtype](buffer, base + d.offset, d.length);
  }
  let positions = null;
  if (arrays.xy) {
    const xy = arrays.xy;
    positions = new Float64Array(xy.length);
    const [ox, oy] = header.origin;
    const s = header.scale;
    let qx = 0;
    let qy = 0;
    for (let i = 0; i < xy.length; i += 2) {
      qx += xy[i];
      qy += xy[i + 1];
      positions[i] = ox + qx * s;
      positions[i + 1] = oy + qy * s;
    }
  }
  return { header, arrays, positions };
}

function fetchFile(url, decode) {
  if (!FILES.has(url)) {
    const p = fetch(absolute(url)).then((r) => {
      if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
      return r.arrayBuffer();
    }).then(decode);
    p.catch(() => FILES.delete(url));
    FILES.set(url, p);
  }
  return FILES.get(url);
}

export function polygonObjects(file) {
  const { arrays, positions } = file;
  const ringLen = arrays.ring_len;
  const partRings = arrays.part_rings;
  const feature = arrays.part_feature;
  const out = new Array(partRings.length);
  let r = 0;
  let v = 0;
  for (let p = 0; p < partRings.length; p++) {
    const start = v;
    const holes = [];
    for (let k = 0; k < partRings[p]; k++) {
      if (k > 0) holes.push((v - start) * 2);
      v += ringLen[r++];
    }
    const obj = { positions: positions.subarray(2 * start, 2 * v), f: feature ? feature[p] : p };
    if (holes.length) obj.holeIndices = holes;
    out[p] = obj;
  }
  return out;
}

function pathData(file) {
  const lens = file.arrays.path_len;
  const starts = new Uint32Array(lens.length + 1);
  for (let i = 0; i < lens.length; i++) starts[i + 1] = starts[i] + lens[i];
  return { length: lens.length, startIndices: starts, attributes: { getPath: { value: file.positions, size: 2 } } };
}

function ringPaths(file, keep) {
  // Outlines of polygons as open paths (exterior rings, closed by repeating the first vertex).
  const { arrays, positions } = file;
  const out = [];
  let r = 0;
  let v = 0;
  for (let p = 0; p < arrays.part_rings.length; p++) {
    const f = arrays.part_feature ? arrays.part_feature[p] : p;
    for (let k = 0; k < arrays.part_rings[p]; k++) {
      const n = arrays.ring_len[r++];
      if (keep(f)) {
        const ring = new Float64Array(2 * n + 2);
        ring.set(positions.subarray(2 * v, 2 * (v + n)));
        ring[2 * n] = positions[2 * v];
        ring[2 * n + 1] = positions[2 * v + 1];
        out.push({ path: ring, f });
      }
      v += n;
    }
  }
  return out;
}

// -- paint rules (see layers/styles.py) ---------------------------------------------------------

export function classOf(value, edges) {
  // class i holds (edges[i], edges[i+1]]; the first class also holds the minimum
  if (!Number.isFinite(value) || edges.length === 0) return -1;
  if (edges.length === 1) return 0;
  let lo = 0;
  let hi = edges.length - 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (value <= edges[mid + 1]) hi = mid; else lo = mid + 1;
  }
  return lo;
}

export function paintColours(rule, n, attrs, blob) {
  const out = new Uint8Array(n * 4);
  const put = (i, c) => { out[4 * i] = c[0]; out[4 * i + 1] = c[1]; out[4 * i + 2] = c[2]; out[4 * i + 3] = c.length > 3 ? c[3] : 255; };
  const nodata = rule.nodata || [200, 200, 200, 150];
  if (rule.color) {
    for (let i = 0; i < n; i++) put(i, rule.color);
  } else if (rule.blob) {
    for (let i = 0; i < n; i++) {
      const k = blob ? blob[i] : 255;
      put(i, k === 255 || k >= rule.lut.length ? nodata : rule.lut[k]);
    }
  } else if (rule.lut) {
    const a = rule.attr === "index" ? null : attrs[rule.attr];
    for (let i = 0; i < n; i++) put(i, rule.lut[a ? a[i] : i] || nodata);
  } else if (rule.edges) {
    const a = attrs[rule.attr];
    const scale = rule.scale || 1;
    for (let i = 0; i < n; i++) {
      const v = a[i] * scale;
      const k = rule.zeroIsNoData && a[i] === 0 ? -1 : classOf(v, rule.edges);
      put(i, k < 0 ? nodata : rule.colors[k]);
    }
  }
  return out;
}

// -- the instance --------------------------------------------------------------------------------

function pointInRing(x, y, pos, start, end) {
  let inside = false;
  for (let i = start, j = end - 2; i < end; j = i, i += 2) {
    const xi = pos[i]; const yi = pos[i + 1]; const xj = pos[j]; const yj = pos[j + 1];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function fill(template, values) {
  return String(template).replace(/\{(\w+)\}/g, (_, k) => (k in values ? values[k] : ""));
}

class TwinMap {
  constructor(container, host) {
    this.host = host || {};
    this.root = document.createElement("div");
    this.root.className = "twinmap";
    this.root.style.cssText = "position:relative;width:100%;overflow:hidden;border-radius:6px;";
    this.canvasBox = document.createElement("div");
    this.canvasBox.style.cssText = "position:absolute;inset:0;";
    this.status = document.createElement("div");
    this.status.style.cssText = "position:absolute;left:8px;top:8px;padding:3px 8px;border-radius:4px;background:#fffc;color:#222;font:13px sans-serif;z-index:2;";
    this.described = document.createElement("p");
    this.described.setAttribute("aria-live", "polite");
    this.described.className = "twinmap-description";
    this.described.style.cssText = "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;";
    this.root.append(this.canvasBox, this.status, this.described);
    container.appendChild(this.root);
    this.files = {};
    this.blobs = {};
    this.colourCache = new Map();
    this.flyToken = null;
    this.drawn = null;
    this.view = null;
    this.marks = { created: performance.now() };
  }

  setStatus(text) {
    this.status.textContent = text || "";
    this.status.style.display = text ? "block" : "none";
  }

  storageKey() { return `twinmap:view:${this.data.key}`; }

  async update(data) {
    this.data = data;
    this.root.style.height = data.fill ? "100%" : `${data.height || 600}px`;
    this.downloadButton(data.download);
    if (!this.ready) {
      this.setStatus(data.i18n.loading);
      this.ready = this.init(data);
    }
    try {
      await this.ready;
      await this.loadOverlays(data);
      if (this.data !== data) return; // a newer update arrived meanwhile
      this.render();
      this.applyCamera(data);
    } catch (err) {
      console.error(err);
      this.setStatus(`${data.i18n.error}: ${err.message}`);
    }
  }

  async init(data) {
    const names = Object.keys(data.assets);
    const [, ...files] = await Promise.all([
      loadDeck(data.deck),
      ...names.map((n) => fetchFile(data.assets[n], decodeBaked)),
    ]);
    names.forEach((n, i) => { this.files[n] = files[i]; });
    this.marks.files = performance.now();
    this.prepare();
    this.marks.prepared = performance.now();
    const saved = data.remember === false ? null : (() => { try { return JSON.parse(sessionStorage.getItem(this.storageKey())); } catch (e) { return null; } })();
    const initial = saved || data.initialView;
    // a remount does not replay a fly-to it already made, but does make one asked for elsewhere
    // (another page) since: fly-tos are told apart by session and token; a forced fly-to
    // (a permalink) always wins over the kept camera
    if (saved && data.fly && !data.fly.force && flyId(data.fly) === storedFly(this.storageKey())) this.flyToken = data.fly.token;
    const probe = ["SolidPolygonLayer", "PathLayer", "ScatterplotLayer", "TextLayer", "BitmapLayer"];
    this.deck = window.createDeck({
      container: this.canvasBox,
      jsonInput: {
        initialViewState: { ...initial, transitionInterpolator: { "@@type": "FlyToInterpolator" } },
        views: [{ "@@type": "MapView", controller: true }],
        layers: probe.map((t) => ({ "@@type": t, id: `probe-${t}`, data: [] })),
      },
      tooltip: false,
      showError: true,
    });
    if (!this.deck) throw new Error("deck.gl did not start (WebGL unavailable?)");
    this.marks.deck = performance.now();
    this.cls = {};
    this.deck.props.layers.forEach((l, i) => { this.cls[probe[i]] = l.constructor; });
    const interp = this.deck.props.initialViewState.transitionInterpolator;
    this.Interpolator = interp && interp.constructor;
    this.view = { ...initial };
    this.deck.setProps({
      layers: [],
      pickingRadius: 2,
      eventRecognizerOptions: { click: { time: 1500 } },
      getTooltip: (info) => this.tooltip(info),
      onClick: (info) => this.click(info),
      onViewStateChange: ({ viewState }) => { this.viewChanged(viewState); },
      onAfterRender: () => this.afterRender(),
      controller: true,
    });
    INSTANCES.set(data.key, this);
  }

  prepare() {
    const f = this.files;
    this.obj = {};
    if (f.buildings) this.obj.buildings = polygonObjects(f.buildings);
    if (f.ground) this.obj.ground = polygonObjects(f.ground);
    if (f.areas) {
      this.obj.areas = polygonObjects(f.areas);
      const level = f.areas.arrays.level;
      this.obj.outlines = {
        wijk: ringPaths(f.areas, (i) => level[i] === 1),
        buurt: ringPaths(f.areas, (i) => level[i] === 2),
      };
    }
    if (f.streets) this.obj.streets = pathData(f.streets);
    if (f.lights) {
      this.obj.lights = { length: f.lights.header.count, attributes: { getPosition: { value: f.lights.positions, size: 2 } } };
    }
  }

  async loadOverlays(data) {
    const wanted = [];
    for (const o of data.overlays || []) if (o.url && o.type !== "raster") wanted.push(o.url);
    for (const p of Object.values(data.paint || {})) if (p && p.blob) wanted.push(p.blob);
    if (data.streetValues) wanted.push(data.streetValues.url);
    await Promise.all(wanted.map(async (url) => {
      if (this.blobs[url]) return;
      const isBaked = (data.overlays || []).some((o) => o.url === url);
      this.blobs[url] = await fetchFile(url, isBaked ? decodeBaked : (b) => new Uint8Array(b));
    }));
  }

  colours(layer, rule, n, attrs) {
    const id = `${layer}:${JSON.stringify(rule)}`;
    if (!this.colourCache.has(id)) {
      if (this.colourCache.size > 40) this.colourCache.clear();
      this.colourCache.set(id, paintColours(rule, n, attrs, rule.blob ? this.blobs[rule.blob] : null));
    }
    return this.colourCache.get(id);
  }

  render() {
    const d = this.data;
    const C = this.cls;
    const f = this.files;
    const show = d.layers || {};
    const night = !!d.night;
    const flat = { depthCompare: "always", depthWriteEnabled: false };
    const layers = [];
    const paint = d.paint || {};

    if (show.ground && f.ground) {
      const cols = this.colours("ground", paint.ground, f.ground.header.count, f.ground.arrays);
      layers.push(new C.SolidPolygonLayer({
        id: "ground", data: this.obj.ground, positionFormat: "XY", getPolygon: (o) => o,
        getFillColor: (o) => cols.subarray(4 * o.f, 4 * o.f + 4), parameters: flat,
        updateTriggers: { getFillColor: JSON.stringify(paint.ground) },
      }));
    }
    if (d.areas && f.areas) {
      const level = f.areas.arrays.level;
      const want = d.areas.level === "wijk" ? 1 : 2;
      const cols = this.colours("areas", d.areas.paint, f.areas.header.count, f.areas.arrays);
      const ext = d.areas.extrude;
      const data = this.obj.areas.filter((o) => level[o.f] === want);
      layers.push(new C.SolidPolygonLayer({
        id: "areas", data, positionFormat: "XY", getPolygon: (o) => o, pickable: true,
        getFillColor: (o) => cols.subarray(4 * o.f, 4 * o.f + 4),
        extruded: !!ext, getElevation: (o) => (ext ? ext[o.f] || 0 : 0), opacity: ext ? 0.85 : 0.6,
        parameters: ext ? {} : flat, autoHighlight: true, highlightColor: [255, 255, 255, 90],
        updateTriggers: { getFillColor: JSON.stringify(d.areas.paint), getElevation: JSON.stringify(ext) },
      }));
    }
    // rasters lie on the ground, under streets, lights and buildings (streets stay readable)
    for (const o of d.overlays || []) {
      if (o.type === "raster") {
        layers.push(new C.BitmapLayer({
          id: `overlay-${o.id}`, image: absolute(o.url), bounds: o.bounds, opacity: o.opacity ?? 0.7,
          parameters: flat,
        }));
      }
    }
    if (show.streets && f.streets) {
      const cols = this.colours("streets", paint.streets, f.streets.header.count, f.streets.arrays);
      const widths = d.streetWidths || [];
      const cls = f.streets.arrays.cls;
      layers.push(new C.PathLayer({
        id: "streets", data: this.obj.streets, _pathType: "open", positionFormat: "XY",
        getColor: (_, { index }) => cols.subarray(4 * index, 4 * index + 4),
        getWidth: (_, { index }) => widths[cls[index]] || 3, widthUnits: "meters", widthMinPixels: 1,
        pickable: true, autoHighlight: true, parameters: flat, capRounded: true, jointRounded: true,
        updateTriggers: { getColor: JSON.stringify(paint.streets), getWidth: JSON.stringify(widths) },
      }));
    }
    if (show.outlines && f.areas) {
      const lineCol = night ? [190, 200, 230, 200] : [60, 60, 80, 200];
      layers.push(new C.PathLayer({
        id: "outlines-buurt", data: this.obj.outlines.buurt, getPath: (o) => o.path, positionFormat: "XY",
        getColor: lineCol, getWidth: 4, widthUnits: "meters", widthMinPixels: 1, parameters: flat,
      }));
      layers.push(new C.PathLayer({
        id: "outlines-wijk", data: this.obj.outlines.wijk, getPath: (o) => o.path, positionFormat: "XY",
        getColor: lineCol, getWidth: 12, widthUnits: "meters", widthMinPixels: 2, parameters: flat,
      }));
    }
    if (show.lights && f.lights) {
      const lumen = f.lights.arrays.lumen;
      if (night) {
        layers.push(new C.ScatterplotLayer({
          id: "lights-glow", data: this.obj.lights, radiusUnits: "meters", parameters: flat,
          getRadius: (_, { index }) => 6 + Math.sqrt(lumen[index]) / 4, getFillColor: [255, 196, 110, 45],
          radiusMinPixels: 2,
        }));
      }
      layers.push(new C.ScatterplotLayer({
        id: "lights", data: this.obj.lights, radiusUnits: "meters", pickable: true, parameters: flat,
        getRadius: night ? 1.6 : 1.2, radiusMinPixels: night ? 1.5 : 0, radiusMaxPixels: 6,
        getFillColor: night ? [255, 232, 170, 255] : [200, 140, 0, 200],
      }));
    }
    if (show.buildings && f.buildings) {
      const b = f.buildings;
      const cols = this.colours("buildings", paint.buildings, b.header.count, b.arrays);
      const h = b.arrays.height;
      const hs = b.header.height_scale;
      layers.push(new C.SolidPolygonLayer({
        id: "buildings", data: this.obj.buildings, positionFormat: "XY", getPolygon: (o) => o,
        extruded: true, getElevation: (o) => h[o.f] * hs, pickable: true, autoHighlight: true,
        highlightColor: [0, 180, 255, 200],
        getFillColor: (o) => cols.subarray(4 * o.f, 4 * o.f + 4),
        material: { ambient: night ? 0.25 : 0.45, diffuse: 0.6, shininess: 16 },
        updateTriggers: { getFillColor: JSON.stringify(paint.buildings) },
      }));
    }
    for (const o of d.overlays || []) {
      if (o.type === "markers" && this.blobs[o.url]) {
        const m = this.blobs[o.url];
        const colours = m.arrays.rgba;
        layers.push(new C.ScatterplotLayer({
          id: `overlay-${o.id}`, data: { length: m.header.count, attributes: { getPosition: { value: m.positions, size: 2 } } },
          getFillColor: (_, { index }) => colours.subarray(4 * index, 4 * index + 4),
          getRadius: o.radius || 4, radiusUnits: "meters", radiusMinPixels: 4, stroked: true,
          getLineColor: [20, 20, 20, 230], lineWidthMinPixels: 1, pickable: true, autoHighlight: true,
          parameters: flat,
        }));
      }
    }
    if (show.labels && f.areas) {
      const A = f.areas.header;
      const level = f.areas.arrays.level;
      const items = A.labels.map((p, i) => ({ p, i })).filter((o) => level[o.i] > 0);
      layers.push(new C.TextLayer({
        // "Wijk 33 Heerlen-Centrum" → "Heerlen-Centrum": the number adds clutter, not meaning
        id: "labels", data: items, getPosition: (o) => o.p,
        getText: (o) => A.names[o.i].replace(/^Wijk \d+\s+/, ""),
        getSize: (o) => (level[o.i] === 1 ? 130 : 60), sizeUnits: "meters", sizeMinPixels: 0,
        sizeMaxPixels: 20, characterSet: "auto", fontFamily: "DejaVu Sans, Arial, sans-serif",
        getColor: night ? [235, 235, 245, 255] : [30, 30, 40, 255],
        fontSettings: { sdf: true }, outlineWidth: 4, outlineColor: night ? [0, 0, 0, 255] : [255, 255, 255, 255],
        parameters: { depthCompare: "always" },
      }));
    }
    this.layerCount = layers.length;
    if (!this.marks.layers) this.marks.layers = performance.now();
    this.deck.setProps({
      layers,
      parameters: { clearColor: night ? [0.04, 0.05, 0.08, 1] : [0.96, 0.96, 0.94, 1] },
      controller: {
        dragRotate: !d.topDown, touchRotate: !d.topDown, maxPitch: d.topDown ? 0 : 70,
        keyboard: d.keyboard !== false,
      },
    });
    this.root.style.background = night ? "#0a0d14" : "#f5f5f0";
    this.describe();
  }

  applyCamera(d) {
    let target = null;
    if (d.fly && d.fly.token !== this.flyToken) {
      this.flyToken = d.fly.token;
      try { sessionStorage.setItem(`${this.storageKey()}:fly`, flyId(d.fly)); } catch (e) { /* private mode */ }
      target = { ...this.view, ...d.fly.view, transitionDuration: d.fly.duration ?? 1200 };
    }
    const wantPitch = d.topDown ? 0 : (this.view.pitch || d.initialView.pitch || 45);
    if (this.topDown !== undefined && this.topDown !== !!d.topDown) {
      target = { ...(target || this.view), pitch: d.topDown ? 0 : Math.max(wantPitch, 35), transitionDuration: 600 };
      if (d.topDown) target.bearing = 0;
    }
    this.topDown = !!d.topDown;
    if (target) {
      if (this.Interpolator && target.transitionDuration > 0) {
        target.transitionInterpolator = new this.Interpolator();
        this.moving = true;
        const done = () => { this.moving = false; };
        target.onTransitionEnd = done;
        target.onTransitionInterrupt = done;
      } else {
        this.view = { ...this.view, ...target };
        delete this.view.transitionDuration;
      }
      this.deck.setProps({ initialViewState: target });
    }
  }

  // A PNG of what the map shows now (a data: URL). Drawing synchronously and reading the
  // canvas in the same task works without preserveDrawingBuffer.
  capture() {
    this.deck.redraw("capture");
    const canvas = this.deck.getCanvas ? this.deck.getCanvas() : this.deck.canvas;
    // the WebGL canvas is transparent where nothing is drawn: lay it on the map's background
    const out = document.createElement("canvas");
    out.width = canvas.width;
    out.height = canvas.height;
    const ctx = out.getContext("2d");
    ctx.fillStyle = this.data && this.data.night ? "#0a0d14" : "#f5f5f0";
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(canvas, 0, 0);
    return out.toDataURL("image/png");
  }

  idle() {
    return !!this.drawn && !this.moving;
  }

  downloadButton(spec) {
    if (!spec) {
      if (this.dlButton) { this.dlButton.remove(); this.dlButton = null; }
      return;
    }
    if (!this.dlButton) {
      this.dlButton = document.createElement("button");
      this.dlButton.type = "button";
      this.dlButton.className = "twinmap-download";
      this.dlButton.style.cssText = "position:absolute;right:8px;top:8px;z-index:3;padding:4px 10px;border-radius:4px;border:1px solid #8886;background:#fffe;color:#222;font:13px sans-serif;cursor:pointer;";
      this.dlButton.addEventListener("click", () => this.download(this.data.download));
      this.root.appendChild(this.dlButton);
    }
    this.dlButton.textContent = spec.label || "PNG";
    this.dlButton.title = spec.hint || spec.label || "PNG";
  }

  async download(spec) {
    const canvas = await composeMapImage(this.capture(), spec || {});
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = (spec && spec.filename) || "map.png";
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  viewChanged(vs) {
    this.view = {
      longitude: vs.longitude, latitude: vs.latitude, zoom: vs.zoom, pitch: vs.pitch, bearing: vs.bearing,
    };
    clearTimeout(this.viewTimer);
    this.viewTimer = setTimeout(() => {
      if (this.data.remember !== false) {
        try { sessionStorage.setItem(this.storageKey(), JSON.stringify(this.view)); } catch (e) { /* private mode */ }
      }
      this.describe();
      if (this.data.reportView && this.host.setStateValue) this.host.setStateValue("view", this.view);
    }, 400);
  }

  afterRender() {
    this.frames = (this.frames || 0) + 1;
    if (this.drawn) return;
    const layers = this.deck.layerManager ? this.deck.layerManager.getLayers() : [];
    if (!this.layerCount || !layers.length || !layers.every((l) => l.isLoaded)) return;
    this.drawn = { t: performance.now(), buildings: this.files.buildings ? this.files.buildings.header.count : 0 };
    this.root.dataset.drawn = "1";
    this.setStatus("");
    window.__twinmapDrawn = this.drawn;
  }

  areaAt(lon, lat, level) {
    const f = this.files.areas;
    if (!f) return -1;
    const { arrays, positions } = f;
    let r = 0;
    let v = 0;
    for (let p = 0; p < arrays.part_rings.length; p++) {
      const feat = arrays.part_feature ? arrays.part_feature[p] : p;
      const n = arrays.ring_len[r];
      if (arrays.level[feat] === level && pointInRing(lon, lat, positions, 2 * v, 2 * (v + n))) return feat;
      for (let k = 0; k < arrays.part_rings[p]; k++) v += arrays.ring_len[r++];
    }
    return -1;
  }

  describe() {
    const d = this.data;
    if (!d || !this.view) return;
    const i = this.areaAt(this.view.longitude, this.view.latitude, 2);
    const names = this.files.areas ? this.files.areas.header.names : [];
    const text = fill(d.i18n.viewTemplate, {
      mode: d.topDown ? d.i18n.topDown : d.i18n.threeD,
      place: i >= 0 ? names[i] : d.i18n.outside,
      zoom: this.view.zoom.toFixed(1),
    });
    this.described.textContent = `${d.describe || ""} ${text}`.trim();
    this.root.dataset.description = this.described.textContent;
  }

  featureOf(info) {
    const id = info.layer.id;
    if ((id === "buildings" || id === "areas") && info.object) return info.object.f;
    return info.index;
  }

  tooltip(info) {
    if (!info.picked || !info.layer) return null;
    const d = this.data;
    const T = d.i18n;
    const i = this.featureOf(info);
    const f = this.files;
    const areaNames = f.areas ? f.areas.header.names : [];
    const row = (k, v) => `<br>${esc(k)}: ${esc(v)}`;
    let html = "";
    const areaValue = (a) => (d.areas && d.areas.display ? row(d.areas.title, d.areas.display[a] ?? "–") : "");
    if (info.layer.id === "buildings") {
      const b = f.buildings;
      const a = b.arrays;
      html = `<b>${esc(T.uses[b.header.uses[a.use[i]]] || b.header.uses[a.use[i]])}</b>`
        + row(T.year, a.year[i] || "–") + row(T.height, `${(a.height[i] * b.header.height_scale).toFixed(1)} m`)
        + row(T.dwellings, a.dwellings[i]) + row(T.buurt, areaNames[a.area[i]] || "–") + areaValue(a.area[i]);
    } else if (info.layer.id === "streets") {
      const s = f.streets;
      const a = s.arrays;
      const name = a.name[i] === 65535 ? T.unnamed : s.header.names[a.name[i]];
      const cls = s.header.classes[a.cls[i]];
      html = `<b>${esc(name)}</b>` + row(T.streetClass, T.classes[cls] || cls) + row(T.buurt, areaNames[a.area[i]] || "–");
      const sv = d.streetValues && this.blobs[d.streetValues.url];
      if (sv) {
        const v = new Float32Array(sv.buffer, sv.byteOffset, sv.byteLength / 4)[i];
        const shown = Number.isFinite(v) ? `${v.toLocaleString(d.lang, { maximumFractionDigits: Math.abs(v) < 10 ? 2 : 1 })} ${d.streetValues.unit}` : "–";
        html += row(d.streetValues.title, shown.trim());
      }
    } else if (info.layer.id === "areas") {
      const A = f.areas.header;
      html = `<b>${esc(A.names[i])}</b> (${esc(A.codes[i])})` + areaValue(i);
    } else if (info.layer.id === "lights") {
      const a = f.lights.arrays;
      html = `<b>${esc(T.light)}</b>` + row(T.lumen, a.lumen[i]) + row(T.height, `${(a.height[i] / 10).toFixed(1)} m`);
    } else if (info.layer.id.startsWith("overlay-")) {
      const o = (d.overlays || []).find((x) => `overlay-${x.id}` === info.layer.id);
      const m = o && this.blobs[o.url];
      if (m && m.header.tooltips) {
        const t = m.header.tooltips[i] || [];
        html = `<b>${esc(t[0] ?? "")}</b>` + (t[1] || []).map(([k, v]) => row(k, v)).join("");
      }
    }
    if (!html) return null;
    return { html, style: { fontSize: "12px", maxWidth: "320px", background: "#1f2430", color: "#fff", padding: "6px 8px", borderRadius: "4px" } };
  }

  click(info) {
    if (!this.host.setTriggerValue) return;
    const vp = info.viewport || (this.deck.getViewports ? this.deck.getViewports()[0] : null);
    const ground = vp ? vp.unproject([info.x, info.y]) : info.coordinate;
    const payload = { lon: ground ? ground[0] : null, lat: ground ? ground[1] : null, view: this.view };
    if (info.picked && info.layer) {
      payload.layer = info.layer.id;
      payload.index = this.featureOf(info);
    } else if (!this.data.groundClick) {
      return;
    }
    this.host.setTriggerValue("pick", payload);
  }

  project(lon, lat, z = 0) {
    const vp = this.deck.getViewports()[0];
    return vp.project([lon, lat, z]);
  }

  destroy() {
    clearTimeout(this.viewTimer);
    if (this.deck) this.deck.finalize();
    // a remount may register the new map under the same key before this one is destroyed
    if (this.data && INSTANCES.get(this.data.key) === this) INSTANCES.delete(this.data.key);
    this.root.remove();
  }
}

// -- images for slides ---------------------------------------------------------------------------

function loadImage(src) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error("cannot read the map image"));
    img.src = src;
  });
}

function wrapText(ctx, text, width) {
  const lines = [];
  let line = "";
  for (const word of String(text || "").split(/\s+/)) {
    const next = line ? `${line} ${word}` : word;
    if (ctx.measureText(next).width > width && line) { lines.push(line); line = word; } else { line = next; }
  }
  if (line) lines.push(line);
  return lines;
}

// The map image with a title band above, legends over the lower right corner and a footer
// (sources, "synthetic"): a slide that explains itself. spec: {title, subtitle, legends:
// [{title, unit, entries: [[rgba, label]], source, synthetic}], badge, footer}.
export async function composeMapImage(dataUrl, spec) {
  const img = await loadImage(dataUrl);
  const s = Math.max(1, img.width / 1200);
  const font = (px, bold) => `${bold ? "bold " : ""}${Math.round(px * s)}px DejaVu Sans, Arial, sans-serif`;
  const measure = document.createElement("canvas").getContext("2d");
  measure.font = font(26, true);
  const titleLines = spec.title ? wrapText(measure, spec.title, img.width - 40 * s) : [];
  measure.font = font(17);
  const subLines = spec.subtitle ? wrapText(measure, spec.subtitle, img.width - 40 * s) : [];
  const head = titleLines.length || subLines.length
    ? Math.round((20 + titleLines.length * 34 + subLines.length * 24 + 8) * s) : 0;
  const foot = spec.footer ? Math.round(34 * s) : 0;
  const canvas = document.createElement("canvas");
  canvas.width = img.width;
  canvas.height = img.height + head + foot;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(img, 0, head);
  ctx.fillStyle = "#1d2330";
  ctx.textBaseline = "top";
  let y = 16 * s;
  ctx.font = font(26, true);
  for (const l of titleLines) { ctx.fillText(l, 20 * s, y); y += 34 * s; }
  ctx.font = font(17);
  ctx.fillStyle = "#3a4150";
  for (const l of subLines) { ctx.fillText(l, 20 * s, y); y += 24 * s; }
  // legends, stacked bottom-up in the lower right corner of the map
  let bottom = head + img.height - 14 * s;
  for (const lg of [...(spec.legends || [])].reverse()) {
    const rows = lg.entries || [];
    const lineH = 22 * s;
    ctx.font = font(15);
    const labelW = Math.max(...rows.map((r) => ctx.measureText(String(r[1])).width), 0);
    ctx.font = font(16, true);
    const titleText = lg.unit ? `${lg.title} (${lg.unit})` : lg.title;
    const titleW = Math.min(ctx.measureText(titleText).width, img.width * 0.45);
    const w = Math.max(labelW + 40 * s, titleW, Math.min(img.width * 0.3, 420 * s)) + 24 * s;
    ctx.font = font(13);
    const sourceLines = lg.source ? wrapText(ctx, lg.source, w - 24 * s).slice(0, 4) : [];
    const extra = sourceLines.length * 0.8 + (lg.synthetic && spec.badge ? 1 : 0);
    const h = (rows.length + 1 + extra) * lineH + 16 * s;
    const x = canvas.width - w - 14 * s;
    const top = bottom - h;
    ctx.fillStyle = "rgba(255,255,255,0.92)";
    ctx.fillRect(x, top, w, h);
    ctx.strokeStyle = "rgba(0,0,0,0.25)";
    ctx.strokeRect(x, top, w, h);
    ctx.fillStyle = "#1d2330";
    ctx.fillText(titleText, x + 12 * s, top + 8 * s, w - 24 * s);
    ctx.font = font(15);
    rows.forEach(([rgba, label], i) => {
      const ry = top + 8 * s + (i + 1) * lineH;
      ctx.fillStyle = `rgba(${rgba[0]},${rgba[1]},${rgba[2]},${Math.max((rgba[3] ?? 255) / 255, 0.35)})`;
      ctx.fillRect(x + 12 * s, ry + 2 * s, 18 * s, 16 * s);
      ctx.fillStyle = "#1d2330";
      ctx.fillText(String(label), x + 38 * s, ry + 1 * s);
    });
    let ry = top + 8 * s + (rows.length + 1) * lineH;
    ctx.font = font(13);
    ctx.fillStyle = "#4a5060";
    for (const line of sourceLines) { ctx.fillText(line, x + 12 * s, ry, w - 24 * s); ry += lineH * 0.8; }
    if (lg.synthetic && spec.badge) { ctx.fillStyle = "#6f4e9c"; ctx.fillText(spec.badge, x + 12 * s, ry, w - 24 * s); }
    bottom = top - 10 * s;
  }
  if (spec.footer) {
    ctx.font = font(14);
    ctx.fillStyle = "#4a5060";
    ctx.fillText(spec.footer, 20 * s, head + img.height + 9 * s, canvas.width - 40 * s);
  }
  return canvas;
}

export function mountTwinMap(container, data, host) {
  const map = new TwinMap(container, host);
  map.update(data);
  return map;
}

// Test and benchmark hooks: the view and screen position of things, per map key.
window.__twinmap = {
  instances: INSTANCES,
  view: (key) => (INSTANCES.get(key) ? { ...INSTANCES.get(key).view } : null),
  project: (key, lon, lat, z) => INSTANCES.get(key).project(lon, lat, z),
  drawn: (key) => (INSTANCES.get(key) ? INSTANCES.get(key).drawn : null),
  marks: (key) => (INSTANCES.get(key) ? { ...INSTANCES.get(key).marks, frames: INSTANCES.get(key).frames } : null),
  idle: (key) => (INSTANCES.get(key) ? INSTANCES.get(key).idle() : false),
  capture: (key) => INSTANCES.get(key).capture(),
};

// The Streamlit component (components v2): called on mount and whenever the data changes.
const BY_ELEMENT = new WeakMap();
export default function (component) {
  const { parentElement, data, setTriggerValue, setStateValue } = component;
  let map = BY_ELEMENT.get(parentElement);
  if (!map) {
    map = new TwinMap(parentElement, { setTriggerValue, setStateValue });
    BY_ELEMENT.set(parentElement, map);
  } else {
    map.host = { setTriggerValue, setStateValue };
  }
  map.update(data);
  return () => { BY_ELEMENT.delete(parentElement); map.destroy(); };
}
