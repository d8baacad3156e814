// Stepping through a partition's linearization (or, for an illegal partition, its
// longest linearizable prefix and the op that cannot be placed next), with the model
// state after each step, as porcupine's visualizer does.
"use strict";

const stepUi = {
  select: document.getElementById("partition"),
  range: document.getElementById("step-range"),
  label: document.getElementById("step-label"),
  summary: document.getElementById("partition-summary"),
  rows: document.querySelector("#steps tbody"),
  jump: document.getElementById("jump-failure"),
};
T.partition = 0;
T.step = 0;

/// The name of partition p.
function partitionName(p) {
  return (p.key === null ? "whole history" : "key " + p.key) + " (" + p.verdict + ")";
}

/// The first illegal partition's index, or -1.
function illegalPartition() {
  return T.data.partitions.findIndex((p) => p.verdict === "illegal");
}

/// A row of the steps table.
function stepRow(cells, cls) {
  const tr = document.createElement("tr");
  if (cls) tr.className = cls;
  for (const c of cells) {
    const td = document.createElement("td");
    td.textContent = c;
    tr.appendChild(td);
  }
  stepUi.rows.appendChild(tr);
  return tr;
}

/// Shows step k (0: the initial state) of partition pi, marking it on the timeline.
function showStep(pi, k) {
  const p = T.data.partitions[pi];
  if (!p) return;
  T.partition = pi;
  T.step = Math.max(0, Math.min(k, p.order.length));
  stepUi.select.value = String(pi);
  stepUi.range.max = String(p.order.length);
  stepUi.range.value = String(T.step);
  stepUi.label.textContent = "step " + T.step + " of " + p.order.length;
  const why = p.gave_up ? " The checker gave up (" + p.gave_up + "): no order to show." : "";
  stepUi.summary.textContent = p.verdict === "illegal"
    ? "Not linearizable: the longest linearizable prefix has " + p.order.length + " ops; op " + p.blocked + " (" + T.data.ops[p.blocked][3] + ") cannot be placed next, nor can any op tried in its place."
    : p.verdict === "ok"
      ? "Linearizable: " + p.order.length + " ops in linearization order."
      : "Unknown." + why;
  stepUi.rows.textContent = "";
  const from = Math.max(0, T.step - 7);
  const to = Math.min(p.order.length, T.step + 7);
  if (from === 0) stepRow(["0", "(initial state)", "", p.init], T.step === 0 ? "current" : "");
  for (let s = Math.max(1, from); s <= to; s++) {
    const i = p.order[s - 1];
    const o = T.data.ops[i];
    const tr = stepRow([String(s), o[3], "process " + o[4], p.states[s - 1]], s === T.step ? "current" : "");
    tr.dataset.op = i;
  }
  if (p.verdict === "illegal" && to === p.order.length) {
    const tried = p.candidates.filter((c) => c !== p.blocked).map((c) => T.data.ops[c][3]);
    stepRow(["✗", "cannot place next: " + T.data.ops[p.blocked][3], "process " + T.data.ops[p.blocked][4],
      tried.length ? "also tried: " + tried.join("; ") : "nothing else could go next"], "stuck");
  }
  markStep();
}

/// Marks the current step's op and its point on the timeline.
function markStep() {
  for (const e of svg.querySelectorAll(".current")) e.classList.remove("current");
  for (const e of svg.querySelectorAll(".lin-point.done")) e.classList.remove("done");
  const p = T.data.partitions[T.partition];
  if (!p) return;
  const done = new Set(p.order.slice(0, T.step));
  for (const d of svg.querySelectorAll(".lin-point")) {
    if (done.has(Number(d.getAttribute("data-op")))) d.classList.add("done");
  }
  if (T.step > 0) {
    const i = p.order[T.step - 1];
    for (const e of svg.querySelectorAll('[data-op="' + i + '"]')) e.classList.add("current");
    T.cursor = p.points[T.step - 1];
  } else {
    T.cursor = null;
  }
  render();
}

/// Selects op i: its partition, at the step that linearized it (or the end of the prefix).
function selectOp(i) {
  const o = T.data.ops[i];
  if (o[5] < 0) return;
  const p = T.data.partitions[o[5]];
  showStep(o[5], o[6] >= 0 ? o[6] + 1 : p.order.length);
}

/// Zooms to the failure: the last steps of the prefix and the op that cannot be
/// placed, or else the moment an invariant broke.
function jumpToFailure() {
  const pi = illegalPartition();
  const v = T.data.violation;
  if (pi < 0 && v) {
    const pad = Math.max(5e6, T.data.end_ns / 40);
    setView(v.at_ns - pad, v.at_ns + pad / 4);
    return;
  }
  if (pi < 0) return;
  const p = T.data.partitions[pi];
  const stuck = p.candidates.concat([p.blocked]);
  let t0 = Math.min(...stuck.map((i) => T.data.ops[i][0]));
  const t1 = T.data.ops[p.blocked][1];
  if (p.points.length) t0 = Math.min(t0, p.points[Math.max(0, p.points.length - 3)]);
  const pad = Math.max(1e6, (t1 - t0) * 0.15);
  showStep(pi, p.order.length);
  setView(t0 - pad, t1 + pad);
  const target = svg.querySelector('rect.op[data-op="' + p.blocked + '"]');
  const r = target ? target.getBoundingClientRect() : null;
  if (r && (r.top < 0 || r.bottom > window.innerHeight)) target.scrollIntoView({ block: "center", inline: "nearest" });
}

/// Wires the step controls and shows the first illegal partition's failure (or the
/// first partition's initial state).
function buildSteps() {
  T.data.partitions.forEach(function (p, i) {
    const opt = document.createElement("option");
    opt.value = String(i);
    opt.textContent = partitionName(p);
    stepUi.select.appendChild(opt);
  });
  stepUi.select.addEventListener("change", () => showStep(Number(stepUi.select.value), 0));
  stepUi.range.addEventListener("input", () => showStep(T.partition, Number(stepUi.range.value)));
  document.getElementById("step-first").addEventListener("click", () => showStep(T.partition, 0));
  document.getElementById("step-prev").addEventListener("click", () => showStep(T.partition, T.step - 1));
  document.getElementById("step-next").addEventListener("click", () => showStep(T.partition, T.step + 1));
  document.getElementById("step-last").addEventListener("click", () => showStep(T.partition, Infinity));
  stepUi.rows.addEventListener("click", function (e) {
    const tr = e.target.closest("tr");
    if (tr && tr.dataset.op !== undefined) selectOp(Number(tr.dataset.op));
  });
  const pi = illegalPartition();
  stepUi.jump.hidden = pi < 0 && !T.data.violation;
  stepUi.jump.addEventListener("click", jumpToFailure);
  if (!T.data.partitions.length) {
    document.getElementById("linearization").hidden = true;
    return;
  }
  if (pi >= 0) showStep(pi, T.data.partitions[pi].order.length);
  else showStep(0, 0);
}
