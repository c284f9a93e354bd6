// The customer 360 page's panel index (templates/customers/detail.html): marks the link of
// the panel the reader is in (aria-current), the last panel whose top has passed just below
// the sticky index. The links work without it; this only highlights.
(function () {
  "use strict";

  function start() {
    var index = document.getElementById("panel-index");
    if (!index) {
      return;
    }
    var links = Array.prototype.slice.call(index.querySelectorAll('a[href^="#"]'));
    var ticking = false;

    function panelOf(link) {
      // Looked up each time: htmx swaps some panels for new elements with the same id.
      return document.getElementById(link.getAttribute("href").slice(1));
    }

    function mark() {
      ticking = false;
      var indexBottom = index.getBoundingClientRect().bottom;
      var current = null;
      links.forEach(function (link) {
        var panel = panelOf(link);
        if (!panel) {
          return;
        }
        // A jump to a panel leaves its top scroll-margin-top below the window's (c360.css).
        var margin = parseFloat(window.getComputedStyle(panel).scrollMarginTop) || 0;
        if (panel.getBoundingClientRect().top <= Math.max(indexBottom, margin) + 8) {
          current = link;
        }
      });
      var atBottom = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2;
      if (atBottom && links.length) {
        current = links[links.length - 1];
      }
      links.forEach(function (link) {
        if (link === current) {
          link.setAttribute("aria-current", "true");
        } else {
          link.removeAttribute("aria-current");
        }
      });
    }

    window.addEventListener(
      "scroll",
      function () {
        if (!ticking) {
          ticking = true;
          window.requestAnimationFrame(mark);
        }
      },
      { passive: true }
    );
    window.addEventListener("resize", mark);
    mark();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
