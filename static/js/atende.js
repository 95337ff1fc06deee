// The one small module every page's script builds on (workspace, supervisor pages, back
// office): DOM building, Portuguese number and duration formats, and the API client
// (session + CSRF, the API's own Portuguese messages). No framework, no build step.

export function fmt(template, values = {}) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}

// el("a", {href, class, text, dataset: {...}, onclick}, child, [children], "text")
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const number = new Intl.NumberFormat("pt-BR", { maximumFractionDigits: 1 });

export function num(value) {
  return value === null || value === undefined ? "—" : number.format(value);
}

export function percent(value) {
  return value === null || value === undefined ? "—" : `${number.format(value)}%`;
}

// One Portuguese format everywhere: 45 → "45 s"; 75 → "1 min 15 s"; 3700 → "1 h 01 min".
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const rest = s % 60;
    return rest ? `${Math.floor(s / 60)} min ${String(rest).padStart(2, "0")} s` : `${s / 60} min`;
  }
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

export function clock(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return today
    ? date.toLocaleTimeString("pt-BR", { hour: "2-digit", minute: "2-digit" })
    : date.toLocaleString("pt-BR", { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" });
}

// The API's own message ({detail}, {detail: [..]} or {field: [messages]}) as one line.
export function errorText(body) {
  if (!body || typeof body !== "object") return "";
  if (typeof body.detail === "string") return body.detail;
  const messages = Object.entries(body)
    .filter(([key]) => key !== "code")
    .flatMap(([, value]) => [value].flat(Infinity))
    .filter((item) => typeof item === "string");
  return [...new Set(messages)].join(" ");
}

// A page may name its own words for an error the API did not explain (the workspace's "Erro").
const settings = { error: "" };

export function configure({ error } = {}) {
  if (error) settings.error = error;
}

export class ApiError extends Error {
  constructor(status, body) {
    super(errorText(body) || settings.error || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

function csrfToken() {
  const cookie = document.cookie.split("; ").find((item) => item.startsWith("csrftoken="));
  return cookie ? decodeURIComponent(cookie.split("=")[1]) : "";
}

export async function api(url, { method = "GET", json, form } = {}) {
  const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (method !== "GET") options.headers["X-CSRFToken"] = csrfToken();
  if (json !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(json);
  } else if (form !== undefined) {
    options.body = form;
  }
  const response = await fetch(url, options);
  const body = response.headers.get("Content-Type")?.includes("json") ? await response.json() : null;
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

export const getJSON = (url) => api(url);
