// Case data as a readable key/value table; nested values as indented JSON.
import { el } from "./ui.js";

export function renderData(data) {
  const entries = Object.entries(data || {}).filter(([k]) => !k.startsWith("_"));
  if (!entries.length) return el("p", { class: "muted" }, "（无数据）");
  return el("table", { class: "grid kv" }, el("tbody", {}, entries.map(([key, value]) =>
    el("tr", {}, el("th", {}, key), el("td", {}, show(value))))));
}

function show(value) {
  if (value === null || value === undefined) return el("span", { class: "muted" }, "—");
  if (typeof value === "object") return el("pre", {}, JSON.stringify(value, null, 2));
  if (typeof value === "boolean") return value ? "是" : "否";
  return String(value);
}
