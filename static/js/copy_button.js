// "Copiar" buttons: <button class="copy-button" data-copy="text" data-copied="Copiado">Copiar</button>
// copies its text; data-copy="#id" copies the text of the element #id (the web chat's embed
// line). For values shown once (a channel's token) or long ones (the embed line).
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

  function textOf(button) {
    var value = button.getAttribute("data-copy");
    if (value.charAt(0) === "#") {
      var source = document.querySelector(value);
      if (source) { return source.textContent; }
    }
    return value;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) { return; }
    event.preventDefault();
    var text = textOf(button);
    var done = function () {
      if (!button.dataset.label) { button.dataset.label = button.textContent; }
      button.textContent = button.getAttribute("data-copied") || button.getAttribute("data-done") || button.dataset.label;
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
