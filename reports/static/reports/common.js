// Shared helpers of the supervisor pages: labels, formatting, safe DOM building.

export const L = JSON.parse(document.getElementById("page-labels").textContent);

export function fmt(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => values[key]);
}

const number = new Intl.NumberFormat("pt-BR", { maximumFractionDigits: 1 });

export function num(value) {
  return value === null || value === undefined ? "—" : number.format(value);
}

export function percent(value) {
  return value === null || value === undefined ? "—" : `${number.format(value)}%`;
}

// 45 → "45s"; 75 → "1min15s"; 3700 → "1h01min"
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}min${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}min`;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function cell(content, { numeric = false, href = null } = {}) {
  const td = el("td", { class: numeric ? "n" : null });
  td.append(href ? el("a", { href }, content) : content);
  return td;
}

export async function getJSON(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(await errorText(response));
  return response.json();
}

// The API's own message ({detail} or {field: [messages]}), else the HTTP status.
async function errorText(response) {
  try {
    const body = await response.json();
    const messages = typeof body.detail === "string" ? [body.detail] : Object.values(body).flat().filter((m) => typeof m === "string");
    if (messages.length) return [...new Set(messages)].join(" ");
  } catch {
    // not JSON: the status says enough
  }
  return `HTTP ${response.status}`;
}
