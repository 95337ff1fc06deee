// Survey results (SPEC §9): per question the distribution chart, CSAT % and NPS, and the
// open answers page by page; the export has one line per answer.
import { L, cell, el, fmt, getJSON, num, percent } from "./common.js";

const root = document.getElementById("surveys");
const form = document.getElementById("filters");
const charts = [];

function query(extra = {}) {
  const params = new URLSearchParams(new FormData(form));
  for (const [key, value] of [...params]) if (!value) params.delete(key);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return params;
}

function card(label, value) {
  return el("div", { class: "rp-card" }, el("span", { class: "v" }, value), el("span", { class: "l" }, label));
}

function questionPanel(q, index) {
  const canvasId = `q-chart-${index}`;
  const figure = q.type === "csat" ? `${L.csat}: ${percent(q.csat_percent)}` : q.type === "nps" ? `${L.nps}: ${num(q.nps)}` : "";
  const panel = el(
    "div",
    { class: "rp-panel", "data-question": q.id },
    el("h2", { class: "rp-section", style: "margin-top:0" }, q.text),
    el("p", { class: "rp-muted" }, `${q.survey_name} · ${L.answers}: ${num(q.answers)}${figure ? ` · ${figure}` : ""}`),
  );
  if (q.type !== "open") panel.append(el("div", { class: "rp-chart", style: "height:200px" }, el("canvas", { id: canvasId })));
  return panel;
}

function drawChart(q, index) {
  if (!window.Chart || q.type === "open") return;
  const items = q.type === "csat" ? q.options : q.scores;
  const labels = items.map((i) => (q.type === "csat" ? i.text : String(i.score)));
  const colors = items.map((i) => (q.type === "csat" ? (i.satisfied ? "#1a7f37" : "#c62828") : i.score >= 9 ? "#1a7f37" : i.score <= 6 ? "#c62828" : "#b35900"));
  charts.push(
    new window.Chart(document.getElementById(`q-chart-${index}`), {
      type: "bar",
      data: { labels, datasets: [{ label: L.answers, data: items.map((i) => i.count), backgroundColor: colors }] },
      options: { maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    }),
  );
}

function renderOpen(page) {
  const body = document.querySelector("#open-table tbody");
  body.replaceChildren(
    ...(page.results.length
      ? page.results.map((a) =>
          el(
            "tr",
            {},
            cell(new Date(a.answered_at).toLocaleString("pt-BR")),
            cell(a.question_text),
            cell(a.text),
            cell(a.protocol),
            cell(a.group || "—"),
            cell(a.agent || "—"),
          ),
        )
      : [el("tr", {}, el("td", { colspan: 6, class: "rp-empty" }, L.no_data))]),
  );
  const pages = document.getElementById("open-pages");
  pages.replaceChildren();
  if (page.pages > 1) {
    if (page.page > 1) pages.append(el("button", { type: "button", class: "button", "data-page": page.page - 1 }, L.previous));
    pages.append(el("span", { class: "rp-muted" }, fmt(L.page_of, { page: page.page, pages: page.pages })));
    if (page.page < page.pages) pages.append(el("button", { type: "button", class: "button", "data-page": page.page + 1 }, L.next));
  }
}

async function load(pageNumber = 1) {
  document.getElementById("export-csv").href = `${root.dataset.api}?${query({ file_format: "csv", dialect: "excel_br" })}`;
  document.getElementById("export-xlsx").href = `${root.dataset.api}?${query({ file_format: "xlsx" })}`;
  const error = document.getElementById("report-error");
  error.textContent = "";
  try {
    const result = await getJSON(`${root.dataset.api}?${query({ page: pageNumber })}`);
    document.getElementById("summary").replaceChildren(card(L.answers, num(result.answers)), card(L.csat, percent(result.csat_percent)), card(L.nps, num(result.nps)));
    charts.splice(0).forEach((c) => c.destroy());
    const closed = result.questions.filter((q) => q.type !== "open");
    document.getElementById("questions").replaceChildren(...closed.map(questionPanel));
    closed.forEach(drawChart);
    renderOpen(result.open_answers);
  } catch (failure) {
    error.textContent = fmt(L.load_failed, { error: failure.message });
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  load();
});
document.getElementById("open-pages").addEventListener("click", (event) => {
  const page = event.target.dataset.page;
  if (page) load(Number(page));
});
window.addEventListener("load", () => load());
