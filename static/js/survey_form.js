// Survey questions (SPEC §5.1): the options box belongs to CSAT questions only; it shows
// while the question's type is CSAT (the server ignores options of other types).
(function () {
  "use strict";

  function apply(inline) {
    var type = inline.querySelector("select[name$='-type']");
    var row = inline.querySelector(".form-row.field-options_text, .fieldBox.field-options_text");
    if (!type || !row) { return; }
    row.hidden = type.value !== "csat";
  }

  function applyAll() {
    document.querySelectorAll(".inline-related").forEach(apply);
  }

  document.addEventListener("DOMContentLoaded", applyAll);
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[name$='-type']")) {
      var inline = event.target.closest(".inline-related");
      if (inline) { apply(inline); }
    }
  });
  document.addEventListener("formset:added", function (event) {
    var inline = event.target && event.target.closest ? event.target.closest(".inline-related") || event.target : null;
    if (inline) { apply(inline); } else { applyAll(); }
  });
})();
