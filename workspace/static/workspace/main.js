// The agent workspace (SPEC §7): presence and heartbeat, my attendances, live updates,
// sound and title badge on a new assignment. The conversation and the dialogs are in
// their own modules.

import { Conversation } from "./conversation.js";
import { setupDialogs } from "./dialogs.js";
import { connectLive } from "./live.js";
import { mentionArrived, setupMentions } from "./mentions.js";
import { S, api, duration, fmt, h, show } from "./util.js";

const root = document.getElementById("ws");
const $ = (id) => document.getElementById(id);
const baseTitle = document.title;

const state = {
  inbox: [],
  presence: { state: "offline", reason: "", changed_at: null },
  unseenAssignments: 0,
};

// Notices ------------------------------------------------------------------------------
let noticeTimer = null;
export function notice(text, sticky = false) {
  const bar = $("notice");
  bar.textContent = text;
  show(bar, true);
  clearTimeout(noticeTimer);
  if (!sticky) noticeTimer = setTimeout(() => show(bar, false), 8000);
}

// Inbox ----------------------------------------------------------------------------------
const conversation = new Conversation({ onChanged: () => refreshInbox(), notice });

async function refreshInbox() {
  const data = await api("/workspace/inbox/");
  state.inbox = data.attendances;
  renderInbox();
  renderQueues(data.queues);
  applyPresence(data.presence, false);
  return data;
}

function renderInbox() {
  const list = $("inbox");
  for (const item of state.inbox) if (item.id === conversation.id) item.unread = 0; // being read now
  list.replaceChildren(
    ...state.inbox.map((item) =>
      h(
        "li",
        {
          class: `item${item.id === conversation.id ? " active" : ""}${item.unread ? " has-unread" : ""}`,
          dataset: { id: item.id, received: Date.now(), waiting: item.waiting_seconds ?? "" },
          onclick: () => openAttendance(item.id),
        },
        h("div", { class: "line" }, h("strong", {}, item.customer), item.unread ? h("span", { class: "badge", title: S.unread }, String(item.unread)) : null),
        h("div", { class: "line meta" }, h("span", {}, `${item.group} · ${S[item.network] || item.network}`), h("span", { class: "wait", title: S.waiting }, duration(item.waiting_seconds))),
        item.status === "pending" ? h("div", { class: "line meta pending" }, S.pending) : null,
      ),
    ),
  );
  $("inbox-count").textContent = String(state.inbox.length);
  show($("inbox-empty"), state.inbox.length === 0);
}

function renderQueues(queues) {
  $("queues").replaceChildren(
    ...queues.map((q) =>
      h("span", { class: `queue${q.queued ? " busy" : ""}` }, fmt(S.queue_line, { group: q.name, count: q.queued }),
        q.queued ? ` · ${fmt(S.longest, { time: duration(q.longest_wait_seconds) })}` : ""),
    ),
  );
}

// Waiting times move every second without asking the server.
setInterval(() => {
  for (const node of document.querySelectorAll("#inbox .item")) {
    if (node.dataset.waiting === "") continue;
    const elapsed = (Date.now() - Number(node.dataset.received)) / 1000;
    node.querySelector(".wait").textContent = duration(Number(node.dataset.waiting) + elapsed);
  }
  renderPresenceSince();
}, 1000);

async function openAttendance(id) {
  await conversation.open(id);
  const item = state.inbox.find((row) => row.id === id);
  if (item) item.unread = 0;
  renderInbox();
}

// Presence ---------------------------------------------------------------------------------
const stateSelect = $("presence-state");
const reasonSelect = $("presence-reason");

function applyPresence(presence, forced) {
  const changed = presence.state !== state.presence.state;
  state.presence = { ...presence, since: presence.changed_at ? new Date(presence.changed_at) : new Date() };
  stateSelect.value = presence.state;
  $("presence-dot").className = `dot ${presence.state}`;
  show(reasonSelect, presence.state === "paused");
  if (presence.state === "paused" && presence.reason) showReason(presence.reason);
  renderPresenceSince();
  if (forced && changed && presence.state === "offline") notice(S.forced_offline, true);
  if (forced && changed && presence.state === "paused") notice(fmt(S.forced_pause, { reason: presence.reason }), true);
}

// The menu offers the active reasons only. The current pause's reason, if deactivated since,
// stays valid for this pause (the heartbeat sends it again): shown, but not offered.
function showReason(reason) {
  if (![...reasonSelect.options].some((option) => option.value === reason)) {
    reasonSelect.append(h("option", { value: reason, disabled: true }, reason));
  }
  reasonSelect.value = reason;
}

function renderPresenceSince() {
  const since = state.presence.since;
  $("presence-since").textContent = since ? duration((Date.now() - since.getTime()) / 1000) : "";
}

async function setPresence(next, reason = "") {
  try {
    const presence = await api("/api/v1/agents/me/presence/", { method: "POST", json: { state: next, reason } });
    applyPresence(presence, false);
    show($("notice"), false);
    if (next === "offline") await refreshInbox(); // what went back to the queue leaves the list
  } catch (error) {
    notice(error.message);
    applyPresence(state.presence, false);
  }
}

// Nobody is lost (SPEC §7.1): before going offline or pausing with attendances in
// progress, the page says how many and asks. Offline returns them to the queue (the
// default button); a pause keeps them with the agent.
function confirmLeaving(next) {
  const holding = state.inbox.filter((row) => row.status === "in_progress").length;
  if (!holding || next === "online" || state.presence.state === next) return Promise.resolve(true);
  const dialog = $("presence-dialog");
  $("presence-count").textContent = fmt(S.holding, { count: holding });
  $("presence-explain").textContent = next === "offline" ? S.offline_explain : S.pause_explain;
  $("presence-confirm").textContent = next === "offline" ? S.return_to_queue : S.pause_now;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
    $("presence-confirm").focus();
  });
}

stateSelect.addEventListener("change", async () => {
  const next = stateSelect.value;
  if (!(await confirmLeaving(next))) {
    applyPresence(state.presence, false); // "Cancelar": nothing changes
    return;
  }
  if (next === "paused") {
    show(reasonSelect, true);
    setPresence("paused", reasonSelect.value);
  } else {
    setPresence(next);
  }
});
reasonSelect.addEventListener("change", () => setPresence("paused", reasonSelect.value));

async function loadPauseReasons() {
  const data = await api("/api/v1/pause-reasons/?is_active=true&page_size=200");
  reasonSelect.replaceChildren(...data.results.map((r) => h("option", { value: r.name }, r.name)));
}

// The open page is the heartbeat: the same state again, while online or paused.
async function heartbeat() {
  if (state.presence.state === "offline") return;
  try {
    const presence = await api("/api/v1/agents/me/presence/", {
      method: "POST",
      json: { state: state.presence.state, reason: state.presence.reason || "" },
    });
    applyPresence(presence, false);
  } catch (error) {
    if (error.status === 401 || error.status === 403) sessionOver();
  }
}

function sessionOver() {
  notice(S.session_over, true);
  setTimeout(() => window.location.assign("/accounts/login/?next=/workspace/"), 4000);
}

// Live -----------------------------------------------------------------------------------------
function playSound() {
  const audio = new Audio(root.dataset.sound);
  audio.play().catch(() => {}); // the browser may refuse sound before the first click
}

function badgeTitle() {
  document.title = state.unseenAssignments ? `(${state.unseenAssignments}) ${baseTitle}` : baseTitle;
}

window.addEventListener("focus", () => {
  state.unseenAssignments = 0;
  badgeTitle();
});
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) {
    state.unseenAssignments = 0;
    badgeTitle();
  }
});

async function onLive(type, data) {
  if (type === "session_ended") {
    // A supervisor ended this login ("Encerrar sessão", SPEC §9.1): say who, then the login page.
    notice(fmt(S.session_ended, { name: data.by || "" }), true);
    setTimeout(() => window.location.assign("/accounts/login/?next=/workspace/"), 4000);
    return;
  }
  if (type === "presence") {
    applyPresence({ state: data.state, reason: data.reason || "", changed_at: new Date().toISOString() }, data.forced);
    await refreshInbox();
    return;
  }
  if (type === "resync") {
    await refreshInbox();
    if (conversation.id) await conversation.reload();
    return;
  }
  if (type === "mention") {
    await mentionArrived(data, notice);
    return;
  }
  if (type === "delivery") {
    // A status callback (sent, delivered, read, failed): the tick changes in place.
    if (conversation.id === data.attendance && !conversation.setDelivery(data)) await conversation.fetchNew();
    return;
  }
  const before = state.inbox.find((row) => row.id === data.attendance);
  await refreshInbox();
  if (type === "assigned") {
    state.unseenAssignments += 1;
    badgeTitle();
    playSound();
    const item = state.inbox.find((row) => row.id === data.attendance);
    if (item) notice(fmt(S.new_assignment, { name: item.customer }));
    if (!conversation.id && item) await openAttendance(item.id);
  } else if (type === "message") {
    if (conversation.id === data.attendance) {
      await conversation.fetchNew();
      const item = state.inbox.find((row) => row.id === data.attendance);
      if (item) item.unread = 0;
      renderInbox();
    }
  } else if (type === "transferred_away" || type === "closed") {
    const words = type === "closed" ? S.closed_notice : data.taken_by ? S.taken_over : S.transferred_away;
    if (before) notice(fmt(words, { protocol: before.protocol, name: data.taken_by || "" }));
    if (conversation.id === data.attendance) conversation.closeView(); // no longer this agent's
  }
}

function setLiveStatus(on) {
  const node = $("live-status");
  node.className = `live ${on ? "on" : "off"}`;
  node.textContent = on ? S.live_on : S.live_off;
}

async function sessionDenied() {
  try {
    await api("/workspace/inbox/");
    return false;
  } catch (error) {
    if (error.status === 401 || error.status === 403) {
      sessionOver();
      return true;
    }
    return false;
  }
}

// Start ------------------------------------------------------------------------------------------
async function start() {
  await Promise.all([loadPauseReasons(), refreshInbox()]);
  setupDialogs({ conversation, refreshInbox, notice, openAttendance });
  setupMentions({ openMention: (mention) => openAttendance(mention.attendance) });
  // From a mention elsewhere (the dashboard): /workspace/#attendance=<id>.
  const linked = /^#attendance=(\d+)$/.exec(window.location.hash);
  if (linked) await openAttendance(Number(linked[1]));
  connectLive({
    url: root.dataset.liveUrl,
    last: root.dataset.liveLast,
    onEvent: (type, data) => onLive(type, data).catch((error) => notice(error.message)),
    onStatus: setLiveStatus,
    onDenied: sessionDenied,
  });
  setInterval(heartbeat, Number(root.dataset.heartbeat) * 1000);
  root.dataset.ready = "1";
}

start().catch((error) => notice(error.message, true));
