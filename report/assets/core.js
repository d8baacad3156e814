// The timeline's shared state: the embedded data, the visible time window (zoom and
// pan), the time-to-pixel scale, SVG helpers, and the registry of every element whose
// x position follows the time axis.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const LEFT = 150; // the label gutter, pixels
const RIGHT = 16;
const OUTCOMES = ["ok", "fail", "info"];
const ROLES = ["follower", "pre-candidate", "candidate", "leader"];

const T = {
  data: JSON.parse(document.getElementById("timeline-data").textContent),
  width: 800, // the plot area's width, pixels
  v0: 0, // the visible window, virtual ns
  v1: 1,
  items: [], // {el, t0, t1, min} bars, {el, t, w} points
  renderers: [], // functions redrawn on every view change
  laneMode: "process",
};
T.v1 = Math.max(1, T.data.end_ns);

/// The x pixel of virtual time t in the current view.
function X(t) {
  return LEFT + ((t - T.v0) / (T.v1 - T.v0)) * T.width;
}

/// The virtual time at x pixel px.
function timeAt(px) {
  return T.v0 + ((px - LEFT) / T.width) * (T.v1 - T.v0);
}

/// The x pixel of mouse event e in the timeline's SVG.
function mouseX(e) {
  return e.clientX - document.getElementById("timeline").getBoundingClientRect().left;
}

/// An SVG element with attributes, appended to parent.
function el(name, attrs, parent) {
  const e = document.createElementNS(SVG_NS, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}

/// An SVG text element.
function text(str, attrs, parent) {
  const e = el("text", attrs, parent);
  e.textContent = str;
  return e;
}

/// Registers a bar spanning [t0, t1] (at least min pixels wide).
function bar(e, t0, t1, min) {
  T.items.push({ el: e, t0: t0, t1: t1, min: min || 1 });
  return e;
}

/// Registers a point of width w centred on t.
function point(e, t, w) {
  T.items.push({ el: e, t: t, w: w });
  return e;
}

/// A duration in virtual ns, readable (in entries, on an entry-order axis).
function fmtDur(ns) {
  if (T.data.order_axis) return ns + (Math.abs(ns) === 1 ? " entry" : " entries");
  const a = Math.abs(ns);
  if (a >= 1e9) return (ns / 1e9).toFixed(a >= 1e10 ? 1 : 3).replace(/\.?0+$/, "") + " s";
  if (a >= 1e6) return (ns / 1e6).toFixed(a >= 1e8 ? 0 : 1).replace(/\.0$/, "") + " ms";
  if (a >= 1e3) return (ns / 1e3).toFixed(0) + " µs";
  return ns === 0 ? "0" : ns + " ns";
}

/// A virtual time, in ms with µs precision (as trace.log prints it).
function fmtTime(ns) {
  if (T.data.order_axis) return "entry " + ns;
  return (ns / 1e6).toFixed(3) + " ms";
}

/// The index of the last element of sorted array a whose key is <= t, or -1.
function lastAtOrBefore(a, t, key) {
  let lo = 0;
  let hi = a.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (key(a[mid]) <= t) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/// Moves every registered element to the current view.
function placeItems() {
  const lo = LEFT - 50;
  const hi = LEFT + T.width + 50;
  for (const it of T.items) {
    if (it.t === undefined) {
      let x0 = X(it.t0);
      let x1 = X(it.t1);
      if (x1 < lo || x0 > hi) {
        // Out of view: moved away once, then left alone (most items, zoomed in).
        if (!it.away) {
          it.el.setAttribute("x", -1000);
          it.el.setAttribute("width", 0);
          it.away = true;
        }
        continue;
      }
      it.away = false;
      x0 = Math.max(lo, x0);
      x1 = Math.min(hi, x1);
      it.el.setAttribute("x", x0.toFixed(1));
      it.el.setAttribute("width", Math.max(it.min, x1 - x0).toFixed(1));
    } else {
      const x = X(it.t);
      const away = x < lo || x > hi;
      if (away && it.away) continue;
      it.away = away;
      it.el.setAttribute("x", (away ? -1000 : x - it.w / 2).toFixed(1));
    }
  }
}

let pending = false;

/// Redraws everything that follows the view (at most once per frame).
function render() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(function () {
    pending = false;
    renderNow();
  });
}

/// Redraws now.
function renderNow() {
  placeItems();
  for (const r of T.renderers) r();
}

/// Shows [t0, t1], clamped to the run, at least 1 µs wide.
function setView(t0, t1) {
  const end = T.data.end_ns;
  let w = Math.min(Math.max(t1 - t0, 1000), end);
  t0 = Math.min(Math.max(0, t0), end - w);
  T.v0 = t0;
  T.v1 = t0 + w;
  render();
}

/// Zooms by factor f (>1 zooms out) around virtual time t.
function zoom(f, t) {
  setView(t - (t - T.v0) * f, t + (T.v1 - t) * f);
}

const tip = document.getElementById("tip");

/// Shows the tooltip with lines of text near the mouse event e.
function showTip(e, lines) {
  tip.textContent = "";
  for (const l of lines) {
    const div = document.createElement("div");
    div.textContent = l;
    tip.appendChild(div);
  }
  tip.hidden = false;
  const x = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
  const y = Math.min(e.clientY + 14, window.innerHeight - tip.offsetHeight - 8);
  tip.style.left = Math.max(0, x) + "px";
  tip.style.top = Math.max(0, y) + "px";
}

/// Hides the tooltip.
function hideTip() {
  tip.hidden = true;
}
