/* Tables wider than the screen scroll inside their .table-wrap. A region that scrolls must be
   reachable with the keyboard (WCAG 2.1.1): give it a tab stop and a name only while it
   actually overflows, so that tables which fit add no extra stop. */
(function () {
  "use strict";

  function labelIdOf(wrap, index) {
    // The table's caption, else the section it sits in (named by its heading).
    var caption = wrap.querySelector("caption");
    if (caption) {
      if (!caption.id) { caption.id = "table-caption-" + index; }
      return caption.id;
    }
    var section = wrap.closest("[aria-labelledby]");
    return section ? section.getAttribute("aria-labelledby") : null;
  }

  function update() {
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), function (wrap, index) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        var labelId = labelIdOf(wrap, index);
        if (labelId) {
          wrap.setAttribute("aria-labelledby", labelId);
        } else {
          wrap.setAttribute("aria-label", document.title);
        }
        wrap.setAttribute("data-scroll-region", "1");
      } else if (!scrolls && wrap.getAttribute("data-scroll-region") === "1") {
        ["tabindex", "role", "aria-labelledby", "aria-label", "data-scroll-region"].forEach(function (a) {
          wrap.removeAttribute(a);
        });
      }
    });
  }

  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(update, 150);
  });
  document.addEventListener("DOMContentLoaded", update);
})();
