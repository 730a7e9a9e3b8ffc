// Keeps the meeting page's "budget frame left" table current. The tally's own poll
// (committee-live.js) rewrites each item's resolution text when a resolution is recorded; a
// change there means the frame changed, so the frame is read again (frame.json). A slow poll
// catches other meetings of the round. Without JavaScript the table shows the page's moment.
(function () {
  "use strict";
  var panel = document.getElementById("budget-frame");
  if (!panel || !window.fetch) { return; }
  var url = panel.getAttribute("data-frame-url");
  var pending = null;

  function setText(el, text) {
    if (el && text !== undefined && text !== null && el.textContent !== text) {
      el.textContent = text;
      el.classList.add("changed");
      window.setTimeout(function () { el.classList.remove("changed"); }, 1500);
    }
  }

  function apply(data) {
    data.years.forEach(function (year) {
      var row = panel.querySelector('[data-frame-year="' + year.year + '"]');
      if (!row) { return; }
      setText(row.querySelector('[data-frame-field="frame"]'), year.frame_text);
      setText(row.querySelector('[data-frame-field="committed"]'), year.committed_text);
      setText(row.querySelector('[data-frame-field="decided"]'), year.decided_text);
      setText(row.querySelector('[data-frame-field="left"]'), year.left_text);
      row.classList.toggle("over-frame", year.over);
    });
  }

  function refresh() {
    pending = null;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { apply(data); } })
      .catch(function () { /* the next change or poll tries again */ });
  }

  function soon() {
    if (!pending) { pending = window.setTimeout(refresh, 200); }
  }

  var board = document.getElementById("meeting-board");
  if (board && window.MutationObserver) {
    var observer = new MutationObserver(soon);
    board.querySelectorAll('[data-field="resolution"]').forEach(function (el) {
      observer.observe(el, { childList: true, characterData: true, subtree: true });
    });
  }
  window.setInterval(refresh, 30000);
})();
