// The roster import's progress bar: its width comes from data-progress (the CSP allows no style="").
(function () {
  "use strict";

  function size(root) {
    root.querySelectorAll(".progress-bar[data-progress]").forEach(function (bar) {
      bar.style.width = bar.getAttribute("data-progress") + "%";
    });
  }

  size(document);
  // htmx swaps in a fresh progress part every second while the import runs.
  document.body.addEventListener("htmx:afterSwap", function () {
    size(document);
  });
})();
