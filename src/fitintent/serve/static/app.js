// Dashboard behaviour, loaded from /static so the Content-Security-Policy needs no inline script.
(function () {
  "use strict";

  // Charts: a Vega-Lite spec in data-spec, rendered with the expression interpreter (no eval).
  function renderCharts(root) {
    if (typeof vegaEmbed === "undefined" || typeof vegaExpressionInterpreter === "undefined") return;
    root.querySelectorAll("div.vl[data-spec]").forEach(function (el) {
      if (el.dataset.rendered) return;
      el.dataset.rendered = "1";
      var spec = JSON.parse(el.dataset.spec);
      vegaEmbed(el, spec, {
        ast: true,
        expr: vegaExpressionInterpreter,
        renderer: "canvas",
        actions: false,
        defaultStyle: false,
        tooltip: false
      }).then(function () { el.dataset.ready = "1"; })
        .catch(function (err) { el.dataset.error = String(err); el.textContent = "Chart unavailable."; });
    });
  }

  // A select marked autosubmit sends its form when it changes (the snapshot picker).
  function wireAutosubmit(root) {
    root.querySelectorAll("select.autosubmit").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    renderCharts(document);
    wireAutosubmit(document);
  });
  document.addEventListener("htmx:afterSwap", function (e) { renderCharts(e.target); });
})();
