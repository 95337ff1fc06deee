// Polls the import job (session-authenticated API) and moves the progress bar; reloads
// the page when the job ends so the error rows appear. Survives page reloads: the state
// is the server's.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("import-job");
    if (!box) { return; }
    var status = box.getAttribute("data-status");
    if (status === "done" || status === "failed") { return; }
    var labels = { pending: "Na fila", running: "Importando", done: "Concluída", failed: "Falhou" };
    function tick() {
      fetch(box.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (job) {
          document.getElementById("import-progress").value = job.progress;
          document.getElementById("import-percent").textContent = job.progress + "%";
          document.getElementById("import-status").textContent = labels[job.status] || job.status;
          document.getElementById("import-message").textContent = job.message || "";
          ["total", "imported", "duplicates", "errors"].forEach(function (name) {
            var cell = box.querySelector("[data-counter='" + name + "']");
            if (cell) { cell.textContent = job[name]; }
          });
          if (job.status === "done" || job.status === "failed") {
            window.location.reload();
          } else {
            window.setTimeout(tick, 1000);
          }
        })
        .catch(function (error) {
          // Session expired or no permission: stop polling and say so instead of looping.
          if (String(error).indexOf("HTTP 4") !== -1) {
            document.getElementById("import-status").textContent = labels.failed + " (" + error.message + ")";
            return;
          }
          window.setTimeout(tick, 3000);
        });
    }
    tick();
  });
})();
