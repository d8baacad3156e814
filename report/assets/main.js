// Puts the page together: stacks the sections, sizes the SVG to the window, and
// wires zoom (wheel, buttons), pan (drag), lane grouping and keyboard stepping.
"use strict";

(function main() {
  T.width = Math.max(500, document.getElementById("chart").clientWidth - LEFT - RIGHT);
  svg.setAttribute("width", LEFT + T.width + RIGHT);
  const clip = svg.querySelector("#plot-clip rect");
  clip.setAttribute("x", LEFT);
  clip.setAttribute("width", T.width);

  // Latency and throughput need times: a history read in entry order has none.
  const plots = T.data.order_axis ? [] : [buildLatency(), buildThroughput()];
  const sections = [buildAxis(), buildFaults(), buildRaft(), buildOps(), ...plots];
  const ops = sections[3];
  // The step cursor and the violation mark are drawn over every section.
  svg.appendChild(svg.querySelector("#cursor-layer"));
  const cursor = el("line", { class: "step-cursor" }, svg.querySelector("#cursor-layer"));
  const v = T.data.violation;
  const broke = v ? el("line", { class: "violation-line", y1: 16 }, svg.querySelector("#cursor-layer")) : null;
  const brokeLabel = v ? text("✗ " + v.invariant, { y: 12, class: "violation-label", "data-violation": 1 }, svg) : null;
  if (v) {
    brokeLabel.addEventListener("mousemove", (e) => showTip(e, [
      "invariant " + v.invariant + " broke at " + fmtTime(v.at_ns) + (v.node ? " on server " + v.node : ""), v.facts]));
    brokeLabel.addEventListener("mouseleave", hideTip);
  }

  function layout() {
    let y = 0;
    for (const s of sections) {
      s.g.setAttribute("transform", "translate(0," + y + ")");
      s.top = y;
      y += s.height();
    }
    svg.setAttribute("height", y);
    cursor.setAttribute("y1", ops.top);
    cursor.setAttribute("y2", ops.top + ops.height());
    if (broke) broke.setAttribute("y2", y);
  }
  layout();
  T.renderers.push(function () {
    if (v) {
      const x = X(v.at_ns);
      const shown = x >= LEFT && x <= LEFT + T.width;
      broke.style.display = brokeLabel.style.display = shown ? "" : "none";
      broke.setAttribute("x1", x.toFixed(1));
      broke.setAttribute("x2", x.toFixed(1));
      brokeLabel.setAttribute("x", (x + 3).toFixed(1));
    }
  });
  T.renderers.push(function () {
    const show = T.cursor !== null && T.cursor !== undefined && T.cursor >= T.v0 && T.cursor <= T.v1;
    cursor.style.display = show ? "" : "none";
    if (show) {
      cursor.setAttribute("x1", X(T.cursor).toFixed(1));
      cursor.setAttribute("x2", X(T.cursor).toFixed(1));
    }
  });

  const mode = document.getElementById("lane-mode");
  mode.disabled = !T.data.key_lanes;
  mode.addEventListener("change", function () {
    T.laneMode = mode.value;
    ops.arrange();
    layout();
    render();
  });

  svg.addEventListener("wheel", function (e) {
    const px = mouseX(e);
    if (px < LEFT) return;
    e.preventDefault();
    zoom(Math.exp(e.deltaY * 0.002), timeAt(px));
  }, { passive: false });
  let drag = null;
  svg.addEventListener("pointerdown", function (e) {
    drag = { x: e.clientX, v0: T.v0, v1: T.v1 };
    T.dragged = false;
  });
  window.addEventListener("pointermove", function (e) {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    if (Math.abs(dx) > 3) T.dragged = true;
    if (T.dragged) {
      const dt = (dx / T.width) * (drag.v1 - drag.v0);
      setView(drag.v0 - dt, drag.v1 - dt);
    }
  });
  window.addEventListener("pointerup", function () {
    drag = null;
  });
  svg.addEventListener("dblclick", () => setView(0, T.data.end_ns));
  svg.addEventListener("mouseleave", hideTip);
  const mid = () => (T.v0 + T.v1) / 2;
  document.getElementById("zoom-in").addEventListener("click", () => zoom(0.5, mid()));
  document.getElementById("zoom-out").addEventListener("click", () => zoom(2, mid()));
  document.getElementById("zoom-reset").addEventListener("click", () => setView(0, T.data.end_ns));
  document.addEventListener("keydown", function (e) {
    if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
    if (e.key === "ArrowRight") showStep(T.partition, T.step + 1);
    else if (e.key === "ArrowLeft") showStep(T.partition, T.step - 1);
    else if (e.key === "+" || e.key === "=") zoom(0.5, mid());
    else if (e.key === "-") zoom(2, mid());
    else return;
    e.preventDefault();
  });

  const counts = [0, 0, 0];
  for (const o of T.data.ops) counts[o[2]]++;
  document.getElementById("counts").textContent =
    T.data.ops.length + " ops (" + counts[0] + " ok, " + counts[1] + " fail, " + counts[2] +
    " info) checked with model " + T.data.model + ": " + T.data.verdict;

  buildSteps();
  // Links may ask for a view: #by-key (client lanes by key), #failure (zoomed in on
  // the op that cannot be placed).
  if (location.hash.includes("by-key") && T.data.key_lanes) {
    mode.value = "key";
    mode.dispatchEvent(new Event("change"));
  }
  if (location.hash.includes("failure")) jumpToFailure();
  renderNow();
  document.body.dataset.rendered = "yes";
})();
