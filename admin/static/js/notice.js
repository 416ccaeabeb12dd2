// 补正告知书: the case's latest correction notice, laid out for printing (一次性告知).
import { get } from "./api.js";
import { el, formatTime, matterNames, requireSession, scriptData, start } from "./ui.js";

const caseId = scriptData("caseId");

start(async () => {
  await requireSession();
  const info = await get(`/cases/${caseId}`);
  const notice = info.correction;
  const names = await matterNames();
  document.getElementById("notice-head").textContent =
    `${info.applicant?.name || ""}：您申请的“${names.get(info.process) || info.process}”（办件编号 ${info.number || info.id}）`;
  if (!notice) {
    document.getElementById("notice-items").replaceChildren(el("tr", {}, el("td", { colspan: 3 }, "本办件没有补正告知。")));
    return;
  }
  document.getElementById("notice-items").replaceChildren(...notice.items.map((item, i) =>
    el("tr", {}, el("td", {}, i + 1), el("td", {}, item.material), el("td", {}, item.problem))));
  document.getElementById("notice-reason").textContent = notice.reason ? `说明：${notice.reason}` : "";
  document.getElementById("notice-foot").textContent = `告知人：${notice.opened_by}　告知时间：${formatTime(notice.opened_at)}`;
});
