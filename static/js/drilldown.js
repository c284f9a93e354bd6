// Drill-down from a chart: a point whose customdata is a URL opens it (the customers behind
// the number). Plotly is served locally; this file is the project's own.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".plotly-graph-div").forEach(function (chart) {
    if (!chart.on) { return; }
    chart.on("plotly_click", function (event) {
      var point = event.points && event.points[0];
      var target = point && point.customdata;
      if (Array.isArray(target)) { target = target[0]; }  // pie slices hand over an array
      if (typeof target === "string" && target.charAt(0) === "/") {
        window.location.href = target;
      }
    });
  });
});
