// The front window's part of a task page (GET /tasks/{id}/window): for an acceptance step the
// matter's material checklist and the 受理 / 容缺受理 / 不予受理 decision; for a delivery step
// how the result reaches the applicant. The server checks every rule; this only collects.
import { get } from "./api.js";
import { el } from "./ui.js";

const STATUSES = [["present", "齐全"], ["missing", "缺失"], ["defective", "有缺陷"]];
const DECISIONS = [["accept", "受理"], ["tolerate", "容缺受理（仅可容缺材料缺失，须设补正期限）"], ["refuse", "不予受理（须写明理由）"]];
const RECEIVED = { original: "收件时已核验原件", upload: "收件时已上传", copy: "收件时已收复印件" };
const SOURCES = { applicant: "申请人提交", "e-licence": "电子证照共享" };

export async function windowPanel(container, taskId, readOnly) {
  const info = await get(`/tasks/${taskId}/window`).catch(() => ({ role: null }));
  if (info.role === "acceptance") return acceptance(container, info, readOnly);
  if (info.role === "delivery") return delivery(container, info, readOnly);
  return null;
}

function radios(name, options, checked, disabled) {
  return options.map(([value, text]) => el("label", { class: "choice" },
    el("input", { type: "radio", name, value, checked: value === checked, disabled }), ` ${text}`));
}

function acceptance(container, info, readOnly) {
  const rows = info.materials.map((m, i) => el("tr", { dataset: { material: m.name } },
    el("td", {}, i + 1),
    el("td", {}, m.name, m.tolerable ? el("span", { class: "badge" }, "可容缺") : ""),
    el("td", {}, m.category === "primary" ? "主要材料" : "次要材料"),
    el("td", {}, SOURCES[m.source] || m.source || ""),
    el("td", {}, m.copies ? `${m.copies} 份` : ""),
    el("td", {}, info.licences?.[m.name] ? `已调取电子证照 ${info.licences[m.name]}`
      : RECEIVED[info.intake?.[m.name]] || el("span", { class: "muted" }, "收件未登记")),
    el("td", { class: "nowrap" }, ...radios(`m-${i}`, STATUSES,
      info.intake?.[m.name] || info.licences?.[m.name] ? "present" : null, readOnly))));
  const due = el("input", { type: "date", name: "supplement_due", disabled: readOnly });
  const reason = el("textarea", { name: "refuse_reason", maxlength: 500, disabled: readOnly,
    placeholder: "不予受理的理由和法律依据，如：依据《中华人民共和国行政许可法》第三十二条……" });
  const box = el("section", { class: "window-panel", id: "acceptance-panel" },
    el("h2", {}, "材料核验与受理决定"),
    el("table", { class: "grid", id: "material-checklist" },
      el("thead", {}, el("tr", {}, ...["序号", "材料", "类别", "来源", "份数", "收件情况", "核验结果"].map((t) => el("th", {}, t)))),
      el("tbody", {}, rows)),
    el("fieldset", { class: "decision" }, el("legend", {}, "受理决定"), ...radios("acceptance", DECISIONS, null, readOnly)),
    el("label", { id: "due-field" }, "补正期限（容缺受理时必填）", due),
    el("label", { id: "reason-field" }, "不予受理理由（不予受理时必填）", reason));
  container.replaceChildren(box);
  return {
    collect() {
      const materials = {};
      info.materials.forEach((m, i) => {
        const picked = box.querySelector(`input[name="m-${i}"]:checked`);
        if (picked) materials[m.name] = picked.value;
      });
      const decision = box.querySelector("input[name=acceptance]:checked")?.value || null;
      return { acceptance: decision, materials, supplement_due: due.value || null, refuse_reason: reason.value.trim() || null };
    },
  };
}

function delivery(container, info, readOnly) {
  const input = (name, label, attrs = {}) => el("label", { dataset: { for: name } }, label,
    el("input", { name, maxlength: 60, disabled: readOnly, ...attrs }));
  const checked = el("input", { type: "checkbox", name: "identity_checked", disabled: readOnly });
  const parts = {
    window: [input("collector_name", "领取人姓名"), input("collector_id_number", "领取人身份证号"),
      el("label", { class: "choice" }, checked, " 已核验领取人身份证件原件")],
    post: [input("carrier", "寄递企业", { placeholder: "如：中国邮政EMS" }), input("tracking_number", "邮寄单号")],
    electronic: [el("p", { class: "hint" }, "结果以电子证照送达申请人，本处只作记录。")],
  };
  const detail = el("div", { class: "delivery-detail" });
  const box = el("section", { class: "window-panel", id: "delivery-panel" }, el("h2", {}, "出件 / 送达"),
    el("fieldset", {}, el("legend", {}, "送达方式"), ...radios("delivery_method", Object.entries(info.methods), null, readOnly)),
    detail);
  box.addEventListener("change", (event) => {
    if (event.target.name === "delivery_method") detail.replaceChildren(...parts[event.target.value]);
  });
  container.replaceChildren(box);
  const value = (name) => box.querySelector(`[name=${name}]`)?.value.trim() || null;
  return {
    collect() {
      const method = box.querySelector("input[name=delivery_method]:checked")?.value || null;
      const out = { delivery_method: method };
      if (method === "window") Object.assign(out, { collector_name: value("collector_name"),
        collector_id_number: value("collector_id_number"), identity_checked: checked.checked });
      if (method === "post") Object.assign(out, { carrier: value("carrier"), tracking_number: value("tracking_number") });
      return out;
    },
  };
}
