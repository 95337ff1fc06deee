// Brazilian phone mask, as typed: (34) 99123-4567 or (34) 3212-3456 (SPEC §13).
// Only a typing aid: the server accepts any format and stores E.164.
(function () {
  "use strict";

  function digitsOf(text) {
    var digits = String(text || "").replace(/\D/g, "");
    if (digits.length > 11 && digits.indexOf("55") === 0) { digits = digits.slice(2); } // pasted with +55
    if (digits.length > 10 && digits.charAt(0) === "0") { digits = digits.slice(1); } // trunk 0
    return digits.slice(0, 11);
  }

  function format(digits) {
    if (!digits) { return ""; }
    if (digits.length <= 2) { return "(" + digits; }
    var area = "(" + digits.slice(0, 2) + ") ";
    var rest = digits.slice(2);
    var split = digits.length === 11 ? 5 : 4;
    if (rest.length <= split) { return area + rest; }
    return area + rest.slice(0, split) + "-" + rest.slice(split);
  }

  function mask(input) {
    var before = input.value;
    var caretDigits = digitsOf(before.slice(0, input.selectionStart || before.length)).length;
    var after = format(digitsOf(before));
    if (after === before) { return; }
    input.value = after;
    // Keep the caret after the same number of digits.
    var position = 0;
    var seen = 0;
    while (position < after.length && seen < caretDigits) {
      if (/\d/.test(after.charAt(position))) { seen += 1; }
      position += 1;
    }
    if (document.activeElement === input) { input.setSelectionRange(position, position); }
  }

  function attach(input) {
    if (input.dataset.phoneMaskReady) { return; }
    input.dataset.phoneMaskReady = "1";
    // What the server rendered (a stored number, or a refused one with its message) is
    // shown as it is; the mask applies from the first keystroke.
    input.addEventListener("input", function () { mask(input); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-phone-mask='br']").forEach(attach);
  });
  window.AtendePhoneMask = { digitsOf: digitsOf, format: format };
})();
