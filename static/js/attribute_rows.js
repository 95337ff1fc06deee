// Customer attributes (SPEC §13): "Atributo do cliente" / "Valor do atributo" rows; the
// "+" adds one more empty row (the server ignores rows left empty).
(function () {
  "use strict";

  function addRow(table) {
    var rows = table.tBodies[0].rows;
    var last = rows[rows.length - 1];
    var row = last.cloneNode(true);
    row.querySelectorAll("select").forEach(function (select) { select.selectedIndex = 0; });
    row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    var button = last.querySelector(".attribute-add");
    if (button) { button.remove(); }
    table.tBodies[0].appendChild(row);
    row.querySelector("select").focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".attribute-add");
    if (!button) { return; }
    event.preventDefault();
    addRow(button.closest("table[data-attribute-rows]"));
  });
})();
