// Draws every chart of the page: crm/charts.py figure_html writes a placeholder and
// the figure as a JSON data block (never run, so the Content-Security-Policy allows it).
// Charts in panels that htmx swaps in are drawn as they arrive (htmx:load). Each drawn
// chart announces itself with a "chart:drawn" event, which static/js/drilldown.js hears.
(function () {
  function draw(root) {
    var charts = Array.from(root.querySelectorAll(".chart"));
    if (root.matches && root.matches(".chart")) { charts.unshift(root); }
    charts.forEach(function (chart) {
      var block = chart.querySelector('script[type="application/json"]');
      var target = chart.querySelector(".plotly-graph-div");
      if (!block || !target || chart.dataset.drawn) { return; }
      chart.dataset.drawn = "true";
      var figure = JSON.parse(block.textContent);
      Plotly.newPlot(target, figure.data, figure.layout, figure.config).then(function (graph) {
        graph.dispatchEvent(new CustomEvent("chart:drawn", { bubbles: true }));
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function (event) { draw(event.target); });
})();
