// The supervisor dashboard (SPEC §9): renders GET /api/v1/dashboard/ and fetches it again
// every 10 seconds without reloading; every figure links to the attendances behind it.
import { L, cell, duration, el, fmt, getJSON, num, percent } from "./common.js";
import { api } from "../js/atende.js";

const REFRESH_MS = 10000;
const root = document.getElementById("dashboard");
const monitor = root.dataset.monitor; // empty when the profile cannot monitor attendances
const today = root.dataset.today;
const control = Boolean(root.dataset.control); // may pause, put offline, end sessions (SPEC §9.1)
const operationSelect = document.getElementById("f-operation");
const groupSelect = document.getElementById("f-group");
let chart = null;
let timer = null;

function link(params) {
  if (!monitor) return null;
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== null && value !== undefined && value !== "") query.set(key, value);
  return `${monitor}?${query}`;
}

function scopeParams(groupId) {
  if (groupId) return { group: groupId };
  return { operation: operationSelect.value, group: groupSelect.value };
}

function card(label, value, href, extraClass = "", id = null) {
  const body = [el("span", { class: "v" }, value), el("span", { class: "l" }, label)];
  return href
    ? el("a", { class: `rp-card ${extraClass}`, href, "data-figure": id }, ...body)
    : el("div", { class: `rp-card ${extraClass}`, "data-figure": id }, ...body);
}

function todayLinks(scope) {
  const day = { date_from: today, date_to: today };
  return {
    queued: link({ ...scope, date_field: "queued", ...day }),
    assigned: link({ ...scope, date_field: "assigned", ...day }),
    abandoned: link({ ...scope, abandoned: 1, date_field: "closed", ...day }),
    closed: link({ ...scope, status: "closed", date_field: "closed", ...day }),
    sla: link({ ...scope, sla_missed: 1, date_field: "queued", ...day }),
  };
}

function renderCards(totals) {
  const scope = scopeParams(null);
  const now = document.getElementById("now-cards");
  now.replaceChildren(
    card(L.queued, num(totals.queued), link({ ...scope, status: "queued" }), totals.queued ? "alert" : "", "queued"),
    card(L.longest_wait, duration(totals.longest_wait_seconds), link({ ...scope, status: "queued" }), "", "longest_wait"),
    card(L.bot, num(totals.bot), link({ ...scope, status: "bot" }), "", "bot"),
    card(L.in_progress, num(totals.in_progress), link({ ...scope, status: "in_progress" }), "", "in_progress"),
    card(L.pending, num(totals.pending), link({ ...scope, status: "pending" }), "", "pending"),
    card(L.sac_overdue, num(totals.sac_overdue), link({ ...scope, sac_overdue: 1 }), totals.sac_overdue ? "alert" : "", "sac_overdue"),
    card(L.online, num(totals.agents.online), "#agents-table", "good", "online"),
    card(L.paused, num(totals.agents.paused), "#agents-table", "", "paused"),
    card(L.offline, num(totals.agents.offline), "#agents-table", "", "offline"),
  );
  const t = totals.today;
  const links = todayLinks(scope);
  document.getElementById("today-cards").replaceChildren(
    card(L.queued_today, num(t.queued), links.queued, "", "today_queued"),
    card(L.assigned, num(t.assigned), links.assigned, "", "today_assigned"),
    card(L.abandoned, num(t.abandoned), links.abandoned, t.abandoned ? "alert" : "", "today_abandoned"),
    card(L.closed, num(t.closed), links.closed, "", "today_closed"),
    card(L.avg_wait, duration(t.avg_wait_seconds), links.assigned, "", "avg_wait"),
    card(L.max_wait, duration(t.max_wait_seconds), links.assigned, "", "max_wait"),
    card(L.avg_handling, duration(t.avg_handling_seconds), links.closed, "", "avg_handling"),
    card(L.service_level, percent(t.service_level_percent), links.sla, "", "service_level"),
    card(L.csat, percent(t.csat_percent), null, "", "csat"),
    card(L.nps, num(t.nps), null, "", "nps"),
  );
}

function renderGroups(groups) {
  const body = document.querySelector("#groups-table tbody");
  if (!groups.length) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: 16, class: "rp-empty" }, L.no_groups)));
    return;
  }
  body.replaceChildren(
    ...groups.map((g) => {
      const links = todayLinks({ group: g.id });
      const t = g.today;
      return el(
        "tr",
        { "data-group": g.id },
        cell(g.name, { href: link({ group: g.id }) }),
        cell(num(g.queued), { numeric: true, href: link({ group: g.id, status: "queued" }) }),
        cell(duration(g.longest_wait_seconds), { numeric: true }),
        cell(num(g.bot), { numeric: true, href: link({ group: g.id, status: "bot" }) }),
        cell(num(g.in_progress), { numeric: true, href: link({ group: g.id, status: "in_progress" }) }),
        cell(num(g.pending), { numeric: true, href: link({ group: g.id, status: "pending" }) }),
        cell(`${g.agents.online} / ${g.agents.paused} / ${g.agents.offline}`, { numeric: true }),
        cell(num(t.queued), { numeric: true, href: links.queued }),
        cell(num(t.assigned), { numeric: true, href: links.assigned }),
        cell(num(t.abandoned), { numeric: true, href: links.abandoned }),
        cell(num(t.closed), { numeric: true, href: links.closed }),
        cell(duration(t.avg_wait_seconds), { numeric: true }),
        cell(duration(t.avg_handling_seconds), { numeric: true }),
        cell(percent(t.service_level_percent), { numeric: true, href: links.sla }),
        cell(percent(t.csat_percent), { numeric: true }),
        cell(num(t.nps), { numeric: true }),
      );
    }),
  );
}

function renderAgents(agents, groups) {
  const names = Object.fromEntries(groups.map((g) => [g.id, g.name]));
  const body = document.querySelector("#agents-table tbody");
  if (!agents.length) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: control ? 8 : 7, class: "rp-empty" }, L.no_agents)));
    return;
  }
  body.replaceChildren(
    ...agents.map((a) => {
      const since = a.since ? new Date(a.since).toLocaleTimeString("pt-BR", { hour: "2-digit", minute: "2-digit" }) : "—";
      const load = a.capacity ? Math.min(100, Math.round((100 * a.in_progress) / a.capacity)) : 0;
      const bar = el("span", { class: `rp-load${a.in_progress >= a.capacity ? " full" : ""}` }, el("i", { style: `width:${load}%` }));
      const state = el("span", { class: `rp-badge ${a.state}` }, L[a.state] || a.state);
      return el(
        "tr",
        { "data-agent": a.id },
        cell(a.display_name),
        el("td", {}, state, a.reason ? el("span", { class: "rp-muted" }, ` ${a.reason}`) : null),
        cell(since),
        el("td", { class: "n" }, bar, a.capacity ? el("a", { href: link({ agent: a.id, status: "in_progress" }) || "#" }, `${a.in_progress} / ${a.capacity}`) : "—"),
        cell(ago(a.last_message_at), { numeric: true }),
        cell(ago(a.waiting_since), { numeric: true }),
        cell(a.groups.map((id) => names[id]).filter(Boolean).join(", ")),
        control ? el("td", { class: "rp-agent-actions" }, ...actions(a)) : null,
      );
    }),
  );
}

function ago(iso) {
  return iso ? duration(Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000)) : "—";
}

// "Pausar" (with a reason), "Colocar offline" (SPEC §7.1: requeued, never closed), "Encerrar sessão".
function actions(agent) {
  const act = async (path, json) => {
    try {
      await api(`/api/v1/agents/${agent.id}/${path}/`, { method: "POST", json });
      await refresh();
    } catch (failure) {
      window.alert(failure.message);
    }
  };
  const button = (label) => el("button", { type: "button", class: "button rp-small" }, label);
  const pause = button(L.pause_action);
  pause.addEventListener("click", () => {
    const dialog = document.getElementById("pause-dialog");
    document.getElementById("pause-title").textContent = fmt(L.pause_title, { agent: agent.display_name });
    dialog.onclose = () => {
      if (dialog.returnValue === "ok") act("presence", { state: "paused", reason: dialog.querySelector("select").value });
    };
    dialog.showModal();
  });
  const offline = button(L.offline_action);
  offline.addEventListener("click", () => {
    if (window.confirm(fmt(L.offline_confirm, { agent: agent.display_name, count: agent.in_progress }))) act("presence", { state: "offline" });
  });
  const logout = button(L.logout_action);
  logout.addEventListener("click", () => {
    if (window.confirm(fmt(L.logout_confirm, { agent: agent.display_name }))) act("logout", {});
  });
  return [agent.state === "paused" ? null : pause, agent.state === "offline" ? null : offline, logout].filter(Boolean);
}

function renderChart(byHour) {
  if (!window.Chart) return;
  const labels = byHour.map((h) => `${String(h.hour).padStart(2, "0")}h`);
  const datasets = [
    { type: "bar", label: L.queued_today, data: byHour.map((h) => h.queued), backgroundColor: "#79aec8", yAxisID: "y" },
    { type: "bar", label: L.assigned, data: byHour.map((h) => h.assigned), backgroundColor: "#1a7f37", yAxisID: "y" },
    { type: "bar", label: L.abandoned, data: byHour.map((h) => h.abandoned), backgroundColor: "#c62828", yAxisID: "y" },
    { type: "line", label: L.seconds, data: byHour.map((h) => h.avg_wait_seconds), borderColor: "#b35900", yAxisID: "s", spanGaps: true },
  ];
  if (chart) {
    chart.data.labels = labels;
    chart.data.datasets.forEach((dataset, index) => (dataset.data = datasets[index].data));
    chart.update("none");
    return;
  }
  chart = new window.Chart(document.getElementById("hour-chart"), {
    data: { labels, datasets },
    options: {
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        y: { beginAtZero: true, title: { display: true, text: L.count }, ticks: { precision: 0 } },
        s: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: L.seconds } },
      },
      plugins: { legend: { position: "bottom" } },
    },
  });
}

function render(data) {
  renderCards(data.totals);
  renderGroups(data.groups);
  renderAgents(data.agents, data.groups);
  renderChart(data.totals.by_hour);
  const at = new Date(data.generated_at).toLocaleTimeString("pt-BR", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const updated = document.getElementById("updated");
  updated.textContent = fmt(L.updated_at, { time: at });
  updated.classList.remove("stale");
}

function apiUrl() {
  const query = new URLSearchParams();
  if (operationSelect.value) query.set("operation", operationSelect.value);
  if (groupSelect.value) query.set("group", groupSelect.value);
  return `${root.dataset.api}?${query}`;
}

async function refresh() {
  clearTimeout(timer);
  try {
    render(await getJSON(apiUrl()));
  } catch (error) {
    const updated = document.getElementById("updated");
    updated.textContent = fmt(L.update_failed, { error: error.message });
    updated.classList.add("stale");
  } finally {
    timer = setTimeout(refresh, REFRESH_MS);
  }
}

function hideOtherOperationsGroups() {
  // Groups of other operations are hidden while an operation is chosen.
  for (const option of groupSelect.options) {
    option.hidden = Boolean(option.value && operationSelect.value && option.dataset.operation !== operationSelect.value);
  }
  if (groupSelect.selectedOptions[0]?.hidden) groupSelect.value = "";
}

function onFilter() {
  hideOtherOperationsGroups();
  const query = new URLSearchParams(apiUrl().split("?")[1]);
  history.replaceState(null, "", `${location.pathname}${query.toString() ? `?${query}` : ""}`);
  refresh();
}

operationSelect.addEventListener("change", onFilter);
groupSelect.addEventListener("change", onFilter);
window.addEventListener("load", () => {
  hideOtherOperationsGroups();
  render(JSON.parse(document.getElementById("dashboard-data").textContent));
  timer = setTimeout(refresh, REFRESH_MS);
});
