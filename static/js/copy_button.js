/* "Copiar" buttons: <button data-copy="#id"> copies the text of the element #id. */
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-copy]");
  if (!button) return;
  event.preventDefault();
  var source = document.querySelector(button.getAttribute("data-copy"));
  if (!source) return;
  var done = function () { button.textContent = button.getAttribute("data-done") || "Copiado"; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(source.textContent).then(done);
  } else {
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    document.execCommand("copy");
    done();
  }
});
