// fgkit workshop page: keyboard shortcuts. Served from this server only (the CSP allows no other).
(function () {
  "use strict";
  function act(selector, how) {
    var el = document.querySelector(selector);
    if (!el) { return false; }
    if (how === "focus") { el.focus(); } else { el.click(); }
    return true;
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var target = e.target;
    if (target && target.closest && target.closest("input, textarea, select, [contenteditable]")) {
      if (e.key === "Escape") { target.blur(); }
      return;
    }
    var done = false;
    switch (e.key) {
      case "a": done = act('button[data-key="accept"]'); break;
      case "r": done = act('button[data-key="reject"]'); break;
      case "n": done = act('a[data-key="next"]'); break;
      case "p": done = act('a[data-key="prev"]'); break;
      case "c": done = act("#add-code", "focus"); break;
      case "m": done = act("#memo", "focus"); break;
      default: return;
    }
    if (done) { e.preventDefault(); }
  });
  // A quote's link lands on its turn: move keyboard focus there too.
  function focusTarget() {
    if (location.hash.indexOf("#turn-") === 0) {
      var turn = document.getElementById(location.hash.slice(1));
      if (turn) { turn.focus(); }
    }
  }
  window.addEventListener("hashchange", focusTarget);
  document.addEventListener("DOMContentLoaded", focusTarget);
})();
