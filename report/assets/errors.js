// Records every script error and console.error into <pre id="console-errors">, so a
// test reading the rendered DOM (chromium --dump-dom) sees them. Runs first.
(function () {
  "use strict";
  var errors = [];
  function record(message) {
    errors.push(String(message));
    var el = document.getElementById("console-errors");
    if (el) {
      el.textContent = errors.join("\n");
      el.hidden = false;
    }
  }
  window.addEventListener("error", function (e) {
    record("error: " + e.message + (e.lineno ? " (line " + e.lineno + ")" : ""));
  });
  window.addEventListener("unhandledrejection", function (e) {
    record("unhandled rejection: " + e.reason);
  });
  var original = console.error;
  console.error = function () {
    record("console.error: " + Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
})();
