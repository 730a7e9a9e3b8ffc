// Keeps the meeting view current: polls the meeting's state.json every few seconds and
// updates the tallies, the quorum and the member's own vote in place. Without JavaScript
// the page still works; it just needs a reload to show other people's votes.
(function () {
  "use strict";
  var board = document.getElementById("meeting-board");
  if (!board || !window.fetch) { return; }
  var url = board.getAttribute("data-state-url");
  var INTERVAL = 2500;
  var timer = null;

  function setText(el, text) {
    if (!el || text === undefined || text === null) { return; }
    if (el.textContent !== text) {
      el.textContent = text;
      el.classList.add("changed");
      window.setTimeout(function () { el.classList.remove("changed"); }, 1500);
    }
  }

  function setQuorum(box, textEl, quorum) {
    if (!box || !quorum) { return; }
    setText(textEl, quorum.text);
    box.classList.toggle("quorum-met", quorum.met);
    box.classList.toggle("quorum-missing", !quorum.met);
  }

  function applyItem(item) {
    var card = board.querySelector('[data-item="' + item.id + '"]');
    if (!card) { return; }
    Object.keys(item.tally).forEach(function (choice) {
      setText(card.querySelector('[data-tally="' + choice + '"]'), String(item.tally[choice]));
    });
    Object.keys(item.voters).forEach(function (choice) {
      setText(card.querySelector('[data-voters="' + choice + '"]'), item.voters[choice].join(", "));
    });
    setQuorum(card.querySelector('[data-field="quorum-box"]'), card.querySelector('[data-field="quorum"]'), item.quorum);
    setText(card.querySelector('[data-field="conflicts"]'), item.conflicts.join(", "));
    var wrap = card.querySelector('[data-field="conflicts-wrap"]');
    if (wrap) { wrap.classList.toggle("hidden", item.conflicts.length === 0); }
    setText(card.querySelector('[data-field="proposed"]'), item.proposed_text);
    setText(card.querySelector('[data-field="resolution"]'), item.resolution_text);
    setText(card.querySelector('[data-field="my-vote"]'), item.my_vote_text);
    card.classList.toggle("decided", item.decided);
    var form = card.querySelector('[data-field="vote-form"]');
    if (form && item.decided) { form.classList.add("hidden"); }
  }

  function apply(state) {
    var quorum = board.querySelector('[data-live="quorum"]');
    setQuorum(quorum, quorum, state.quorum);
    setText(board.querySelector('[data-live="status"]'), state.status_label);
    state.items.forEach(applyItem);
    if (state.status !== board.getAttribute("data-status")) {
      // Opened, closed or reopened elsewhere: the forms on this page are out of date.
      board.setAttribute("data-status", state.status);
      var note = board.querySelector('[data-live="updated"]');
      if (note) { note.removeAttribute("aria-hidden"); }
    }
  }

  function poll() {
    if (document.hidden) { schedule(); return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) { if (state) { apply(state); } })
      .catch(function () { /* offline for a moment: try again at the next tick */ })
      .then(schedule);
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(poll, INTERVAL);
  }

  schedule();
})();
