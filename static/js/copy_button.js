// <button class="copy-button" data-copy="text" data-copied="Copiado">Copiar</button>: copies
// its text to the clipboard (a value shown once, such as a channel's token).
(function () {
  "use strict";

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(area); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.copy-button[data-copy]");
    if (!button) { return; }
    var text = button.getAttribute("data-copy");
    var done = function () {
      if (!button.dataset.label) { button.dataset.label = button.textContent; }
      button.textContent = button.getAttribute("data-copied") || button.dataset.label;
      setTimeout(function () { button.textContent = button.dataset.label; }, 2500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
    } else {
      fallbackCopy(text);
      done();
    }
  });
})();
