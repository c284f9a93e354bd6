// The segment rule editor (marketing/forms/segment_editor.py), in a file because the
// Content-Security-Policy runs no inline script:
// - every edit inside the editor (a value typed, a box ticked, an option chosen) fires
//   "rule-edited" on the body, which the rule in words and the live preview listen to
//   (debounced by their hx-trigger; the editor's own re-renders send it as a header);
// - each preview request carries a version that only grows, so that the server cancels the
//   count still running for an older one (hx-sync="this:replace" aborts it in the browser);
// - Enter in one of the editor's inputs does not submit (save) the form.
(function () {
  "use strict";
  var version = 0;

  document.addEventListener("htmx:configRequest", function (event) {
    if (event.target && event.target.id === "segment-preview") {
      version += 1;
      event.detail.parameters["preview_version"] = String(version);
    }
  });

  function edited(event) {
    var target = event.target;
    if (target && target.closest && target.closest("#segment-editor")) {
      document.body.dispatchEvent(new CustomEvent("rule-edited", { bubbles: true }));
    }
  }
  document.addEventListener("input", edited);
  document.addEventListener("change", edited);

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target && target.matches && target.matches("#segment-editor input")) {
      event.preventDefault();
      target.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
})();
