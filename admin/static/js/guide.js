// 办事指南: public, no login. The list of matters, or one matter's full guide.
import { get } from "./api.js";
import { el, scriptData, showError, start } from "./ui.js";

const CATEGORY = { primary: "主要材料", secondary: "次要材料" };
const SOURCE = { applicant: "申请人提供", "e-licence": "电子证照", government: "部门共享" };
const yes = (v) => (v === true ? "是" : v === false ? "否" : "—");
const days = (n) => (n === null || n === undefined ? "—" : `${n} 个工作日`);

function flags(g) {
  return [g.instant && "即办件", g.online && "网上可办", g.one_visit && "最多跑一次"].filter(Boolean)
    .map((label) => el("span", { class: "badge ok" }, label));
}

function guideHref(m) {
  return "/guide/" + encodeURIComponent(m.implementation_code || m.process_key);
}

async function showList() {
  const items = (await get("/matters")).items || [];
  document.querySelector("#matters tbody").replaceChildren(...items.map((m) => el("tr", {},
    el("td", {}, el("a", { href: guideHref(m) }, m.name)), el("td", {}, m.guide.kind || "—"),
    el("td", {}, m.department || "—"), el("td", {}, days(m.promised_limit_days)),
    el("td", {}, ...flags(m.guide)), el("td", {}, m.implementation_code || "—"))));
  document.getElementById("guide-list").hidden = false;
}

async function showOne(code) {
  const m = await get("/matters/" + encodeURIComponent(code));
  const g = m.guide || {};
  document.title = `${m.name} · 办事指南 · 通办`;
  document.getElementById("guide-title").textContent = `${m.name} · 办事指南`;
  const facts = [
    ["事项名称", m.name], ["基本编码", m.base_code], ["实施编码", m.implementation_code], ["事项类型", g.kind],
    ["实施部门", m.department], ["行使层级", g.level], ["设定依据", g.basis], ["受理条件", g.conditions],
    ["法定时限", days(m.legal_limit_days)], ["承诺时限", days(m.promised_limit_days)],
    ["收费标准", g.fee], ["收费依据", g.fee_basis], ["办理结果", g.result],
    ["办理形式", (g.channels || []).join("、")], ["通办范围", g.scope], ["办理地点", g.place], ["办理时间", g.hours],
    ["咨询电话", g.consult_phone], ["监督投诉电话", g.complaint_phone],
    ["即办件", yes(g.instant)], ["网上可办", yes(g.online)], ["最多跑一次", yes(g.one_visit)],
  ];
  document.getElementById("guide-facts").replaceChildren(...facts.flatMap(([k, v]) =>
    [el("dt", {}, k), el("dd", {}, v === undefined || v === null || v === "" ? "—" : String(v))]));
  document.querySelector("#materials tbody").replaceChildren(...(g.materials || []).map((x) => {
    const notes = [x.tolerable && "可容缺后补", x.licence_type && `已有「${x.licence_type}」电子证照的免交`,
      x.commitment && "可告知承诺"].filter(Boolean).join("；");
    return el("tr", {}, el("td", {}, x.name), el("td", {}, CATEGORY[x.category] || x.category),
      el("td", {}, x.form || "—"), el("td", {}, String(x.copies ?? "—")), el("td", {}, SOURCE[x.source] || x.source || "—"),
      el("td", {}, notes || "—"));
  }));
  document.getElementById("guide-detail").hidden = false;
}

start(async () => {
  document.getElementById("nav").replaceChildren(el("a", { href: "/guide" }, "办事指南"),
    el("a", { href: "/progress" }, "进度查询"), el("a", { href: "/login" }, "工作人员登录"));
  const code = scriptData("code");
  await (code ? showOne(code) : showList());
}, showError);
