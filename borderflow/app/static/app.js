/* borderflow workbench: the page. Plain JavaScript + the bundled Leaflet; no build step, no
   network beyond this server. Structure: helpers, map drawing, what-if builder, run queue,
   result / compare / sweep views, start-up. */
"use strict";

const $ = (sel, el = document) => el.querySelector(sel);
const $$ = (sel, el = document) => Array.from(el.querySelectorAll(sel));
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];
const STATUS_COLOURS = { open: "#2b8cbe", restricted: "#e67e22", upgraded: "#16a085",
  proposed: "#9b59b6", closed: "#222222" };
const MODE_COLOURS = { road: "#8c6d31", rail: "#3a3a3a", transfer: "#9a9a9a" };
const GAIN = "#1f5fa8", LOSS = "#c0392b";
const COUNTRY_FILL = { VN: "#f3efe2", LA: "#eef3e2", TH: "#f5e9e9", CN: "#ececf4",
  KH: "#f0f0f0", MM: "#f0f0f0" };
const TABLE_FILES = ["summary.json", "run.json", "scenario.yaml", "crossing_changes.csv",
  "product_changes.csv", "cost_changes.csv", "rerouted.csv", "crossings.csv", "flows.csv",
  "route_flows.csv", "products.csv", "unserved.csv", "queues.csv", "backlog.csv",
  "spoilage.csv", "verification.csv"];

const state = {
  net: null, crossings: {}, links: {}, places: {}, crossingLayers: {}, linkLayers: {},
  events: [], selected: null, nameTouched: false, status: null,
  baseline: null, result: null, compare: null, sweep: null, mode: "status",
  autoOpen: new Set(), seenDone: new Set(), jobs: [], runs: [],
};

/* ---------------------------------------------------------------- helpers */
function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;",
    '"': "&quot;", "'": "&#39;" }[c]));
}
const DIGITS = { trucks: 1, t: 0, USD: 0, usd: 0, days: 0, km: 0, h: 1, cap: 0 };
function fmt(v, unit, signed = false) {
  if (v === null || v === undefined || v === "") return "";
  if (unit === "share") return `${(v * 100).toFixed(0)} %`;
  const d = DIGITS[unit] ?? 1;
  let x = Number(v);
  if (Object.is(x, -0) || Math.abs(x) < 0.5 * 10 ** -d) x = 0;
  const s = x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
  return signed && x > 0 ? `+${s}` : s;
}
async function api(path, opts = {}) {
  const res = await fetch(path, opts);
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  if (!res.ok) throw new Error((body && body.error) || `${res.status} ${res.statusText}`);
  return body;
}
function post(path, doc) {
  return api(path, { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(doc) });
}
function table(rows, cols, cls = "") {
  /* cols: [key, header, unit|null, signed] */
  if (!rows || !rows.length) return `<p class="muted">none</p>`;
  const head = cols.map(([, h, u]) => `<th class="${u ? "num" : ""}">${esc(h)}</th>`).join("");
  const body = rows.map(r => "<tr>" + cols.map(([k, , unit, signed]) => {
    const v = r[k];
    const u = unit === "row" ? r.unit : unit;  /* a table of measures: each row has its unit */
    if (!u) return `<td>${esc(v)}</td>`;
    const tone = signed && v > 0 ? " gain" : signed && v < 0 ? " loss" : "";
    return `<td class="num${tone}">${esc(fmt(v, u, signed))}</td>`;
  }).join("") + "</tr>").join("");
  return `<table class="data ${cls}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}
function dirLabel(c, d) {
  return d === "a_to_b" ? `${c.a}→${c.b}` : d === "b_to_a" ? `${c.b}→${c.a}` : "both directions";
}
function showTab(name) {
  $$("#tabs button").forEach(b => b.classList.toggle("active", b.dataset.tab === name));
  $$(".tab").forEach(t => t.classList.toggle("active", t.id === `tab-${name}`));
}

/* ---------------------------------------------------------------- map */
let map;
function latlngs(xy) { return xy.map(part => part.map(([x, y]) => [y, x])); }

function drawNetwork(net) {
  map = L.map("map", { zoomSnap: 0.25, preferCanvas: false, attributionControl: true });
  map.attributionControl.setPrefix("Leaflet");
  map.attributionControl.addAttribution("borders: Natural Earth; network: borderflow dataset");
  for (const c of net.countries) {
    const polys = c.xy.map(poly => poly.map(ring => ring.map(([x, y]) => [y, x])));
    L.polygon(polys, { color: "#777", weight: 1, fillColor: COUNTRY_FILL[c.iso] || "#f4f4f4",
      fillOpacity: 1, interactive: false, className: "bf-country" }).addTo(map);
  }
  for (const l of net.links) {
    state.links[l.id] = l;
    const layer = L.polyline(latlngs(l.xy), { color: "#b5b5b5", weight: 1.2, opacity: 0.9,
      className: `bf-link bf-l-${l.id}` }).addTo(map);
    layer.bindTooltip(() => linkTip(l.id), { sticky: true });
    state.linkLayers[l.id] = layer;
  }
  for (const p of net.places) {
    state.places[p.id] = p;
    const m = L.circleMarker([p.lat, p.lon], { radius: p.kind === "market" ? 4 : 3,
      color: p.kind === "market" ? "#5b2c6f" : "#2e7d32", weight: 1, fillOpacity: 0.8,
      fillColor: p.kind === "market" ? "#af7ac5" : "#81c784",
      className: `bf-place bf-p-${p.id}` }).addTo(map);
    m.bindTooltip(`<b>${esc(p.name)}</b> <span class="muted">${esc(p.kind)}, ${esc(p.country)}</span>` +
      (p.products.length ? `<br>supplies: ${esc(p.products.join(", "))}` : "") +
      `<br><span class="muted">source: ${esc(p.source)} (${esc(p.quality)})</span>`);
  }
  for (const c of net.crossings) {
    state.crossings[c.id] = c;
    const m = L.circleMarker([c.lat, c.lon], { radius: 6, weight: 1.5, color: "#222",
      fillOpacity: 0.9, className: `bf-crossing bf-x-${c.id}` }).addTo(map);
    m.bindTooltip(() => crossingTip(c.id), { direction: "top", offset: [0, -6] });
    m.on("click", () => clickCrossing(c.id));
    state.crossingLayers[c.id] = m;
  }
  const b = L.latLngBounds(net.crossings.map(c => [c.lat, c.lon]));
  for (const l of net.links) for (const part of l.xy) for (const [x, y] of part) b.extend([y, x]);
  map.fitBounds(b.pad(0.02));
  for (const [iso, name, lat, lon] of [["VN", "VIET NAM", 16.2, 107.2], ["LA", "LAOS", 19.3, 102.8],
    ["TH", "THAILAND", 15.6, 101.0], ["CN", "CHINA", 24.4, 104.2]]) {
    L.tooltip({ permanent: true, direction: "center", className: "label-country",
      interactive: false }).setLatLng([lat, lon]).setContent(name).addTo(map);
    void iso;
  }
}

function currentValues() {
  if (state.mode === "util") return state.baseline;
  if (state.mode === "result" || state.mode === "flows") return state.result;
  return null;
}

function crossingTip(id) {
  const c = state.crossings[id];
  const v = currentValues()?.crossings?.[id];
  const rows = [
    ["status in the data", c.status], ["mode", c.mode],
    [`capacity ${c.a}→${c.b}`, `${fmt(c.cap_ab, "cap")} trucks/day` +
      (c.lanes_ab ? `, ${fmt(c.lanes_ab, "days")} lanes` : "")],
    [`capacity ${c.b}→${c.a}`, `${fmt(c.cap_ba, "cap")} trucks/day` +
      (c.lanes_ba ? `, ${fmt(c.lanes_ba, "days")} lanes` : "")],
    ["capacity is", `${c.cap_kind} (quality: ${c.quality})`],
    ["dwell, fee", `${fmt(c.dwell_h, "h")} h, USD ${fmt(c.fee_usd, "usd")}/truck`],
    ["licensed products", c.licensed || "all"],
  ];
  if (c.opens) rows.push(["opens", c.opens]);
  if (v) {
    rows.push([`trucks/day ${c.a}→${c.b}`, `${fmt(v.trk_ab, "trucks")} of ${fmt(v.cap_ab, "trucks")}`]);
    rows.push([`trucks/day ${c.b}→${c.a}`, `${fmt(v.trk_ba, "trucks")} of ${fmt(v.cap_ba, "trucks")}`]);
    rows.push(["utilisation", fmt(v.util, "share")]);
    if (v.delta !== null && v.delta !== undefined && state.mode === "result")
      rows.push(["change vs baseline", `${fmt(v.delta, "trucks", true)} trucks/day`]);
    if (v.queue_pk) rows.push(["peak queue", `${fmt(v.queue_pk, "trucks")} trucks`]);
  }
  rows.push(["source", `${c.source} (${c.year}, ${c.quality})`]);
  return `<b>${esc(c.name)}</b> <span class="muted">${esc(c.id)}</span><table>` +
    rows.map(([k, x]) => `<tr><td>${esc(k)}</td><td><b>${esc(x)}</b></td></tr>`).join("") +
    "</table><span class='muted'>click to close, throttle or switch on</span>";
}

function linkTip(id) {
  const l = state.links[id];
  const v = currentValues()?.links?.[id];
  let s = `<b>${esc(l.road || l.id)}</b> <span class="muted">${esc(l.mode)}, ${esc(l.from)} – ${esc(l.to)}</span>` +
    `<br>${fmt(l.km, "km")} km, ${fmt(l.h, "h")} h for a loaded truck`;
  if (v) {
    s += `<br>trucks/day (both directions): <b>${fmt(v[0], "trucks")}</b>`;
    if (v[1] !== null && state.mode === "result") s += `, change <b>${fmt(v[1], "trucks", true)}</b>`;
  }
  return s + `<br><span class="muted">source: ${esc(l.source)} (${esc(l.year)}, ${esc(l.quality)})</span>`;
}

function utilColour(u) {
  /* green (idle) -> yellow -> red (full) */
  const x = Math.max(0, Math.min(1, u || 0));
  const r = x < 0.5 ? Math.round(46 + 2 * x * (241 - 46)) : 231;
  const g = x < 0.5 ? Math.round(160 + 2 * x * (196 - 160)) : Math.round(196 - 2 * (x - 0.5) * (196 - 60));
  return `rgb(${r},${g},${x < 0.5 ? 67 - Math.round(2 * x * 40) : 27})`;
}
function rampColour(x, to) {
  const t = Math.max(0, Math.min(1, x));
  const a = [255, 255, 255], b = to;
  return `rgb(${a.map((v, i) => Math.round(v + t * (b[i] - v))).join(",")})`;
}
function setClasses(layer, add) {
  const el = layer.getElement && layer.getElement();
  if (!el) return;
  el.classList.remove("bf-gain", "bf-loss", "bf-closed");
  for (const c of add) el.classList.add(c);
}

function restyle() {
  const mode = state.mode;
  const vals = currentValues();
  let maxLink = 1, maxX = 1;
  if (vals) {
    for (const v of Object.values(vals.links || {})) {
      maxLink = Math.max(maxLink, Math.abs(mode === "result" ? (v[1] || 0) : v[0]));
    }
    for (const v of Object.values(vals.crossings || {})) {
      maxX = Math.max(maxX, Math.abs(mode === "result" ? (v.delta || 0) : v.trucks));
    }
  }
  for (const [id, layer] of Object.entries(state.linkLayers)) {
    const l = state.links[id], v = vals?.links?.[id];
    let style = { color: "#b5b5b5", weight: 1.2, opacity: 0.9, dashArray: l.mode === "rail" ? "4 3" : null };
    const cls = [];
    if (v && (mode === "util" || mode === "flows") && v[0] > 0.05) {
      style = { color: MODE_COLOURS[l.mode] || "#555", weight: 1.5 + 9 * v[0] / maxLink, opacity: 0.85,
        dashArray: null };
    } else if (v && mode === "result" && v[1] !== null && Math.abs(v[1]) > 0.5) {
      style = { color: v[1] > 0 ? GAIN : LOSS, weight: 1.5 + 9 * Math.abs(v[1]) / maxLink, opacity: 0.9,
        dashArray: null };
      cls.push(v[1] > 0 ? "bf-gain" : "bf-loss");
    }
    layer.setStyle(style);
    setClasses(layer, cls);
  }
  const order = [];
  for (const [id, layer] of Object.entries(state.crossingLayers)) {
    const c = state.crossings[id];
    const cls = [];
    let style = { radius: 6, color: "#222", weight: 1.5, dashArray: null,
      fillColor: STATUS_COLOURS[c.status] || "#888", fillOpacity: 0.9 };
    if (c.status === "proposed" || c.status === "closed") {
      style = { ...style, fillColor: "#fff", color: STATUS_COLOURS[c.status], dashArray: "2 2", weight: 2 };
    }
    const v = vals?.crossings?.[id];
    if (mode === "util" || mode === "flows") {
      if (v && v.state !== "closed") {
        style = { ...style, radius: 4 + 12 * Math.sqrt(v.trucks / maxX), fillColor: utilColour(v.util),
          color: "#222", dashArray: null, weight: 1 };
      }
    } else if (mode === "result" && v) {
      if (v.state === "closed" && v.base_state !== "closed") {
        style = { ...style, radius: 9, fillColor: "#fff", color: "#000", weight: 3, dashArray: "3 2" };
        cls.push("bf-closed");
      }
      if (v.delta !== null && Math.abs(v.delta) > 0.5) {
        style = { ...style, radius: 5 + 13 * Math.sqrt(Math.abs(v.delta) / maxX),
          fillColor: v.delta > 0 ? GAIN : LOSS, color: v.state === "closed" ? "#000" : "#222" };
        cls.push(v.delta > 0 ? "bf-gain" : "bf-loss");
      } else if (!cls.length) {
        style = { ...style, radius: 4, fillColor: "#ddd", color: "#999", dashArray: null, weight: 1 };
      }
    } else if (mode === "compare" && state.compare) {
      const d = state.compare.byCrossing[id];
      const m = state.compare.max || 1;
      style = d ? { ...style, radius: 5 + 13 * Math.sqrt(Math.abs(d) / m), fillColor: d > 0 ? GAIN : LOSS,
        color: "#222", dashArray: null } : { ...style, radius: 4, fillColor: "#ddd", color: "#999" };
      if (d) cls.push(d > 0 ? "bf-gain" : "bf-loss");
    } else if ((mode === "criticality" || mode === "investment") && state.sweep) {
      const src = mode === "criticality" ? state.sweep.criticality_by_crossing : state.sweep.investment_by_crossing;
      const vals2 = Object.values(src || {}).map(Math.abs);
      const m = Math.max(1, ...vals2);
      const x = src?.[id];
      style = x !== undefined && x !== null ? { ...style, radius: 5 + 11 * Math.sqrt(Math.abs(x) / m),
        fillColor: rampColour(Math.abs(x) / m, mode === "criticality" ? [165, 0, 38] : [0, 104, 55]),
        color: "#222", dashArray: null, weight: 1.5 } : { ...style, radius: 3, fillColor: "#eee", color: "#aaa" };
    }
    layer.setStyle(style);
    setClasses(layer, cls);
    order.push([style.radius, cls.includes("bf-closed"), layer]);
  }
  /* big circles behind small ones; the gates the scenario closed on top of everything */
  order.sort((p, q) => q[0] - p[0] || p[1] - q[1]);
  for (const [, , layer] of order) layer.bringToFront();
  for (const [, closed, layer] of order) if (closed) layer.bringToFront();
  legend();
}

function legend() {
  const m = state.mode;
  let h = "";
  if (m === "status") {
    h = "<b>Crossings by status in the data</b><br>" + Object.entries(STATUS_COLOURS).map(([k, c]) =>
      `<span class="swatch" style="background:${k === "proposed" || k === "closed" ? "#fff" : c};border-color:${c}"></span>${k}`).join(" &nbsp;") +
      "<br>grey lines: roads; dashed: rail. Hover for details, click a crossing to build a what-if.";
  } else if (m === "util" || m === "flows") {
    const src = m === "util" ? (state.baseline ? `baseline (${esc(state.baseline.period_label)})` : "baseline not solved yet")
      : (state.result ? esc(state.result.name) : "no result open");
    h = `<b>Flows: ${src}</b><br>circles: trucks/day, colour by utilisation ` +
      `<span class="swatch" style="background:${utilColour(0)}"></span>idle ` +
      `<span class="swatch" style="background:${utilColour(0.5)}"></span>half ` +
      `<span class="swatch" style="background:${utilColour(1)}"></span>full<br>` +
      Object.entries(MODE_COLOURS).map(([k, c]) => `<span class="line" style="background:${c}"></span>${k}`).join(" ") +
      " (width: trucks/day)";
  } else if (m === "result") {
    h = `<b>Change vs baseline: ${state.result ? esc(state.result.name) : "no result open"}</b><br>` +
      `<span class="line" style="background:${GAIN}"></span>more trucks/day ` +
      `<span class="line" style="background:${LOSS}"></span>fewer trucks/day (width, circle size: change)` +
      `<br><span class="swatch" style="background:#fff;border:2px dashed #000"></span>closed by the scenario`;
  } else if (m === "compare") {
    h = `<b>B − A: ${state.compare ? esc(state.compare.b.name) + " − " + esc(state.compare.a.name) : "pick two runs"}</b><br>` +
      `<span class="swatch" style="background:${GAIN}"></span>more trucks in B <span class="swatch" style="background:${LOSS}"></span>fewer`;
  } else {
    h = `<b>${m === "criticality" ? "Criticality: cost of losing the crossing (USD)" : "Investment: mean benefit (USD)"}</b><br>` +
      (state.sweep ? esc(state.sweep.name) : "open a sweep folder") + "; darker and larger: more";
  }
  $("#legend").innerHTML = h;
}

function setMode(mode) {
  state.mode = mode;
  $("#mode-select").value = mode;
  restyle();
}

/* ---------------------------------------------------------------- what-if builder */
function clickCrossing(id) {
  /* gates a few pixels apart (a road gate and its rail gate) are offered as a choice */
  const here = map.latLngToContainerPoint([state.crossings[id].lat, state.crossings[id].lon]);
  const near = state.net.crossings.filter(c =>
    map.latLngToContainerPoint([c.lat, c.lon]).distanceTo(here) < 12);
  if (near.length < 2) { selectCrossing(id); return; }
  const html = "<div class='chooser'><b>Which crossing?</b>" + near.map(c =>
    `<div><button type="button" class="choose" data-id="${esc(c.id)}">${esc(c.name)}</button>` +
    ` <span class="muted">${esc(c.mode)}, ${esc(c.status)}</span></div>`).join("") + "</div>";
  const popup = L.popup({ closeButton: true }).setLatLng([state.crossings[id].lat,
    state.crossings[id].lon]).setContent(html).openOn(map);
  $$(".chooser button.choose").forEach(b => {
    b.onclick = () => { map.closePopup(popup); selectCrossing(b.dataset.id); };
  });
}

function selectCrossing(id) {
  const c = state.crossings[id];
  if (!c) return;
  state.selected = id;
  const canBuild = c.status === "proposed" || c.status === "closed";
  const card = $("#crossing-card");
  card.classList.remove("hidden");
  card.innerHTML = `<h4>${esc(c.name)} <span class="muted">${esc(c.id)} · ${esc(c.mode)} · ${esc(c.status)}</span></h4>
    <table>
      <tr><td>capacity ${esc(c.a)}→${esc(c.b)}</td><td>${fmt(c.cap_ab, "cap")} trucks/day</td></tr>
      <tr><td>capacity ${esc(c.b)}→${esc(c.a)}</td><td>${fmt(c.cap_ba, "cap")} trucks/day</td></tr>
      <tr><td>source</td><td>${esc(c.source)} (${esc(c.year)}, ${esc(c.quality)}; capacity ${esc(c.cap_kind)})</td></tr>
    </table>
    <details><summary class="muted">notes</summary><div class="muted">${esc(c.notes)}</div></details>
    <div class="actions">
      <label>direction <select id="act-dir"><option value="both">both</option>
        <option value="a_to_b">${esc(c.a)}→${esc(c.b)}</option><option value="b_to_a">${esc(c.b)}→${esc(c.a)}</option></select></label>
      <label>from <input id="act-from" type="date"></label>
      <label>to <input id="act-to" type="date"></label>
      <span class="muted">(empty: the whole horizon)</span>
    </div>
    <div class="actions">
      <button id="act-close" type="button">Close it</button>
      <button id="act-throttle" type="button">Throttle to</button>
      <input id="act-cap" type="number" min="0" step="10" value="${Math.round((c.cap_ab || 100) / 2)}" style="width:5em"> trucks/day
      <button id="act-build" type="button" ${canBuild ? "" : "disabled title='only proposed or closed crossings'"}>Switch on</button>
    </div>`;
  const common = () => ({ crossing: id, direction: $("#act-dir").value,
    from: $("#act-from").value || null, to: $("#act-to").value || null });
  $("#act-close").onclick = () => addEvent({ kind: "close", ...common() });
  $("#act-throttle").onclick = () => addEvent({ kind: "throttle", ...common(),
    cap: Number($("#act-cap").value) });
  $("#act-build").onclick = () => addEvent({ kind: "build", crossing: id, from: $("#act-from").value || null });
  showTab("whatif");
}

function addEvent(ev) {
  state.events.push(ev);
  renderEvents();
}

function eventText(ev) {
  if (ev.kind === "supply") return `supply of ${ev.product} × ${ev.factor}`;
  const c = state.crossings[ev.crossing];
  const when = ev.from || ev.to ? ` from ${ev.from || "the start"} to ${ev.to || "the end"}` : " for the whole horizon";
  if (ev.kind === "build") return `switch on ${c.name}${ev.from ? " from " + ev.from : ""}`;
  const dir = ev.direction === "both" ? "" : ` (${dirLabel(c, ev.direction)})`;
  if (ev.kind === "close") return `close ${c.name}${dir}${when}`;
  return `throttle ${c.name}${dir} to ${ev.cap} trucks/day${when}`;
}

function renderEvents() {
  $("#events").innerHTML = state.events.map((ev, i) =>
    `<li>${esc(eventText(ev))}<button type="button" data-i="${i}" title="remove">×</button></li>`).join("");
  $$("#events button").forEach(b => { b.onclick = () => { state.events.splice(Number(b.dataset.i), 1); renderEvents(); }; });
  regenerateYaml();
}

function horizon() {
  const dated = $("input[name=horizon]:checked").value === "dated";
  return dated ? { start: $("#start").value, days: Number($("#days").value) }
    : { month: $("#month").value ? Number($("#month").value) : null };
}

function autoName() {
  const h = horizon();
  const parts = state.events.map(ev => ev.kind === "supply" ? `supply-${ev.product}`
    : `${ev.kind === "throttle" ? "throttle" : ev.kind}-${ev.crossing}`);
  let name = parts.length ? parts[0] : "baseline";
  if (parts.length > 1) name += `-and-${parts.length - 1}-more`;
  if (h.start) name += `-${h.start}`;
  else if (h.month) name += `-m${String(h.month).padStart(2, "0")}`;
  return name.slice(0, 100);
}

function yamlDate(d) { return d; }
function regenerateYaml() {
  if (!state.nameTouched) $("#scen-name").value = autoName();
  const h = horizon();
  const lines = [`name: ${$("#scen-name").value || "what-if"}`];
  const desc = state.events.map(eventText).join("; ");
  if (desc) lines.push(`description: "${desc.replace(/["\\]/g, "")}"`);
  if (h.start) lines.push(`horizon: {start: ${yamlDate(h.start)}, days: ${h.days}}`);
  else if (h.month) lines.push(`horizon: {month: ${h.month}}`);
  if (state.events.length) {
    lines.push("events:");
    for (const ev of state.events) {
      const dates = (ev.from ? `, from: ${ev.from}` : "") + (ev.to ? `, to: ${ev.to}` : "");
      const dir = ev.direction && ev.direction !== "both" ? `, direction: ${ev.direction}` : "";
      if (ev.kind === "close") {
        const win = ev.from || ev.to ? `, close: {${[ev.from ? "from: " + ev.from : "", ev.to ? "to: " + ev.to : ""].filter(Boolean).join(", ")}}` : "";
        lines.push(`  - {crossing: ${ev.crossing}${win}${dir}}`);
      } else if (ev.kind === "throttle") {
        lines.push(`  - {crossing: ${ev.crossing}, capacity_trucks_per_day: ${ev.cap}${dates}${dir}}`);
      } else if (ev.kind === "build") {
        lines.push(`  - {build: ${ev.crossing}${ev.from ? ", from: " + ev.from : ""}}`);
      } else if (ev.kind === "supply") {
        lines.push(`  - {supply: {product: ${ev.product}, factor: ${ev.factor}}}`);
      }
    }
  }
  $("#yaml").value = lines.join("\n") + "\n";
  state.filename = `${$("#scen-name").value || "scenario"}.yaml`;
  scheduleCheck();
}

function fitHorizon() {
  const dates = state.events.flatMap(ev => [ev.from, ev.to]).filter(Boolean).sort();
  if (!dates.length) { $("#scenario-error").textContent = "give the events dates first (from / to)"; return; }
  const first = new Date(dates[0] + "T00:00:00Z"), last = new Date(dates[dates.length - 1] + "T00:00:00Z");
  first.setUTCDate(first.getUTCDate() - 3);
  const days = Math.round((last - first) / 86400000) + 1 + 7;
  $("input[name=horizon][value=dated]").checked = true;
  $("#start").value = first.toISOString().slice(0, 10);
  $("#days").value = days;
  regenerateYaml();
}

let checkTimer = null, checkSeq = 0;
function scheduleCheck() {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(checkYaml, 300);
}
async function checkYaml() {
  const seq = ++checkSeq;
  try {
    const r = await post("/api/scenario/check", { yaml: $("#yaml").value, filename: state.filename || "scenario.yaml" });
    if (seq !== checkSeq) return;
    $("#scenario-error").textContent = "";
    $("#scenario-ok").textContent = `valid: '${r.name}', ${r.events} event(s), ` +
      (r.dated ? `${r.days} days day by day (queues, spoilage; allow about a minute per 20 days)`
        : `a representative day${r.month ? " of " + MONTHS[r.month - 1] : " (annual average)"} (seconds)`);
    return true;
  } catch (e) {
    if (seq !== checkSeq) return;
    $("#scenario-ok").textContent = "";
    $("#scenario-error").textContent = e.message;
    return false;
  }
}

async function runScenario() {
  $("#run").disabled = true;
  // a message about a scenario that was replaced while the request ran (a new file, a new
  // check) is stale: the job is still followed, its message not shown over the newer one
  const seq = ++checkSeq;
  try {
    const job = await post("/api/runs", { yaml: $("#yaml").value, filename: state.filename || "scenario.yaml" });
    state.autoOpen.add(job.id);
    pollJobs();
    if (seq !== checkSeq) return;
    $("#scenario-error").textContent = "";
    $("#scenario-ok").textContent = `queued as run folder '${job.name}' (see the Runs tab)`;
  } catch (e) {
    if (seq !== checkSeq) return;
    $("#scenario-ok").textContent = "";
    $("#scenario-error").textContent = e.message;
  } finally {
    $("#run").disabled = false;
  }
}

function uploadYaml(file) {
  const limit = state.status?.max_upload_bytes || 262144;
  if (file.size > limit) {
    ++checkSeq;  // newer than any check or run still under way
    $("#scenario-ok").textContent = "";
    $("#scenario-error").textContent = `error: ${file.name}: larger than ${Math.round(limit / 1024)} kB; a scenario file is a few kB`;
    return;
  }
  const reader = new FileReader();
  reader.onload = () => {
    state.events = [];
    $("#events").innerHTML = `<li class="muted">from ${esc(file.name)}</li>`;
    $("#yaml").value = reader.result;
    state.filename = file.name;
    checkYaml();
  };
  reader.readAsText(file);
}

function downloadYaml() {
  const blob = new Blob([$("#yaml").value], { type: "application/x-yaml" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = state.filename || "scenario.yaml";
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/* ---------------------------------------------------------------- queue and run folders */
let pollTimer = null;
async function pollJobs() {
  clearTimeout(pollTimer);
  try {
    state.jobs = await api("/api/jobs");
    renderJobs();
    for (const j of state.jobs) {
      if (j.state === "done" && !state.seenDone.has(j.id)) {
        state.seenDone.add(j.id);
        await loadRuns();
        if (j.name === state.status?.baseline) loadBaseline();
        if (state.autoOpen.has(j.id)) { state.autoOpen.delete(j.id); openResult(j.name); }
      }
    }
  } catch (e) { $("#busy").textContent = `server: ${e.message}`; }
  const busy = state.jobs.some(j => j.state === "running" || j.state === "queued");
  pollTimer = setTimeout(pollJobs, busy ? 500 : 2000);
}

function renderJobs() {
  const active = state.jobs.filter(j => j.state === "running" || j.state === "queued").length;
  $("#queue-count").textContent = active ? `(${active})` : "";
  const running = state.jobs.find(j => j.state === "running");
  $("#busy").textContent = running ? `solving ${running.name}: ${running.message}` : "";
  if (!state.jobs.length) { $("#jobs").innerHTML = `<p class="muted">no runs queued</p>`; return; }
  $("#jobs").innerHTML = state.jobs.map(j => {
    const pct = j.state === "done" ? 100 : j.total ? Math.round(100 * j.done / j.total) : 0;
    const act = (j.state === "queued" || j.state === "running")
      ? `<button class="cancel" data-id="${j.id}" type="button">cancel</button>`
      : j.state === "done" ? `<button class="open" data-name="${esc(j.name)}" type="button">open</button>` : "";
    return `<div class="job ${j.state}" data-job="${j.id}" data-name="${esc(j.name)}">
      <b>${esc(j.name)}</b> <span class="state">${j.state}</span>
      <span class="muted">${j.elapsed_s !== null ? j.elapsed_s + " s" : ""}</span> ${act}
      <div class="bar"><div style="width:${pct}%"></div></div>
      <div class="${j.state === "failed" ? "error" : "muted"}">${esc(j.state === "failed" ? j.error : j.message)}</div></div>`;
  }).join("");
  $$("#jobs button.cancel").forEach(b => { b.onclick = async () => { b.disabled = true; await post(`/api/jobs/${b.dataset.id}/cancel`, {}).catch(() => {}); pollJobs(); }; });
  $$("#jobs button.open").forEach(b => { b.onclick = () => openResult(b.dataset.name); });
}

async function loadRuns() {
  state.runs = await api("/api/runs");
  const runs = state.runs.filter(r => r.kind === "run"), sweeps = state.runs.filter(r => r.kind === "sweep");
  $("#runs").innerHTML = runs.length ? `<table class="data"><thead><tr><th>run folder</th><th>horizon</th><th>status</th><th></th></tr></thead><tbody>` +
    runs.map(r => `<tr><td>${esc(r.name)}${r.has_baseline ? " <span class='muted'>+ baseline</span>" : ""}</td>
      <td>${esc(r.period_label)}</td><td>${esc(r.status)}</td>
      <td><button type="button" data-open="${esc(r.name)}">open</button>
      <button type="button" data-a="${esc(r.name)}" title="compare: A">A</button>
      <button type="button" data-b="${esc(r.name)}" title="compare: B">B</button></td></tr>`).join("") + "</tbody></table>"
    : `<p class="muted">no run folders yet</p>`;
  $$("#runs button[data-open]").forEach(b => { b.onclick = () => openResult(b.dataset.open); });
  $$("#runs button[data-a]").forEach(b => { b.onclick = () => { $("#cmp-a").value = b.dataset.a; showTab("compare"); }; });
  $$("#runs button[data-b]").forEach(b => { b.onclick = () => { $("#cmp-b").value = b.dataset.b; showTab("compare"); }; });
  for (const sel of ["#cmp-a", "#cmp-b"]) {
    const keep = $(sel).value;
    $(sel).innerHTML = runs.map(r => `<option>${esc(r.name)}</option>`).join("");
    if (keep) $(sel).value = keep;
  }
  const keep = $("#sweep-select").value;
  $("#sweep-select").innerHTML = sweeps.map(r => `<option>${esc(r.name)}</option>`).join("");
  if (keep) $("#sweep-select").value = keep;
}

async function loadBaseline() {
  const name = state.status?.baseline;
  if (!name) return;
  try {
    state.baseline = await api(`/api/result?run=${encodeURIComponent(name)}`);
    $("#status-line").textContent = `${state.net.crossings.length} crossings, ${state.net.links.length} links, ` +
      `${state.net.places.length} origins and markets · baseline: ${state.baseline.period_label}`;
    if (state.mode === "util") restyle();
  } catch (e) { /* not solved yet: the queue will tell */ }
}

/* ---------------------------------------------------------------- result view */
function dl(run, what, label, name = "") {
  const q = `run=${encodeURIComponent(run)}&what=${what}` + (name ? `&name=${encodeURIComponent(name)}` : "");
  return `<a href="/api/download?${q}" download class="dl-${what}">${esc(label)}</a>`;
}

function chart(series) {
  /* one gate's daily queue as an SVG line chart */
  const w = 460, h = 150, l = 40, r = 8, t = 16, b = 22;
  const n = series.queue.length, max = Math.max(1, ...series.queue);
  const x = i => l + (w - l - r) * (n > 1 ? i / (n - 1) : 0);
  const y = v => t + (h - t - b) * (1 - v / max);
  const pts = series.queue.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  return `<svg class="chart" viewBox="0 0 ${w} ${h}" data-crossing="${esc(series.crossing_id)}">
    <text x="${l}" y="11">${esc(series.name)} ${esc(series.dir)}: trucks waiting (peak ${fmt(series.peak, "trucks")})</text>
    <line x1="${l}" y1="${h - b}" x2="${w - r}" y2="${h - b}" stroke="#999"/>
    <line x1="${l}" y1="${t}" x2="${l}" y2="${h - b}" stroke="#999"/>
    <text x="${l - 4}" y="${t + 4}" text-anchor="end">${fmt(max, "t")}</text>
    <text x="${l - 4}" y="${h - b}" text-anchor="end">0</text>
    <text x="${l}" y="${h - 6}">${esc(series.dates[0])}</text>
    <text x="${w - r}" y="${h - 6}" text-anchor="end">${esc(series.dates[n - 1])}</text>
    <polyline fill="none" stroke="${LOSS}" stroke-width="2" points="${pts}"/></svg>`;
}

async function openResult(name) {
  showTab("result");
  $("#result").innerHTML = `<p class="muted">reading ${esc(name)}…</p>`;
  try {
    state.result = await api(`/api/result?run=${encodeURIComponent(name)}`);
  } catch (e) {
    $("#result").innerHTML = `<p class="error">${esc(e.message)}</p>`;
    return;
  }
  const r = state.result;
  const per = r.per;
  const tables = TABLE_FILES.map(f => `<option>${esc(f)}</option>`).join("");
  let h = `<h3 id="result-title">${esc(r.name)}</h3>
    <p class="muted">${esc(r.period_label)} · ${esc(r.status)} · ${r.verified ? `verified: ${fmt(r.checks, "days")} independent checks passed` : "not verified"}${r.has_baseline ? " · compared with the undisrupted baseline" : ""}</p>
    <div class="downloads">Download: ${dl(r.name, "gpkg", "GeoPackage")} ${dl(r.name, "geoparquet", "GeoParquet (zip)")}
      ${dl(r.name, "png", "PNG map")}
      <select id="table-file">${tables}</select> <a id="table-dl" href="#" download>table</a></div>
    ${r.headline ? `<p class="headline" id="headline">${esc(r.headline)}</p>` : ""}
    <h4>Cost, unserved, spoiled (${esc(per)}; USD, t)</h4>` +
    table(r.costs, r.has_baseline ? [["label", "measure"], ["before", "baseline", "row"], ["after", "scenario", "row"], ["delta", "change", "row", true], ["unit", "unit"]]
      : [["label", "measure"], ["after", "value", "row"], ["unit", "unit"]], "costs") +
    `<h4>What happened</h4><ul class="story">${r.story.map(s => `<li>${esc(s)}</li>`).join("") || "<li class='muted'>nothing to tell</li>"}</ul>`;
  if (r.has_baseline) {
    h += `<h4>Where the trucks went (trucks ${r.periods > 1 ? "summed over the days" : "per day"})</h4>` +
      table(r.crossing_changes, [["name", "crossing"], ["dir", "direction"], ["before_trucks", "baseline", "trucks"],
        ["after_trucks", "scenario", "trucks"], ["delta_trucks", "change", "trucks", true]], "reroute") +
      `<h4>By crossing and product (t ${r.periods > 1 ? "over the days" : "per day"})</h4>` +
      (r.reroute_by_product ? table(r.reroute_by_product, [["name", "crossing"], ["dir", "direction"], ["product_id", "product"],
        ["before_t", "baseline", "t"], ["after_t", "scenario", "t"], ["delta_t", "change", "t", true]], "reroute-products")
        : `<p class="muted">needs the baseline's run folder (runs solved by the app have it in baseline/)</p>`) +
      `<h4>Products: change of shipped, unserved, spoiled (t) and value lost (USD)</h4>` +
      table(r.product_changes, [["product_id", "product"], ["shipped_t_delta", "shipped", "t", true],
        ["unserved_t_delta", "unserved", "t", true], ["spoiled_t_delta", "spoiled", "t", true], ["lost_value_usd_delta", "value lost", "usd", true]]);
  }
  if (r.queues.length) {
    h += `<h4>Queues at the gates (trucks waiting per day)</h4>` + r.queues.slice(0, 6).map(chart).join("") +
      `<h4>Backlog episodes</h4>` + table(r.backlog, [["name", "gate"], ["start_date", "from"], ["peak_queue_trucks", "peak trucks", "trucks"],
        ["peak_date", "peak on"], ["clear_date", "cleared"], ["truck_days_waited", "truck-days", "days"], ["waiting_cost_usd", "waiting cost USD", "usd"]]);
  }
  h += `<h4>Value of capacity: one more truck per day (USD, mean over open days)</h4>` +
    table(r.capacity_value, [["name", "crossing"], ["dir", "direction"], ["usd_per_truck", "USD per truck", "usd"],
      ["utilisation", "utilisation", "share"], ["binding_days", "days binding", "days"]], "capacity");
  $("#result").innerHTML = h;
  const upd = () => { $("#table-dl").href = `/api/download?run=${encodeURIComponent(r.name)}&what=file&name=${encodeURIComponent($("#table-file").value)}`; };
  $("#table-file").onchange = upd; upd();
  setMode(r.has_baseline ? "result" : "flows");
  $("#result").dataset.run = r.name;
}

/* ---------------------------------------------------------------- compare and sweep */
async function runCompare() {
  const a = $("#cmp-a").value, b = $("#cmp-b").value;
  if (!a || !b) return;
  try {
    const c = await api(`/api/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`);
    c.byCrossing = {};
    for (const row of c.crossings) c.byCrossing[row.crossing_id] = (c.byCrossing[row.crossing_id] || 0) + row.delta;
    c.max = Math.max(1, ...Object.values(c.byCrossing).map(Math.abs));
    state.compare = c;
    $("#compare").innerHTML = (c.same_horizon ? "" : `<p class="error">the runs have different horizons (${esc(c.a.period_label)} vs ${esc(c.b.period_label)}): compare with care</p>`) +
      table(c.measures, [["label", "measure"], ["a", `A: ${c.a.name}`, "row"], ["b", `B: ${c.b.name}`, "row"], ["delta", "B − A", "row", true], ["unit", "unit"]], "cmp-measures") +
      `<h4>Crossings whose flow differs (trucks, B − A)</h4>` +
      table(c.crossings, [["name", "crossing"], ["dir", "direction"], ["flow_trucks_a", "A", "trucks"], ["flow_trucks_b", "B", "trucks"], ["delta", "B − A", "trucks", true]], "cmp-crossings");
    setMode("compare");
  } catch (e) { $("#compare").innerHTML = `<p class="error">${esc(e.message)}</p>`; }
}

async function openSweep() {
  const name = $("#sweep-select").value;
  if (!name) return;
  try {
    const s = await api(`/api/sweep?folder=${encodeURIComponent(name)}`);
    state.sweep = s;
    $("#sweep").innerHTML = `<h3>${esc(s.name)} <span class="muted">${s.scenarios.length} scenarios solved</span></h3>
      <div class="downloads">Download: ${dl(s.name, "gpkg", "GeoPackage")} ${dl(s.name, "geoparquet", "GeoParquet (zip)")}</div>
      <h4>Criticality: cost of losing each crossing (USD per run)</h4>` +
      table(s.criticality, [["rank", "#", "days"], ["name", "crossing"], ["month", "month", "days"], ["closed_days", "days closed", "days"],
        ["cost_increase_usd", "cost +USD", "usd", true], ["unserved_increase_t", "unserved +t", "t", true], ["top_gaining_crossings", "flow went to"]], "criticality") +
      `<h4>Investment ranking: benefit with vs without (USD)</h4>` +
      table(s.investment_ranking, [["rank", "#", "days"], ["project", "project"], ["kind", "kind"], ["benefit_baseline_usd", "baseline", "usd"],
        ["benefit_mean_usd", "mean", "usd"], ["benefit_max_usd", "max", "usd"], ["worth_most_under", "worth most under"]], "investments") +
      `<h4>Value of capacity (USD per extra truck per day)</h4>` +
      table(s.capacity_value, [["baseline", "baseline"], ["name", "crossing"], ["dir", "direction"], ["utilisation", "util.", "share"],
        ["value_usd_per_extra_truck_per_day", "USD", "usd"]]) +
      `<h4>Scenarios against their baseline</h4>` +
      table(s.comparison, [["scenario", "scenario"], ["status", "status"], ["cost_increase_usd", "cost +USD", "usd", true],
        ["unserved_increase_t", "unserved +t", "t", true], ["spoiled_increase_t", "spoiled +t", "t", true], ["top_gaining_crossings", "flow went to"]]) +
      `<div class="row"><button type="button" id="map-crit">map: criticality</button><button type="button" id="map-inv">map: investment</button></div>`;
    $("#map-crit").onclick = () => setMode("criticality");
    $("#map-inv").onclick = () => setMode("investment");
    setMode("criticality");
  } catch (e) { $("#sweep").innerHTML = `<p class="error">${esc(e.message)}</p>`; }
}

/* ---------------------------------------------------------------- start-up */
async function start() {
  const [status, net] = await Promise.all([api("/api/status"), api("/api/network")]);
  state.status = status;
  state.net = net;
  drawNetwork(net);
  $("#status-line").textContent = `${net.crossings.length} crossings, ${net.links.length} links, ` +
    `${net.places.length} origins and markets (${status.dataset})`;
  $("#runs-folder").textContent = status.runs_folder;
  $("#crossing-list").innerHTML = net.crossings.map(c => `<option value="${esc(c.name)}">${esc(c.id)} · ${esc(c.status)}</option>`).join("");
  $("#month").innerHTML += MONTHS.map((m, i) => `<option value="${i + 1}">${m}</option>`).join("");
  $("#supply-product").innerHTML = net.products.map(p => `<option value="${esc(p.id)}">${esc(p.name)}</option>`).join("");
  $("#crossing-search").addEventListener("change", e => {
    const v = e.target.value.trim().toLowerCase();
    const c = net.crossings.find(x => x.name.toLowerCase() === v || x.id === v) ||
      net.crossings.find(x => x.name.toLowerCase().includes(v));
    if (c) { selectCrossing(c.id); map.panTo([c.lat, c.lon]); }
  });
  $$("#tabs button").forEach(b => { b.onclick = () => showTab(b.dataset.tab); });
  $("#mode-select").onchange = e => setMode(e.target.value);
  $$("input[name=horizon]").forEach(r => { r.onchange = regenerateYaml; });
  for (const id of ["#month", "#start", "#days"]) $(id).addEventListener("change", regenerateYaml);
  $("#scen-name").addEventListener("input", () => { state.nameTouched = true; regenerateYaml(); });
  $("#add-supply").onclick = () => addEvent({ kind: "supply", product: $("#supply-product").value,
    factor: Number($("#supply-factor").value) });
  $("#fit-horizon").onclick = fitHorizon;
  $("#yaml").addEventListener("input", scheduleCheck);
  $("#run").onclick = runScenario;
  $("#download-yaml").onclick = downloadYaml;
  $("#upload-yaml").onchange = e => { if (e.target.files[0]) uploadYaml(e.target.files[0]); e.target.value = ""; };
  $("#cmp-go").onclick = runCompare;
  $("#sweep-go").onclick = openSweep;
  regenerateYaml();
  restyle();
  document.body.dataset.ready = "1";
  window.bfReadyMs = performance.now();
  loadRuns();
  loadBaseline();
  pollJobs();
}

start().catch(e => {
  $("#status-line").textContent = `could not start: ${e.message}`;
  document.body.dataset.ready = "error";
});
