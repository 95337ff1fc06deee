// The monitor detail's supervision (SPEC §9.1): "Assumir", "Sussurrar" (a note that
// mentions the assigned agent) and a message to the customer, through the API; the page
// reloads to show the result, or shows the API's own message under the form.

import { api } from "../js/atende.js";

const panel = document.getElementById("supervise");
const attendance = panel.dataset.attendance;
const base = `/api/v1/attendances/${attendance}`;

function wire(formId, send) {
  const form = document.getElementById(formId);
  if (!form) return;
  const error = form.querySelector(".rp-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await send(form);
      window.location.reload();
    } catch (failure) {
      error.textContent = failure.message;
      button.disabled = false;
    }
  });
}

wire("take-form", () => api(`${base}/take/`, { method: "POST", json: {} }));
wire("whisper-form", (form) => {
  const text = form.elements.text.value.trim();
  return api(`${base}/notes/`, { method: "POST", json: { text: text && `@${panel.dataset.agent} ${text}` } });
});
wire("message-form", (form) =>
  api(`${base}/messages/`, { method: "POST", json: { kind: "text", text: form.elements.text.value } }),
);
