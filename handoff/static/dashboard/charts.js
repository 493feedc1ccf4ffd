// Chart.js (vendored: /static/vendor/chart.umd.min.js, MIT) charts of the dashboard. Each canvas also gets
// an aria-label summarising its figures, so screen-reader users get the numbers the picture shows.

const BRAND = "#0a6647";
const ACCENT = "#1d3f8f";
const PALETTE = ["#0a6647", "#1d3f8f", "#b34700", "#6b3fa0", "#a4161a", "#2f6f8f", "#4d5652"];
const charts = new Map();

function draw(id, config, summary) {
  const canvas = document.getElementById(id);
  canvas.setAttribute("aria-label", summary);
  if (charts.has(id)) charts.get(id).destroy();
  const Chart = window.Chart;
  Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
  Chart.defaults.color = "#1b1f1d";
  charts.set(id, new Chart(canvas, {
    ...config,
    options: { responsive: true, maintainAspectRatio: false, animation: false, locale: "ar-SA-u-nu-latn",
      plugins: { legend: { rtl: true, position: "bottom" }, tooltip: { rtl: true } }, ...config.options },
  }));
}

export function trend(days, labelsOf) {
  const x = days.map((d) => d.date.slice(5));
  draw("chart-trend", {
    type: "bar",
    data: { labels: x, datasets: [
      { type: "bar", label: labelsOf.conversations, data: days.map((d) => d.conversations ?? 0), backgroundColor: BRAND, yAxisID: "y" },
      { type: "line", label: labelsOf.self_service, data: days.map((d) => d.self_service_rate == null ? null : d.self_service_rate * 100),
        borderColor: ACCENT, backgroundColor: ACCENT, yAxisID: "y1", pointRadius: 0, tension: 0.25 },
    ] },
    options: { scales: { x: { reverse: true }, y: { beginAtZero: true, position: "right" },
      y1: { beginAtZero: true, max: 100, position: "left", grid: { drawOnChartArea: false } } } },
  }, `${labelsOf.conversations}: ${days.map((d) => `${d.date} ${d.conversations ?? 0}`).join("، ")}`);
}

export function bars(id, items, label) {
  draw(id, {
    type: "bar",
    data: { labels: items.map((i) => i.label), datasets: [{ label, data: items.map((i) => i.value),
      backgroundColor: items.map((_, n) => PALETTE[n % PALETTE.length]) }] },
    options: { indexAxis: "y", scales: { y: { position: "right" }, x: { reverse: true, beginAtZero: true } },
      plugins: { legend: { display: false } } },
  }, `${label}: ${items.map((i) => `${i.label} ${i.value}`).join("، ")}`);
}
