// The inbox's "select every row" box. Without JavaScript it stays hidden; rows are ticked one by one.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) { return; }
  var rows = Array.prototype.slice.call(document.querySelectorAll("input.row-select"));
  all.classList.remove("hidden");
  all.addEventListener("change", function () {
    rows.forEach(function (box) { box.checked = all.checked; });
  });
  rows.forEach(function (box) {
    box.addEventListener("change", function () {
      all.checked = rows.every(function (b) { return b.checked; });
    });
  });
})();
