// The lanes: the time axis, fault rows, Raft lanes (one per server, and the commit
// index) and client lanes (one bar per op). Each builder returns a section
// {g, height()} that main.js stacks vertically.
"use strict";

const ROW_H = 14; // a fault row or a client lane
const RAFT_H = 22; // a server's lane
const SUB_H = 11; // a sub-row of a fault row
const MAX_SUB_ROWS = 6;
const svg = document.getElementById("timeline");

/// A section: a group with a label gutter, and content clipped to the plot area.
function section(name) {
  const g = el("g", { class: "section " + name }, svg);
  const body = el("g", { "clip-path": "url(#plot-clip)" }, g);
  return { g: g, body: body };
}

/// A label in the gutter.
function gutterLabel(str, y, parent, cls) {
  return text(str, { x: LEFT - 8, y: y, class: "gutter " + (cls || "") }, parent);
}

/// The time axis, with tick lines across the whole page.
function buildAxis() {
  const s = section("axis");
  const ticks = el("g", { class: "ticks" }, s.body);
  const grid = el("g", { class: "grid" }, svg.querySelector("#grid-layer"));
  gutterLabel(T.data.order_axis ? "entry order" : "virtual time", 30, s.g);
  T.renderers.push(function () {
    ticks.textContent = "";
    grid.textContent = "";
    const span = T.v1 - T.v0;
    const target = span / Math.max(2, T.width / 110);
    const p = Math.pow(10, Math.floor(Math.log10(target)));
    const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= target) || 10 * p;
    const h = svg.getAttribute("height");
    for (let t = Math.ceil(T.v0 / step) * step; t <= T.v1; t += step) {
      const x = X(t).toFixed(1);
      text(fmtDur(t), { x: x, y: 28, class: "tick" }, ticks);
      el("line", { x1: x, x2: x, y1: 34, y2: 40, class: "tick-mark" }, ticks);
      el("line", { x1: x, x2: x, y1: 40, y2: h, class: "grid-line" }, grid);
    }
  });
  return { g: s.g, height: () => 42 };
}

/// One row per kind of fault that happened, each fault a band (an instant a mark).
function buildFaults() {
  const s = section("faults");
  const rows = T.data.fault_rows.filter((r) => T.data.faults.some((b) => b.row === r));
  const names = [];
  // Bands of one kind that overlap (links clogged together) stack in sub-rows.
  const sub = new Array(T.data.faults.length).fill(0);
  const top = [];
  let y = 0;
  for (const row of rows) {
    const ends = [];
    const idx = T.data.faults.map((b, i) => i).filter((i) => T.data.faults[i].row === row);
    idx.sort((i, j) => T.data.faults[i].start - T.data.faults[j].start || i - j);
    for (const i of idx) {
      const b = T.data.faults[i];
      let k = ends.findIndex((e) => e <= b.start);
      if (k < 0) k = ends.length < MAX_SUB_ROWS ? ends.push(0) - 1 : ends.length - 1;
      ends[k] = Math.max(ends[k], b.end + 1);
      sub[i] = k;
    }
    top.push(y);
    gutterLabel(row, y + 11, s.g, "fault-label");
    y += ROW_H + (ends.length - 1) * SUB_H;
  }
  T.data.faults.forEach(function (b, i) {
    const by = top[rows.indexOf(b.row)] + sub[i] * SUB_H;
    const r = el("rect", {
      class: "fault-band fault-" + b.row + (b.end === b.start ? " instant" : ""),
      y: by + 2,
      height: SUB_H - 1,
      "data-band": i,
    }, s.body);
    bar(r, b.start, b.end, b.end === b.start ? 3 : 1);
    if (b.end > b.start) names.push({ band: b, el: text("", { y: by + 10, class: "band-name" }, s.body) });
  });
  // Labels on bands wide enough to hold them.
  T.renderers.push(function () {
    for (const n of names) {
      const x0 = Math.max(X(n.band.start), LEFT);
      const w = Math.min(X(n.band.end), LEFT + T.width) - x0;
      const fits = Math.floor((w - 6) / 5.6);
      n.el.style.display = fits >= 6 ? "" : "none";
      if (fits < 6) continue;
      n.el.textContent = n.band.label.length <= fits ? n.band.label : n.band.label.slice(0, fits - 1) + "…";
      n.el.setAttribute("x", (x0 + 3).toFixed(1));
    }
  });
  s.g.addEventListener("mousemove", function (e) {
    const i = e.target.getAttribute("data-band");
    if (i === null) return hideTip();
    const b = T.data.faults[Number(i)];
    const when = b.end > b.start ? "from " + fmtTime(b.start) + " to " + fmtTime(b.end) + " (" + fmtDur(b.end - b.start) + ")" : "at " + fmtTime(b.start);
    showTip(e, [b.label, when]);
  });
  if (!rows.length) gutterLabel("no faults", 11, s.g, "fault-label");
  return { g: s.g, height: () => Math.max(ROW_H, y) + 6 };
}

/// The time each kind of fault was in force: per row, the union of its bands (so
/// that faults applied together shade once).
function faultSpans() {
  const spans = [];
  for (const row of T.data.fault_rows) {
    const bands = T.data.faults.filter((b) => b.row === row && b.end > b.start).sort((a, b) => a.start - b.start);
    let cur = null;
    for (const b of bands) {
      if (cur && b.start <= cur.end) {
        cur.end = Math.max(cur.end, b.end);
      } else {
        cur = { row: row, start: b.start, end: b.end };
        spans.push(cur);
      }
    }
  }
  return spans;
}

/// The role (and term) of a server lane at time t, from its sorted role changes.
function roleAt(lane, t) {
  const k = lastAtOrBefore(lane.roles, t, (r) => r[0]);
  return k < 0 ? null : lane.roles[k];
}

/// Whether t falls in one of the intervals.
function within(intervals, t) {
  return intervals.some((iv) => iv[0] <= t && t < iv[1]);
}

/// A polyline of a step series [t, value, ...] scaled into [y0, y0 + h].
function stepLine(series, max, y0, h) {
  const pts = [];
  let last = null;
  for (const p of series) {
    const x = Math.min(Math.max(X(p[0]), LEFT - 5), LEFT + T.width + 5).toFixed(1);
    const y = (y0 + h - (p[1] / max) * h).toFixed(1);
    if (last !== null) pts.push(x + "," + last);
    pts.push(x + "," + y);
    last = y;
  }
  if (last !== null) pts.push((LEFT + T.width + 5) + "," + last);
  return pts.join(" ");
}

/// One lane per server (role segments with terms, leader changes, down and frozen
/// intervals, applied index) and a row for the cluster's commit index.
function buildRaft() {
  const raft = T.data.raft;
  const s = section("raft");
  if (!raft) return { g: s.g, height: () => 0 };
  const maxIndex = Math.max(1, ...raft.commits.map((c) => c[1]),
    ...raft.servers.map((l) => Math.max(0, ...l.applied.map((a) => a[1]))));
  const end = T.data.end_ns;
  const applied = [];
  raft.servers.forEach(function (lane, k) {
    const y = k * RAFT_H;
    gutterLabel("server " + lane.id, y + 15, s.g, "raft-label");
    const g = el("g", { class: "raft-lane", "data-node": lane.id }, s.body);
    bar(el("rect", { class: "lane-bg", y: y + 2, height: RAFT_H - 4, "data-node": lane.id }, g), 0, end);
    lane.roles.forEach(function (r, j) {
      const until = j + 1 < lane.roles.length ? lane.roles[j + 1][0] : end;
      const seg = el("rect", {
        class: "role role-" + ROLES[r[2]],
        y: y + 3,
        height: RAFT_H - 6,
        "data-node": lane.id,
      }, g);
      bar(seg, r[0], until);
      if (r[2] === 3) {
        bar(el("rect", { class: "leader-mark", y: y + 1, height: RAFT_H - 2, "data-node": lane.id }, g), r[0], r[0], 2);
      }
      const label = text("t" + r[1], { y: y + 15, class: "term" }, g);
      T.renderers.push(function () {
        const w = X(until) - X(r[0]);
        label.setAttribute("x", (Math.max(X(r[0]), LEFT) + 3).toFixed(1));
        label.style.display = w > 28 && X(until) > LEFT + 20 ? "" : "none";
      });
    });
    for (const iv of lane.down) bar(el("rect", { class: "down", y: y + 2, height: RAFT_H - 4, "data-node": lane.id }, g), iv[0], iv[1]);
    for (const iv of lane.paused) bar(el("rect", { class: "paused", y: y + 2, height: RAFT_H - 4, "data-node": lane.id }, g), iv[0], iv[1]);
    applied.push({ line: el("polyline", { class: "applied" }, g), lane: lane, y: y });
  });
  const cy = raft.servers.length * RAFT_H;
  gutterLabel("commit index", cy + 15, s.g, "raft-label");
  bar(el("rect", { class: "lane-bg commit-bg", y: cy + 2, height: RAFT_H - 4, "data-commit": 1 }, s.body), 0, end);
  const commit = el("polyline", { class: "commit" }, s.body);
  T.renderers.push(function () {
    for (const a of applied) a.line.setAttribute("points", stepLine(a.lane.applied, maxIndex, a.y + 4, RAFT_H - 8));
    commit.setAttribute("points", stepLine(raft.commits, maxIndex, cy + 4, RAFT_H - 8));
  });
  s.g.addEventListener("mousemove", function (e) {
    const node = e.target.getAttribute("data-node");
    const t = timeAt(mouseX(e));
    if (node) {
      const lane = raft.servers.find((l) => String(l.id) === node);
      const r = roleAt(lane, t);
      const k = lastAtOrBefore(lane.applied, t, (a) => a[0]);
      const state = within(lane.down, t) ? "down" : within(lane.paused, t) ? "paused" : r ? ROLES[r[2]] : "follower";
      showTip(e, [
        "server " + lane.id + " at " + fmtTime(t),
        state + (r ? ", term " + r[1] + " (since " + fmtTime(r[0]) + ")" : ", term 0"),
        "applied index " + (k < 0 ? 0 : lane.applied[k][1]),
      ]);
    } else if (e.target.getAttribute("data-commit")) {
      const k = lastAtOrBefore(raft.commits, t, (c) => c[0]);
      showTip(e, ["commit index at " + fmtTime(t), k < 0 ? "0" : raft.commits[k][1] + " (advanced by leader " + raft.commits[k][2] + ")"]);
    }
  });
  return { g: s.g, height: () => (raft.servers.length + 1) * RAFT_H + 6 };
}

/// The ids of ops that cannot be placed (the blocked op) and that were tried.
function stuckOps() {
  const blocked = new Set();
  const tried = new Set();
  for (const p of T.data.partitions) {
    if (p.blocked !== null) blocked.add(p.blocked);
    for (const c of p.candidates) tried.add(c);
  }
  return { blocked: blocked, tried: tried };
}

/// One bar per op, from call to return (unknown outcomes run to the end), with a
/// point where it was linearized; lanes by process or by key.
function buildOps() {
  const s = section("ops");
  const labels = el("g", { class: "lane-labels" }, s.g);
  const shade = el("g", { class: "shading" }, s.body);
  const bars = el("g", { class: "bars" }, s.body);
  const points = el("g", { class: "points" }, s.body);
  const names = el("g", { class: "op-names" }, s.body);
  const stuck = stuckOps();
  const rects = [];
  const tails = [];
  const tailGroup = el("g", { class: "tails" }, bars);
  T.data.ops.forEach(function (o, i) {
    let cls = "op " + OUTCOMES[o[2]];
    if (stuck.blocked.has(i)) cls += " unplaceable";
    else if (stuck.tried.has(i)) cls += " candidate";
    if (o[6] >= 0) cls += " linearized";
    if (o[2] === 2 && o[1] < T.data.end_ns) {
      // It may still take effect any time later: a thin tail to the end.
      tails.push({ el: bar(el("rect", { class: "info-tail", height: 2, "data-op": i }, tailGroup), o[1], T.data.end_ns), op: i });
    }
    const r = el("rect", { class: cls, height: ROW_H - 4, "data-op": i }, bars);
    bar(r, o[0], o[1], 2);
    rects.push(r);
  });
  const dots = [];
  T.data.partitions.forEach(function (p) {
    p.order.forEach(function (i, k) {
      const d = el("rect", { class: "lin-point", width: 3, height: ROW_H - 6, "data-op": i }, points);
      point(d, p.points[k], 3);
      dots.push({ el: d, op: i });
    });
  });
  const shades = shadeFaults(shade, 0);
  let lanes = 0;
  function arrange() {
    const grouping = T.laneMode === "key" && T.data.key_lanes ? T.data.key_lanes : T.data.client_lanes;
    lanes = grouping.labels.length;
    labels.textContent = "";
    grouping.labels.forEach(function (l, k) {
      if (l) gutterLabel(l, k * ROW_H + 10, labels, "lane-label");
    });
    rects.forEach(function (r, i) {
      r.setAttribute("y", grouping.row[i] * ROW_H + 2);
    });
    for (const d of dots) d.el.setAttribute("y", grouping.row[d.op] * ROW_H + 3);
    for (const t of tails) t.el.setAttribute("y", grouping.row[t.op] * ROW_H + ROW_H - 5);
    for (const sh of shades) sh.setAttribute("height", lanes * ROW_H);
    T.opRow = grouping.row;
  }
  arrange();
  // Names on bars wide enough to hold them.
  const pool = [];
  T.renderers.push(function () {
    let used = 0;
    for (let i = 0; i < T.data.ops.length && used < 400; i++) {
      const o = T.data.ops[i];
      const x0 = Math.max(X(o[0]), LEFT);
      const w = Math.min(X(o[1]), LEFT + T.width) - x0;
      if (w < 40) continue;
      if (used === pool.length) pool.push(text("", { class: "op-name" }, names));
      const t = pool[used++];
      const fits = Math.floor((w - 6) / 5.6);
      t.textContent = o[3].length <= fits ? o[3] : o[3].slice(0, Math.max(1, fits - 1)) + "…";
      t.setAttribute("x", (x0 + 3).toFixed(1));
      t.setAttribute("y", T.opRow[i] * ROW_H + 10);
      t.style.display = "";
    }
    for (let k = used; k < pool.length; k++) pool[k].style.display = "none";
  });
  opEvents(s.g);
  return { g: s.g, height: () => lanes * ROW_H + 6, arrange: arrange };
}

/// Hovering an op's element (data-op) in g shows its details; clicking selects its step.
function opEvents(g) {
  g.addEventListener("mousemove", function (e) {
    const i = e.target.getAttribute("data-op");
    if (i !== null) showTip(e, opDetails(Number(i)));
    else hideTip();
  });
  g.addEventListener("click", function (e) {
    const i = e.target.getAttribute("data-op");
    if (i !== null && !T.dragged) selectOp(Number(i));
  });
}

/// The tooltip lines of op i.
function opDetails(i) {
  const o = T.data.ops[i];
  const lines = ["op " + i + ", process " + o[4] + ": " + o[3]];
  if (o[2] === 2) {
    lines.push("call " + fmtTime(o[0]) + ", no return: its client went on at " + fmtTime(o[1]));
    lines.push("outcome info: unknown, it may take effect any time after its call, or never");
  } else {
    lines.push("call " + fmtTime(o[0]) + ", return " + fmtTime(o[1]) + ", latency " + fmtDur(o[1] - o[0]));
    lines.push("outcome " + OUTCOMES[o[2]]);
  }
  if (o[5] >= 0) {
    const p = T.data.partitions[o[5]];
    const where = p.key === null ? "" : "key " + p.key + ", ";
    if (o[6] >= 0) {
      lines.push(where + "linearized at step " + (o[6] + 1) + " of " + p.order.length + ", at " + fmtTime(p.points[o[6]]));
      lines.push("state after: " + p.states[o[6]]);
    } else if (p.blocked === i) {
      lines.push(where + "CANNOT BE PLACED after the " + p.order.length + "-step prefix (state " + lastState(p) + ")");
    } else {
      lines.push(where + "tried after the prefix, cannot go next");
    }
  } else if (o[2] === 1) {
    lines.push("failed: it did not happen, so it is not checked");
  }
  return lines;
}

/// The state after a partition's last step.
function lastState(p) {
  return p.states.length ? p.states[p.states.length - 1] : p.init;
}
