// Shows a dependent field only while its condition holds (SPEC §4.6: "A dependent field
// shows in the form only while its flag is checked"). The server enforces the same rules.
(function () {
  "use strict";

  function input(name) { return document.getElementById("id_" + name); }
  function checked(name) { var el = input(name); return !!(el && el.checked); }
  function value(name) {
    var el = input(name);
    if (el) { return el.value; }
    var radio = document.querySelector("input[name='" + name + "']:checked");
    return radio ? radio.value : "";
  }

  // field → condition. Fields absent from a form are ignored.
  var RULES = {
    // Service groups
    pending_after_minutes: function () { return checked("auto_pending"); },
    partner_inactivity_warning_minutes: function () { return checked("whatsapp_partner"); },
    queue_position_interval_minutes: function () { return checked("queue_position_by_period"); },
    bot_inactivity_timeout: function () { return checked("bot_inactivity_enabled"); },
    bot_inactivity_unit: function () { return checked("bot_inactivity_enabled"); },
    bot_inactivity_action: function () { return checked("bot_inactivity_enabled"); },
    bot_inactivity_target_group: function () {
      return checked("bot_inactivity_enabled") && value("bot_inactivity_action") === "send_to_group";
    },
    whatsapp_template: function () { return input("parent") ? value("parent") === "" : true; },
    // Service hours (SPEC §14): the out-of-hours rule only matters with a calendar.
    out_of_hours_action: function () { return value("calendar") !== ""; },
    out_of_hours_message: function () { return value("calendar") !== ""; },
    out_of_hours_group: function () { return value("calendar") !== "" && value("out_of_hours_action") === "group"; },
    // Bots
    menu: function () { return input("kind") ? value("kind") === "service" : true; },
    message: function () { return input("kind") ? value("kind") !== "service" : true; }
  };

  function row(name) { return document.querySelector(".form-row.field-" + name); }

  function apply() {
    Object.keys(RULES).forEach(function (name) {
      var el = row(name);
      if (el) { el.hidden = !RULES[name](); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    apply();
    document.addEventListener("change", apply);
  });
})();
