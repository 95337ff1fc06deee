// The service-level report (SPEC §9): GET /api/v1/reports/service-level/ as a table and a
// chart; the export buttons download the same rows (CSV for Excel in Portuguese, XLSX).
import { L, cell, duration, el, fmt, getJSON, num, percent } from "./common.js";

const root = document.getElementById("service-level");
const form = document.getElementById("filters");
let chart = null;

function query(extra = {}) {
  const params = new URLSearchParams(new FormData(form));
  for (const [key, value] of [...params]) if (!value) params.delete(key);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return params;
}

function row(r, total = false) {
  return el(
    "tr",
    { class: total ? "total" : null },
    cell(r.label),
    cell(num(r.queued), { numeric: true }),
    cell(num(r.assigned), { numeric: true }),
    cell(num(r.abandoned), { numeric: true }),
    cell(num(r.closed), { numeric: true }),
    cell(duration(r.avg_wait_seconds), { numeric: true }),
    cell(duration(r.max_wait_seconds), { numeric: true }),
    cell(duration(r.avg_handling_seconds), { numeric: true }),
    cell(percent(r.service_level_percent), { numeric: true }),
    cell(percent(r.csat_percent), { numeric: true }),
    cell(num(r.nps), { numeric: true }),
  );
}

function renderChart(rows) {
  if (!window.Chart) return;
  const data = {
    labels: rows.map((r) => r.label),
    datasets: [
      { type: "bar", label: L.assigned, data: rows.map((r) => r.assigned), backgroundColor: "#1a7f37", yAxisID: "y" },
      { type: "bar", label: L.abandoned, data: rows.map((r) => r.abandoned), backgroundColor: "#c62828", yAxisID: "y" },
      { type: "line", label: `${L.service_level} (%)`, data: rows.map((r) => r.service_level_percent), borderColor: "#447e9b", yAxisID: "p", spanGaps: true },
    ],
  };
  if (chart) chart.destroy();
  chart = new window.Chart(document.getElementById("report-chart"), {
    data,
    options: {
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: L.count } },
        p: { beginAtZero: true, max: 100, position: "right", grid: { drawOnChartArea: false } },
      },
      plugins: { legend: { position: "bottom" } },
    },
  });
}

async function load() {
  const params = query();
  const by = params.get("by") || "day";
  document.getElementById("key-header").textContent = form.elements.by.selectedOptions[0].textContent;
  document.getElementById("export-csv").href = `${root.dataset.api}?${query({ file_format: "csv", dialect: "excel_br" })}`;
  document.getElementById("export-xlsx").href = `${root.dataset.api}?${query({ file_format: "xlsx" })}`;
  const error = document.getElementById("report-error");
  error.textContent = "";
  try {
    const report = await getJSON(`${root.dataset.api}?${params}`);
    const body = document.querySelector("#report-table tbody");
    body.replaceChildren(...(report.rows.length ? report.rows.map((r) => row(r)) : [el("tr", {}, el("td", { colspan: 11, class: "rp-empty" }, L.no_data))]));
    document.querySelector("#report-table tfoot").replaceChildren(row({ ...report.totals, label: L.total }, true));
    renderChart(report.rows);
    root.dataset.by = by;
  } catch (failure) {
    error.textContent = fmt(L.load_failed, { error: failure.message });
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  history.replaceState(null, "", `${location.pathname}?${query()}`);
  load();
});
window.addEventListener("load", load);
