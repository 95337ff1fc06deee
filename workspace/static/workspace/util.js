// The workspace's words and small helpers, on the shared module (static/js/atende.js):
// DOM building, durations, times and the API client are the same on every page.

import { configure, el } from "../js/atende.js";

export { api, ApiError, clock, duration, errorText, fmt } from "../js/atende.js";

export const S = JSON.parse(document.getElementById("ws-strings").textContent);

configure({ error: S.error });

export const h = el;

export function show(node, visible) {
  node.hidden = !visible;
}
