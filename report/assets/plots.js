// Jepsen-style performance plots on the same time axis: every op's latency as a
// point by outcome (log scale), and throughput by outcome, fault intervals shaded.
"use strict";

const PLOT_H = 130;

/// Shades the time each kind of fault was in force over a plot of height h.
function shadeFaults(parent, h) {
  return faultSpans().map(function (b) {
    return bar(el("rect", { class: "fault-shade fault-" + b.row, y: 0, height: h }, parent), b.start, b.end);
  });
}

/// A frame and a gutter title for a plot.
function plotFrame(s, title, h) {
  el("rect", { class: "plot-frame", x: LEFT, y: 0, width: T.width, height: h }, s.g);
  text(title, { x: LEFT + 6, y: 14, class: "plot-title" }, s.g);
}

/// Latency of every op at its call time; unknown outcomes along the top edge.
function buildLatency() {
  const s = section("latency");
  const h = PLOT_H;
  plotFrame(s, "latency", h);
  shadeFaults(s.body, h);
  const lat = T.data.ops.filter((o) => o[2] !== 2).map((o) => Math.max(1, o[1] - o[0]));
  // Whole decades around the latencies seen (a history timed by event index has
  // latencies of a few "ns").
  const least = lat.reduce((a, b) => Math.min(a, b), 1e6);
  const most = lat.reduce((a, b) => Math.max(a, b), 10);
  const lo = Math.floor(Math.log10(least));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(most)));
  const top = 7; // the row of unknown outcomes
  const frac = (ns) => Math.min(1, Math.max(0, (Math.log10(Math.max(ns, 1)) - lo) / (hi - lo)));
  const y = (ns) => (top + 14 + (h - top - 18) * (1 - frac(ns))).toFixed(1);
  gutterLabel("unknown", top + 3, s.g, "axis-label");
  for (let e = Math.ceil(lo); e <= hi; e++) {
    const yy = y(Math.pow(10, e));
    el("line", { x1: LEFT, x2: LEFT + T.width, y1: yy, y2: yy, class: "plot-grid" }, s.g);
    gutterLabel(fmtDur(Math.pow(10, e)), Number(yy) + 4, s.g, "axis-label");
  }
  const dots = el("g", { class: "latency-points" }, s.body);
  T.data.ops.forEach(function (o, i) {
    const yy = o[2] === 2 ? top : y(o[1] - o[0]);
    point(el("rect", { class: "lat " + OUTCOMES[o[2]], y: Number(yy) - 1.5, width: 3, height: 3, "data-op": i }, dots), o[0], 3);
  });
  opEvents(s.g);
  return { g: s.g, height: () => h + 12 };
}

/// Ops completed per second by outcome, in buckets of the visible window (unknown
/// outcomes count at their call).
function buildThroughput() {
  const s = section("throughput");
  const h = PLOT_H - 20;
  plotFrame(s, "throughput", h);
  shadeFaults(s.body, h);
  const lines = OUTCOMES.map((o) => el("polyline", { class: "rate " + o }, s.body));
  const maxLabel = gutterLabel("", 30, s.g, "axis-label");
  gutterLabel("0 /s", h, s.g, "axis-label");
  const times = T.data.ops.map((o) => (o[2] === 2 ? o[0] : o[1]));
  T.renderers.push(function () {
    const n = Math.max(10, Math.floor(T.width / 10));
    const width = (T.v1 - T.v0) / n;
    const counts = OUTCOMES.map(() => new Array(n).fill(0));
    T.data.ops.forEach(function (o, i) {
      const k = Math.floor((times[i] - T.v0) / width);
      if (k >= 0 && k < n) counts[o[2]][k]++;
    });
    const perSec = 1e9 / width;
    const max = Math.max(1, ...counts.map((c) => Math.max(...c))) * perSec;
    maxLabel.textContent = Math.round(max) + " /s";
    counts.forEach(function (c, k) {
      const pts = c.map((v, j) => (LEFT + (j + 0.5) * (T.width / n)).toFixed(1) + "," + (h - (v * perSec / max) * (h - 6)).toFixed(1));
      lines[k].setAttribute("points", pts.join(" "));
    });
  });
  return { g: s.g, height: () => h + 24 };
}
