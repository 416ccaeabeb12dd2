// Case data as a readable table: each key under its form label, each option under its text
// (labels from GET /cases/{id}/labels; a key no form describes is shown as it is).
import { get } from "./api.js";
import { el } from "./ui.js";

export function renderData(data, labels = {}) {
  const entries = Object.entries(data || {}).filter(([k]) => !k.startsWith("_"));
  if (!entries.length) return el("p", { class: "muted" }, "（无数据）");
  return el("table", { class: "grid kv" }, el("tbody", {}, entries.map(([key, value]) =>
    el("tr", { dataset: { key } }, el("th", {}, labels[key]?.label || key), el("td", {}, show(value, labels[key], labels))))));
}

// The labels of a case's forms, or none (the table then shows keys).
export function caseLabels(caseId) {
  return get(`/cases/${caseId}/labels`).then((r) => r.labels || {}).catch(() => ({}));
}

function optionText(value, label) {
  const options = label?.options;
  if (!options) return null;
  const key = typeof value === "boolean" ? String(value) : String(value);
  return options[key] ?? null;
}

function show(value, label, labels) {
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) {
    return el("span", { class: "muted" }, "—");
  }
  const text = optionText(value, label);
  if (text !== null) return text;
  if (typeof value === "boolean") return value ? "是" : "否";
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== "object" || v === null)) return value.map((v) => optionText(v, label) ?? String(v)).join("、");
    return el("pre", {}, JSON.stringify(value, null, 2));
  }
  if (typeof value === "object") {
    // A nested object: its keys by label too (材料核验: 材料名称 → 齐全/缺失), one line each.
    return el("ul", { class: "plain" }, Object.entries(value).map(([k, v]) => el("li", {},
      `${labels[k]?.label || k}：`, typeof v === "object" && v !== null ? JSON.stringify(v) : (optionText(v, label) ?? show(v, labels[k], labels)))));
  }
  return String(value);
}
