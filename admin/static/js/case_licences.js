// 电子证照 on the case page: licences the case issued, and materials taken from the library at start.
import { get } from "./api.js";
import { el, formatTime, requireSession, scriptData, start } from "./ui.js";

const caseId = scriptData("caseId");
const STATUS = { valid: "有效", revoked: "已撤销" };

start(async () => {
  await requireSession();
  const { issued = [], reused = [] } = await get(`/cases/${caseId}/licences`);
  const row = (use, l) => el("tr", {}, el("td", {}, use), el("td", {}, l.name), el("td", {}, l.number),
    el("td", {}, l.valid_until ? formatTime(l.valid_until) : "长期有效"), el("td", {}, STATUS[l.status] || l.status));
  const rows = [...reused.map((r) => row(`材料「${r.material}」已由电子证照自动提供，无需提交`, r.licence)),
    ...issued.map((l) => row("本办件签发", l))];
  document.querySelector("#licences-table tbody").replaceChildren(...rows);
  document.getElementById("case-licences").hidden = rows.length === 0;
});
