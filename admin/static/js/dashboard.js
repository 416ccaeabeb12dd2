// 电子监察 dashboard: the figures of GET /api/v1/stats drawn with ECharts.
import { get } from "./api.js";
import { cardBadge, el, formatTime, matterNames, requireSession, showError, start } from "./ui.js";

const filters = document.getElementById("filters");
const charts = {};
const percent = (value) => (value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`);

start(async () => {
  await requireSession();
  const names = await matterNames();
  const select = filters.elements.namedItem("process");
  for (const [key, name] of names) select.append(el("option", { value: key }, name));
  filters.addEventListener("submit", (event) => { event.preventDefault(); load().catch(showError); });
  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
  await load();
});

function query() {
  const q = {};
  for (const name of ["from", "to", "department", "process"]) {
    const value = filters.elements.namedItem(name).value;
    if (value) q[name] = value;
  }
  return q;
}

async function load() {
  const q = query();
  const figures = await get("/stats", q);
  document.getElementById("csv").href = "/api/v1/stats?" + new URLSearchParams({ ...q, format: "csv" });
  filters.elements.namedItem("from").value ||= figures.period.from;
  filters.elements.namedItem("to").value ||= figures.period.to;
  const rates = figures.rates || {};
  document.getElementById("figures").replaceChildren(...[
    ["收件", figures.received], ["办结", figures.ended], ["按时办结率", percent(rates.on_time)],
    ["即办率", percent(rates.instant)], ["一次办率", percent(rates.once)], ["网上办理率", percent(rates.online)],
  ].map(([label, value]) => el("div", { class: "figure" }, el("b", {}, value), label)));
  draw("chart-daily", {
    tooltip: { trigger: "axis" }, legend: { data: ["收件", "办结"] },
    xAxis: { type: "category", data: figures.per_day.map((d) => d.date.slice(5)) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: "收件", type: "bar", data: figures.per_day.map((d) => d.received) },
      { name: "办结", type: "line", data: figures.per_day.map((d) => d.completed) }],
  });
  const cards = figures.open_cards || [];
  draw("chart-cards", {
    tooltip: { trigger: "axis" }, legend: { data: ["预警", "黄牌", "红牌"] },
    xAxis: { type: "category", data: cards.map((c) => c.department) }, yAxis: { type: "value", minInterval: 1 },
    series: [["预警", "warning", "#a15c00"], ["黄牌", "yellow", "#d4a300"], ["红牌", "red", "#b42318"]].map(
      ([name, key, color]) => ({ name, type: "bar", stack: "cards", color, data: cards.map((c) => c[key]) })),
  });
  const days = figures.average_days || [];
  draw("chart-days", {
    tooltip: { trigger: "axis" }, grid: { left: 160 },
    xAxis: { type: "value" }, yAxis: { type: "category", data: days.map((d) => `${d.department}·${d.matter}`) },
    series: [{ name: "平均工作日", type: "bar", data: days.map((d) => d.days) }],
  });
  const overdue = figures.overdue || [];
  document.querySelector("#overdue tbody").replaceChildren(...overdue.map((o) => el("tr", {},
    el("td", {}, el("a", { href: `/cases/${o.id}` }, o.number)), el("td", {}, o.matter), el("td", {}, o.department),
    el("td", {}, cardBadge(o.card)), el("td", {}, formatTime(o.promised_due)), el("td", {}, formatTime(o.legal_due)))));
  document.getElementById("overdue-empty").hidden = overdue.length > 0;
  document.getElementById("ratings").textContent = (figures.ratings || []).length
    ? figures.ratings.map((r) => `${r.label}：${r.count} 条，平均 ${r.average} 分`).join("；") : "暂无好差评数据";
}

function draw(id, option) {
  charts[id] ??= window.echarts.init(document.getElementById(id));
  const empty = !option.series.some((s) => s.data.some((v) => v));
  const note = { text: "所选范围内暂无数据", left: "center", top: "middle", textStyle: { color: "#66717d", fontSize: 14 } };
  charts[id].setOption(empty ? { ...option, title: note } : option, true);
}
