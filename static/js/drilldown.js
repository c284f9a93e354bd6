// Drill-down from a chart: a point whose customdata is a URL opens it (the customers behind
// the number). static/js/charts.js draws the charts and tells when each is ready.
// With unified hover a click hands over the point of every trace at that x, the assets
// line's first: the one followed is the bar under the cursor, else a line point under it,
// else the first bar (or slice) with a link, else any point with one.
(function () {
  var NEAR = 8; // pixels between the cursor and a line's point that still hit it

  function link(point) {
    var target = point.customdata;
    if (Array.isArray(target)) { target = target[0]; } // pie slices hand over an array
    return typeof target === "string" && target.charAt(0) === "/" ? target : null;
  }

  // The cursor's height in pixels from the top of the point's value axis, or null.
  function cursorOn(chart, point, event) {
    var axis = point.yaxis;
    if (!axis || !event || typeof axis.c2p !== "function" || axis._offset === undefined) {
      return null;
    }
    return event.clientY - chart.getBoundingClientRect().top - axis._offset;
  }

  // The pixel span of each bar on its value axis: stacked bars start where the ones of
  // the traces before them end (plotly's "stack" adds them in trace order).
  function barSpans(chart, points) {
    var stack = chart._fullLayout && chart._fullLayout.barmode === "stack";
    var tops = {};
    return points.map(function (point) {
      if (!point.data || point.data.type !== "bar" || !point.yaxis) { return null; }
      var base = stack ? tops[point.yaxis._id] || 0 : 0;
      var top = base + (Number(point.y) || 0);
      tops[point.yaxis._id] = top;
      var a = point.yaxis.c2p(base);
      var b = point.yaxis.c2p(top);
      return [Math.min(a, b), Math.max(a, b)];
    });
  }

  function chosen(chart, click) {
    var points = (click.points || []).slice().sort(function (a, b) {
      return a.curveNumber - b.curveNumber;
    });
    var linked = points.filter(link);
    if (!linked.length) { return null; }
    var spans = barSpans(chart, points);
    var i;
    for (i = 0; i < points.length; i++) {
      var y = cursorOn(chart, points[i], click.event);
      if (spans[i] && y !== null && y >= spans[i][0] && y <= spans[i][1] && link(points[i])) {
        return points[i];
      }
    }
    for (i = 0; i < points.length; i++) {
      var at = cursorOn(chart, points[i], click.event);
      var line = points[i].data && points[i].data.type === "scatter";
      if (line && at !== null && link(points[i]) &&
          Math.abs(points[i].yaxis.c2p(points[i].y) - at) <= NEAR) {
        return points[i];
      }
    }
    return linked.find(function (point) {
      return point.data && point.data.type !== "scatter";
    }) || linked[0];
  }

  document.addEventListener("chart:drawn", function (event) {
    var chart = event.target;
    chart.on("plotly_click", function (click) {
      var point = chosen(chart, click);
      if (point) { window.location.href = link(point); }
    });
  });
})();
