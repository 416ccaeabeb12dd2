// 办件审计报告: the whole trail with its hash chain on one printable page (打印 / 另存为 PDF).
import { get } from "./api.js";
import { checkBadges, eventName, eventSummary, formLabels } from "./trail.js";
import { el, formatTime, requireSession, scriptData, start, STATUS_NAMES } from "./ui.js";

const caseId = scriptData("caseId");

start(async () => {
  await requireSession();
  const [exported, replay] = await Promise.all([get(`/cases/${caseId}/export`), get(`/cases/${caseId}/replay`)]);
  const events = exported.events;
  const labels = await formLabels(events);
  const c = exported.case;
  document.getElementById("report-title").textContent = `办件审计报告 · ${c.number || c.id}`;
  document.title = `审计报告 ${c.number || ""} · 通办`;
  const meta = [
    ["办件编号", c.number], ["事项", `${c.matter} 第 ${c.version} 版`], ["状态", STATUS_NAMES[c.status] || c.status],
    ["申请人", `${c.applicant.name} ${c.applicant.id_number}`], ["受理时间", formatTime(c.created_at)],
    ["办结时间", formatTime(c.ended_at)],
  ];
  document.getElementById("case-meta").replaceChildren(
    ...meta.filter(([, v]) => v).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  document.getElementById("checks").replaceChildren(...checkBadges(exported.verification, replay));
  const chain = [
    ["链头", el("code", {}, exported.chain.head || "—")],
    ["每日摘要", exported.digest.day ? [`${exported.digest.day} `, el("code", {}, exported.digest.hash)] : "尚未生成"],
    ["算法", exported.chain.hashes],
  ];
  document.getElementById("chain").replaceChildren(...chain.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  document.querySelector("#trail tbody").replaceChildren(...events.map((event) => el("tr", {},
    el("td", {}, event.seq), el("td", { class: "nowrap" }, formatTime(event.at)), el("td", {}, eventName(event)),
    el("td", {}, event.data?.name || ""), el("td", {}, event.actor || "系统"),
    el("td", { class: "summary" }, eventSummary(event, labels)),
    el("td", {}, el("code", { class: "hash", title: event.hash }, (event.hash || "").slice(0, 12))))));
  document.getElementById("footer").textContent =
    `导出时间 ${formatTime(exported.exported_at)} · 导出人 ${exported.exported_by || ""} · 共 ${events.length} 条事件`;
  document.getElementById("print").addEventListener("click", () => window.print());
});
