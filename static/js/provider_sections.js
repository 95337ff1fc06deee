// Channel form: only the chosen provider's credential section and setup steps are shown
// (<fieldset class="provider-section provider-<value>">, <div class="provider-steps"
// data-provider="<value>">). The server enforces it too: ChannelForm.clean() keeps the
// chosen provider's credentials only.
(function () {
  "use strict";

  function update(select) {
    var value = select.value;
    document.querySelectorAll("fieldset.provider-section").forEach(function (section) {
      section.style.display = section.classList.contains("provider-" + value) ? "" : "none";
    });
    document.querySelectorAll(".provider-steps[data-provider]").forEach(function (steps) {
      steps.hidden = steps.getAttribute("data-provider") !== value;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("id_provider");
    if (!select) { return; }
    update(select);
    select.addEventListener("change", function () { update(select); });
  });
})();
