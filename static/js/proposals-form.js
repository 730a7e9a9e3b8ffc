/* Proposal form conveniences. The page works without this file: the server recomputes all. */
(function () {
  "use strict";

  var THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙";

  // The server refuses 10,000,000,000,000 baht and more (core.money.MAX_DIGITS): in satang.
  var LIMIT_CENTS = 1000000000000000n;

  function toCents(raw) {
    // "1,234,567.50" or Thai digits → integer satang; null when blank, NaN when the server
    // would refuse it (letters, a sign, more than 2 decimals, too large): such a cell counts
    // for nothing in the totals.
    var text = String(raw || "").trim();
    text = text.replace(/[๐-๙]/g, function (d) { return String(THAI_DIGITS.indexOf(d)); });
    text = text.replace(/[, ]/g, "");
    if (text === "") { return null; }
    if (!/^\+?(?=\.?\d)\d*(\.\d{0,2})?$/.test(text)) { return NaN; }
    var parts = text.replace("+", "").split(".");
    var frac = (parts[1] || "").padEnd(2, "0");
    var cents = BigInt(parts[0] || "0") * 100n + BigInt(frac);
    return cents >= LIMIT_CENTS ? NaN : cents;
  }

  function group(intString) {
    return intString.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function formatBaht(cents) {
    var whole = cents / 100n;
    var satang = (cents % 100n).toString().padStart(2, "0");
    return group(whole.toString()) + "." + satang;
  }

  function formatMillion(cents) {
    // baht / 1,000,000 with 4 decimals, rounded half up: cents / 10^4 → units of 0.0001 million.
    var units = (cents + 5000n) / 10000n;
    var whole = units / 10000n;
    var frac = (units % 10000n).toString().padStart(4, "0");
    return group(whole.toString()) + "." + frac;
  }

  function setupBudget(form) {
    var grid = form.querySelector("#budget-grid");
    if (!grid || typeof BigInt === "undefined") { return; }
    var roundYear = form.getAttribute("data-round-year");
    var rows = Array.prototype.slice.call(grid.querySelectorAll("tbody tr.budget-row"));
    var duration = form.querySelector("[name='general-duration_years']");

    var excluded = form.querySelector("#budget-excluded");

    function mark(input, bad) {
      // Marked in red and for screen readers; a cell the server refused stays marked.
      input.classList.toggle("amount-invalid", bad);
      if (bad) {
        input.setAttribute("aria-invalid", "true");
        if (excluded) { input.setAttribute("aria-describedby", "budget-excluded"); }
      } else if (!input.parentNode.querySelector(".errorlist")) {
        input.removeAttribute("aria-invalid");
      }
    }

    function recompute() {
      var columns = [0n, 0n, 0n, 0n, 0n];
      var grand = 0n;
      var roundTotal = 0n;
      var refused = 0;
      rows.forEach(function (row) {
        var inputs = row.querySelectorAll("input.amount");
        var rowTotal = 0n;
        Array.prototype.forEach.call(inputs, function (input, i) {
          if (input.disabled) { return; }
          var cents = toCents(input.value);
          var bad = typeof cents === "number" && isNaN(cents);
          mark(input, bad);
          if (bad) { refused += 1; }
          if (cents === null || bad) { return; }
          rowTotal += cents;
          columns[i] += cents;
        });
        row.querySelector(".row-total").textContent = formatBaht(rowTotal);
        grand += rowTotal;
        if (row.getAttribute("data-year") === roundYear) { roundTotal = rowTotal; }
      });
      columns.forEach(function (total, i) {
        var cell = grid.querySelector("[data-column-total='" + i + "']");
        if (cell) { cell.textContent = formatBaht(total); }
      });
      grid.querySelector("#grand-total").textContent = formatBaht(grand);
      if (excluded) { excluded.classList.toggle("hidden", refused === 0); }
      var set = function (id, text) { var el = document.getElementById(id); if (el) { el.textContent = text; } };
      set("grand-total-baht", formatBaht(grand));
      set("grand-total-mbaht", formatMillion(grand));
      set("round-total-baht", formatBaht(roundTotal));
      set("round-total-mbaht", formatMillion(roundTotal));
    }

    function applyDuration() {
      if (!duration) { return; }
      var checked = duration.tagName === "SELECT" ? duration : form.querySelector("[name='general-duration_years']:checked");
      var years = parseInt(checked ? checked.value : "1", 10) || 1;
      rows.forEach(function (row) {
        var index = parseInt(row.getAttribute("data-year-index"), 10);
        var inside = index < years;
        var inputs = row.querySelectorAll("input.amount");
        var hasValue = Array.prototype.some.call(inputs, function (i) { return i.value.trim() !== ""; });
        var show = inside || hasValue;
        row.classList.toggle("hidden", !show);
        row.classList.toggle("outside-duration", !inside);
        Array.prototype.forEach.call(inputs, function (i) { i.disabled = !show; });
      });
      recompute();
    }

    grid.addEventListener("input", recompute);
    if (duration) { duration.addEventListener("change", applyDuration); }
    applyDuration();
  }

  function setupKpis(form) {
    var add = form.querySelector("#kpi-add");
    var body = form.querySelector("#kpi-rows");
    var template = document.getElementById("kpi-empty-row");
    var total = form.querySelector("[name='kpi-TOTAL_FORMS']");
    if (!add || !body || !template || !total) { return; }
    add.classList.remove("hidden");
    add.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      body.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var first = body.lastElementChild.querySelector("input[type=text]");
      if (first) { first.focus(); }
    });
    body.addEventListener("change", function (event) {
      var box = event.target;
      if (box.type === "checkbox" && box.name.slice(-7) === "-DELETE") {
        box.closest("tr").classList.toggle("row-removed", box.checked);
      }
    });
  }

  function setupSubmitOnce(form) {
    // A double click must send one request: remember which button, then disable them all.
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sending") === "1") { event.preventDefault(); return; }
      form.setAttribute("data-sending", "1");
      var button = event.submitter;
      if (button && button.name) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = button.name;
        hidden.value = button.value;
        form.appendChild(hidden);
      }
      window.setTimeout(function () {
        Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) { b.disabled = true; });
      }, 0);
    });
  }

  function setupSteps(form) {
    // One section at a time, with the section list as a progress indicator. Without this
    // script every section shows on one page; either way one form is posted with every section.
    var nav = document.getElementById("form-steps");
    var status = document.getElementById("step-status");
    var steps = Array.prototype.slice.call(form.querySelectorAll("fieldset.form-step"));
    if (!nav || !steps.length) { return; }
    var links = Array.prototype.slice.call(nav.querySelectorAll("a[href^='#section-']"));
    var visited = {};
    var current = -1;

    function hasErrors(step) {
      return !!step.querySelector(".errorlist, .has-error, .amount-invalid");
    }

    function indexOf(element) {
      for (var i = 0; i < steps.length; i += 1) {
        if (steps[i] === element || steps[i].contains(element)) { return i; }
      }
      return -1;
    }

    function show(index, focus) {
      if (index < 0 || index >= steps.length) { return; }
      if (current >= 0) { visited[current] = true; }
      current = index;
      steps.forEach(function (step, i) { step.classList.toggle("step-hidden", i !== index); });
      links.forEach(function (link, i) {
        var item = link.parentNode;
        if (i === index) { link.setAttribute("aria-current", "step"); } else { link.removeAttribute("aria-current"); }
        item.classList.toggle("step-current", i === index);
        item.classList.toggle("step-visited", !!visited[i] && i !== index);
        item.classList.toggle("step-error", hasErrors(steps[i]));
      });
      if (status) {
        status.textContent = status.getAttribute("data-template")
          .replace("{n}", String(index + 1)).replace("{total}", String(steps.length));
      }
      steps.forEach(function (step, i) {
        var previous = step.querySelector(".step-previous");
        var next = step.querySelector(".step-next");
        if (previous) { previous.classList.toggle("hidden", i === 0); }
        if (next) { next.classList.toggle("hidden", i === steps.length - 1); }
      });
      if (focus) {
        // The address names the step (a save comes back to it); the progress list comes into
        // view with the step under it; the focus goes to the step.
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", "#" + steps[index].id);
        }
        steps[index].setAttribute("tabindex", "-1");
        steps[index].focus({ preventScroll: true });
        nav.scrollIntoView({ block: "start" });
      }
    }

    function showTarget(id, focus) {
      var target = id ? document.getElementById(id) : null;
      var index = target ? indexOf(target) : -1;
      if (index < 0) { return false; }
      show(index, false);
      if (focus) {
        target.scrollIntoView({ block: "center" });
        if (target.focus) { target.focus({ preventScroll: true }); }
      }
      return true;
    }

    steps.forEach(function (step, i) {
      var actions = step.querySelector(".actions");
      if (!actions) { return; }
      var previous = document.createElement("button");
      previous.type = "button";
      previous.className = "button step-previous";
      previous.textContent = form.getAttribute("data-previous-label");
      previous.addEventListener("click", function () { show(i - 1, true); });
      var next = document.createElement("button");
      next.type = "button";
      next.className = "button primary step-next";
      next.textContent = form.getAttribute("data-next-label");
      next.addEventListener("click", function () { show(i + 1, true); });
      actions.insertBefore(previous, actions.firstChild);
      actions.appendChild(next);
    });

    // Links to a section or a field (the section list, the error summary) open its step.
    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
      if (!link) { return; }
      var id = link.getAttribute("href").slice(1);
      var target = document.getElementById(id);
      if (!target || indexOf(target) < 0) { return; }
      event.preventDefault();
      if (target.classList.contains("form-step")) {
        show(indexOf(target), true);
      } else {
        if (window.history && window.history.replaceState) { window.history.replaceState(null, "", "#" + id); }
        showTarget(id, true);
      }
    });

    // The address changed to a section or a field (typed, or the browser's back button).
    window.addEventListener("hashchange", function () {
      var id = window.location.hash.slice(1);
      var target = id ? document.getElementById(id) : null;
      if (target && indexOf(target) >= 0) {
        if (target.classList.contains("form-step")) { show(indexOf(target), true); } else { showTarget(id, true); }
      }
    });

    form.classList.add("stepped");
    nav.classList.add("stepper");
    if (status) { status.classList.remove("hidden"); }
    var first = 0;
    var hash = window.location.hash.slice(1);
    var withError = steps.findIndex(hasErrors);
    // A page returned with errors opens where the first one is; otherwise the address's section.
    if (withError >= 0) {
      first = withError;
    } else if (hash && document.getElementById(hash) && indexOf(document.getElementById(hash)) >= 0) {
      first = indexOf(document.getElementById(hash));
    }
    show(first, false);
  }

  // Coming back to the page from the browser's history must not leave its buttons disabled.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("form.js-submit-once"), function (form) {
      form.removeAttribute("data-sending");
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) { b.disabled = false; });
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form.js-submit-once"), setupSubmitOnce);
    var form = document.getElementById("proposal-form");
    if (form) {
      setupBudget(form);
      setupKpis(form);
      setupSteps(form);
    }
  });
})();
