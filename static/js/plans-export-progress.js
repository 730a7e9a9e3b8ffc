// The status page of a plan file made in the background: asks the server for the progress
// every 2 seconds and moves the bar; once the file is ready (or failed) reloads the page, which
// then offers the download (or says what went wrong). Without JavaScript the page has a link.
(function () {
  "use strict";
  var box = document.querySelector("[data-export-progress-url]");
  if (!box || box.getAttribute("data-export-finished") === "true") {
    return;
  }
  var url = box.getAttribute("data-export-progress-url");
  var bar = box.querySelector("progress");
  var label = box.querySelector("[data-export-label]");
  var percent = box.querySelector("[data-export-percent]");
  var INTERVAL_MS = 2000;

  function show(state) {
    if (bar) {
      bar.value = state.progress;
      bar.textContent = state.progress + "%";
    }
    if (label) {
      label.textContent = state.status_label;
    }
    if (percent) {
      percent.textContent = String(state.progress);
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (state.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, INTERVAL_MS);
        }
      })
      .catch(function () {
        // A passing network fault: try again at the next tick.
        window.setTimeout(poll, INTERVAL_MS);
      });
  }

  window.setTimeout(poll, INTERVAL_MS);
})();
