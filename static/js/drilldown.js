// Drill-down from a chart: a point whose customdata is a URL opens it (the customers behind
// the number). static/js/charts.js draws the charts and tells when each is ready.
document.addEventListener("chart:drawn", function (event) {
  var chart = event.target;
  chart.on("plotly_click", function (click) {
    var point = click.points && click.points[0];
    var target = point && point.customdata;
    if (Array.isArray(target)) { target = target[0]; }  // pie slices hand over an array
    if (typeof target === "string" && target.charAt(0) === "/") {
      window.location.href = target;
    }
  });
});
