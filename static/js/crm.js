// Behaviour every page shares, in a file because the Content-Security-Policy runs no inline
// script or on… attribute:
// - the language select switches the language as soon as one is chosen;
// - a panel marked data-swap-refusal takes a 403 answer in as it takes a 200 (htmx swaps
//   no 4xx by itself): the answer is the panel again, with the reason of the refusal.
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-submit-on-change]")) {
    event.target.form.submit();
  }
});

document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr.status === 403 && event.target.closest("[data-swap-refusal]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
