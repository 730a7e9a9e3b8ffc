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

  // The agenda index: each item's decided mark, and the "next undecided item" link, which
  // points at the first item (in agenda order, the order of state.items) without a resolution.
  function applyIndex(items) {
    var next = board.querySelector('[data-live="next-undecided"]');
    if (!next) { return; }
    var first = null;
    items.forEach(function (item) {
      var mark = board.querySelector('[data-index-state="' + item.id + '"]');
      if (mark && item.decided && !mark.classList.contains("badge-decided")) {
        mark.classList.add("badge-decided");
        mark.textContent = mark.getAttribute("data-decided-label") || mark.textContent;
      }
      if (!first && !item.decided) { first = item; }
    });
    var done = board.querySelector('[data-live="all-decided"]');
    next.classList.toggle("hidden", !first);
    if (done) { done.hidden = Boolean(first); }
    if (first && next.getAttribute("href") !== "#item-" + first.id) {
      next.setAttribute("href", "#item-" + first.id);
      var label = next.querySelector('[data-field="next-label"]');
      var link = board.querySelector('[data-index-item="' + first.id + '"]');
      var number = link && link.parentNode.getAttribute("value");
      if (label && link) { setText(label, number + ". " + link.textContent.split(" ")[0]); }
    }
  }

  function apply(state) {
    var quorum = board.querySelector('[data-live="quorum"]');
    setQuorum(quorum, quorum, state.quorum);
    setText(board.querySelector('[data-live="status"]'), state.status_label);
    state.items.forEach(applyItem);
    applyIndex(state.items);
    if (state.status !== board.getAttribute("data-status")) {
      // Opened, closed or reopened elsewhere: the forms on this page are out of date.
      board.setAttribute("data-status", state.status);
      var note = board.querySelector('[data-live="updated"]');
      if (note) { note.removeAttribute("aria-hidden"); }
    }
  }

  // The ETag of the state last applied: sent back as If-None-Match, so that an unchanged
  // meeting answers 304 (no body) after one query on the server.
  var etag = null;

  function poll() {
    if (document.hidden) { schedule(); return; }
    var headers = { "Accept": "application/json" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(url, { credentials: "same-origin", headers: headers, cache: "no-store" })
      .then(function (response) {
        if (response.status !== 200) { return null; }  // 304: nothing changed
        etag = response.headers.get("ETag");
        return response.json();
      })
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
