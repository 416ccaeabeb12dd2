// What the organisation pages share: departments as a tree, select options, error lists.
import { get } from "./api.js";
import { el } from "./ui.js";

export const KIND_NAMES = { department: "部门", section: "科室", team: "专班" };

export async function loadDepartments() {
  return (await get("/departments")).items || [];
}

// Departments in tree order with their depth: [{dept, depth}], children under their parent.
export function treeOrder(departments) {
  const children = new Map();
  for (const d of departments) {
    const key = d.parent || "";
    if (!children.has(key)) children.set(key, []);
    children.get(key).push(d);
  }
  const codes = new Set(departments.map((d) => d.code));
  const out = [];
  const walk = (key, depth) => {
    for (const d of children.get(key) || []) {
      out.push({ dept: d, depth });
      walk(d.code, depth + 1);
    }
  };
  walk("", 0);
  // A parent the list does not hold (should not happen): show its children at the top.
  for (const [key] of children) if (key && !codes.has(key)) walk(key, 0);
  return out;
}

// <option>s for a department select, indented by depth, after the select's first (empty) option.
export function fillDepartmentSelect(select, departments, selected) {
  const first = select.options[0];
  select.replaceChildren(first, ...treeOrder(departments).map(({ dept, depth }) =>
    el("option", { value: dept.code, selected: dept.code === selected }, `${"　".repeat(depth)}${dept.name}（${dept.code}）`)));
  select.value = selected || "";
}

// A 422's details as a list a person can read.
export function problemList(details) {
  if (!details || typeof details !== "object") return null;
  return el("ul", {}, Object.entries(details).map(([k, v]) =>
    el("li", {}, typeof v === "string" ? v : `${k}：${JSON.stringify(v)}`)));
}

export function showProblem(box, error) {
  box.replaceChildren(el("strong", {}, error.message), problemList(error.details));
  box.hidden = false;
}
