// casework console: optional enhancements only. Every page works without this file.
(function () {
  "use strict";
  // Rows marked data-href open on Enter, and j/k move between them.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT")) {
      return;
    }
    var rows = Array.prototype.slice.call(document.querySelectorAll("[data-row-link]"));
    if (!rows.length || (event.key !== "j" && event.key !== "k")) {
      return;
    }
    var index = rows.indexOf(document.activeElement);
    var next = event.key === "j" ? Math.min(index + 1, rows.length - 1) : Math.max(index - 1, 0);
    rows[next].focus();
    event.preventDefault();
  });
  // Destructive buttons ask first.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
})();
