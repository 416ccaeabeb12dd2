// 受理通知书 / 容缺受理告知书 / 不予受理决定书 / 补正告知书 as a print view. Opening it as a
// clerk issues the notice (numbered, in the trail); a reprint shows the same number and text.
import { get, post } from "./api.js";
import { el, formatTime, requireSession, scriptData, start } from "./ui.js";

const caseId = scriptData("caseId");
const kind = scriptData("kind");

start(async () => {
  const session = await requireSession();
  const notice = ["clerk", "admin"].includes(session.role)
    ? await post(`/cases/${caseId}/notices`, { kind })
    : (await get(`/cases/${caseId}/notices`)).items.filter((n) => n.kind === kind).pop();
  document.getElementById("doc-print").addEventListener("click", () => window.print());
  if (!notice) {
    document.getElementById("doc-body").replaceChildren(el("p", {}, "本办件尚未出具该文书。"));
    return;
  }
  document.title = `${notice.title} ${notice.number}`;
  document.getElementById("doc-title").textContent = notice.title;
  document.getElementById("doc-number").textContent = notice.number;
  const to = el("p", { class: "to" }, `${notice.applicant.name}：`);
  const about = `您（证件号码 ${notice.applicant.id_number}）申请的“${notice.matter}”（办件编号 ${notice.case_number}）`;
  document.getElementById("doc-body").replaceChildren(to, ...BODIES[notice.kind](notice, about));
  document.getElementById("doc-sign").replaceChildren("经办人：", notice.issued_by_name || notice.issued_by,
    el("br"), formatTime(notice.issued_at).slice(0, 10), el("br"), "（行政服务中心综合受理窗口 盖章）");
});

const dateText = (iso) => iso ? `${iso.slice(0, 4)}年${Number(iso.slice(5, 7))}月${Number(iso.slice(8, 10))}日` : "";

const BODIES = {
  acceptance: (n, about) => [
    el("p", {}, `${about}，申请材料齐全、符合法定形式，根据《中华人民共和国行政许可法》第三十二条第一款第（五）项的规定，决定予以受理。`),
    el("p", {}, "我们将在法定期限内作出决定，办理进度可凭办件编号查询。")],
  tolerance: (n, about) => [
    el("p", {}, `${about}，主要申请材料齐全、符合法定形式，尚欠缺下列次要材料。根据容缺受理的有关规定，决定先予受理，请于${dateText(n.supplement_due)}前补齐：`),
    el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "序号"), el("th", {}, "需补齐的材料"))),
      el("tbody", {}, n.missing_materials.map((m, i) => el("tr", {}, el("td", {}, i + 1), el("td", {}, m))))),
    el("p", {}, "逾期未补齐的，终止办理。补齐材料可到窗口提交。")],
  refusal: (n, about) => [
    el("p", {}, `${about}，经审查，决定不予受理。理由及依据如下：`),
    el("p", {}, n.refuse_reason),
    el("p", {}, "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法提起行政诉讼。")],
  correction: (n, about) => [
    el("p", {}, `${about}，经审查，申请材料不齐全或者不符合法定形式。根据《中华人民共和国行政许可法》第三十二条的规定，现一次性告知需要补正的全部内容：`),
    el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "序号"), el("th", {}, "材料"), el("th", {}, "需补正的问题"))),
      el("tbody", {}, n.items.map((item, i) => el("tr", {}, el("td", {}, i + 1), el("td", {}, item.material), el("td", {}, item.problem))))),
    n.reason ? el("p", {}, `说明：${n.reason}`) : "",
    el("p", {}, "请补正后提交。补正材料提交前，本办件暂停办理。")],
};
