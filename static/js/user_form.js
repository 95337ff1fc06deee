// Shows only the fields of the selected role on the user form (SPEC §2).
// The server enforces the same rules; this only keeps the screen readable.
(function () {
  "use strict";
  var common = ["display_name", "username", "role", "birth_date", "is_active", "phone", "email",
    "password", "password1", "password2", "must_change_password", "last_login", "date_joined"];
  var agent = ["operations", "max_simultaneous", "priority", "department", "social_token",
    "integration_key", "work_hours", "view_history_groups", "view_history_operations",
    "confidential_history", "register_phone_call", "voice_enabled", "voice_channel",
    "voice_extension", "voice_channel_password", "pause_on_voice_call"];
  var supervisor = ["profile", "operations", "work_hours"];
  var byRole = {
    admin: common.concat(["company"]),
    supervisor: common.concat(supervisor),
    supervisor_agent: common.concat(supervisor, agent),
    agent: common.concat(agent)
  };

  function apply(role) {
    var visible = byRole[role] || common;
    document.querySelectorAll("fieldset.module").forEach(function (fieldset) {
      var rows = fieldset.querySelectorAll(".form-row[class*='field-']");
      var shown = 0;
      rows.forEach(function (row) {
        var name = Array.prototype.find.call(row.classList, function (c) {
          return c.indexOf("field-") === 0;
        });
        var on = !name || visible.indexOf(name.slice(6)) !== -1;
        row.hidden = !on;
        if (on) { shown += 1; }
      });
      if (rows.length) { fieldset.hidden = shown === 0; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("id_role");
    if (!select) { return; }
    apply(select.value);
    select.addEventListener("change", function () { apply(select.value); });
  });
})();
