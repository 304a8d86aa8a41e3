// The site's one script file (no inline scripts: the pages run under a Content-Security-Policy).
// - draws the Plotly figures that vpp/charts.py embeds as <div class="vpp-chart" data-figure>;
// - asks before a button with data-confirm="..." submits its form.
(function () {
  "use strict";
  function drawCharts() {
    if (!window.Plotly) { return; }
    document.querySelectorAll("div.vpp-chart[data-figure]").forEach(function (el) {
      var fig = JSON.parse(el.getAttribute("data-figure"));
      var config = JSON.parse(el.getAttribute("data-config") || "{}");
      window.Plotly.newPlot(el, fig.data || [], fig.layout || {}, config);
    });
  }
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (target && !window.confirm(target.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawCharts);
  } else {
    drawCharts();
  }
})();
