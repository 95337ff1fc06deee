// The supervisor pages' labels and table cells, on the shared module (static/js/atende.js).

import { el } from "../js/atende.js";

export { duration, el, fmt, getJSON, num, percent } from "../js/atende.js";

export const L = JSON.parse(document.getElementById("page-labels").textContent);

export function cell(content, { numeric = false, href = null } = {}) {
  const td = el("td", { class: numeric ? "n" : null });
  td.append(href ? el("a", { href }, content) : content);
  return td;
}
