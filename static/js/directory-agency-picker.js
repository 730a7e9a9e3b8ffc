// The agency picker (directory.forms.AgencyPicker): as the person types, ask the server for up to
// 20 matching agencies and offer them in the field's <datalist>. Without JavaScript the field
// still accepts an agency's name, abbreviation or code.
(function () {
  "use strict";
  var DELAY_MS = 200;

  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var timer = null;
    var asked = null;
    var latest = 0;

    function suggest() {
      var text = input.value.trim();
      var ministry = input.form ? input.form.elements.namedItem("ministry") : null;
      var url = new URL(input.getAttribute("data-agency-suggest"), window.location.href);
      url.searchParams.set("q", text);
      if (ministry && ministry.value) { url.searchParams.set("ministry", ministry.value); }
      if (url.href === asked) { return; }
      asked = url.href;
      var ticket = ++latest;
      fetch(url.href, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || ticket !== latest) { return; }
          list.replaceChildren.apply(list, data.agencies.map(function (agency) {
            var option = document.createElement("option");
            option.value = agency.value;
            option.label = agency.label;
            return option;
          }));
        })
        .catch(function () { asked = null; });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(suggest, DELAY_MS);
    });
    input.addEventListener("focus", suggest);
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-agency-suggest]"), attach);
})();
