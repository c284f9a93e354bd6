// Drill-down from a chart: a point whose customdata is a URL opens it (the customers behind
// the number). Plotly is served locally; this file is the project's own.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".plotly-graph-div").forEach(function (chart) {
    if (!chart.on) { return; }
    chart.on("plotly_click", function (event) {
      var point = event.points && event.points[0];
      if (point && typeof point.customdata === "string" && point.customdata.charAt(0) === "/") {
        window.location.href = point.customdata;
      }
    });
  });
});
