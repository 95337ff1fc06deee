// "Menções" (SPEC §7.2): the caller's mentions — a counter of unread ones and a list —
// on any page that includes workspace/_mentions.html (the workspace, the dashboard).
// Live: the page's own live channel calls ``mentionArrived``; a page without one (the
// dashboard) opens the channel here. Opening a mention marks it read and shows its
// attendance in the workspace (``#attendance=<id>``).

import { connectLive } from "./live.js";

const root = document.getElementById("mentions");
const words = root ? JSON.parse(root.dataset.words) : {};
const $ = (id) => document.getElementById(id);

function csrf() {
  const cookie = document.cookie.split("; ").find((item) => item.startsWith("csrftoken="));
  return cookie ? decodeURIComponent(cookie.split("=")[1]) : "";
}

async function call(url, method = "GET") {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRFToken"] = csrf();
  const response = await fetch(url, { method, credentials: "same-origin", headers });
  if (!response.ok) throw new Error(words.error);
  return response.json();
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

// Elsewhere than the workspace: the workspace (agents) or the monitor (supervisors) shows it.
let opener = (mention) => {
  const base = root.dataset.open;
  window.location.assign(base.endsWith("=") ? `${base}${mention.attendance}` : `${base}${mention.attendance}/`);
};

async function refresh() {
  const data = await call("/api/v1/mentions/?page_size=20");
  const unread = data.results.filter((m) => !m.read).length;
  const count = $("mentions-count");
  count.textContent = String(unread);
  count.hidden = unread === 0;
  const list = $("mentions-list");
  list.replaceChildren(
    ...(data.results.length
      ? data.results.map((m) =>
          el("li", { class: m.read ? "read" : "unread", tabindex: "0", "data-id": String(m.id),
                     onclick: () => open(m), onkeydown: (e) => e.key === "Enter" && open(m) },
            el("strong", {}, m.by_name), ` ${words.in} ${m.protocol} · ${m.customer}`,
            el("div", { class: "text" }, m.text)))
      : [el("li", { class: "empty" }, words.empty)]),
  );
  return data;
}

async function open(mention) {
  if (!mention.read) await call(`/api/v1/mentions/${mention.id}/read/`, "POST");
  $("mentions-list").hidden = true;
  $("mentions-button").setAttribute("aria-expanded", "false");
  await refresh();
  opener(mention);
}

// A live ``mention`` event: the counter and the list, and the notice the page shows.
export async function mentionArrived(data, notify) {
  const listed = await refresh();
  const mention = listed.results.find((m) => m.id === data.mention);
  if (mention && notify) notify(words.new.replace("{name}", mention.by_name).replace("{protocol}", mention.protocol));
}

export function setupMentions({ openMention, live = false } = {}) {
  if (!root) return;
  if (openMention) opener = openMention;
  $("mentions-button").addEventListener("click", () => {
    const list = $("mentions-list");
    list.hidden = !list.hidden;
    $("mentions-button").setAttribute("aria-expanded", String(!list.hidden));
  });
  refresh().catch(() => {});
  if (live) {
    connectLive({
      url: root.dataset.liveUrl, last: root.dataset.liveLast,
      onEvent: (type, data) => type === "mention" && mentionArrived(data, null),
      onStatus: () => {}, onDenied: async () => true,
    });
  }
  root.dataset.ready = "1";
}

// The dashboard (no workspace script): set up here, with its own live channel.
if (root && !document.getElementById("ws")) setupMentions({ live: true });
