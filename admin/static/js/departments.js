// 部门与办理组: the department tree (create, rename, move) and the candidate groups lanes name.
import { api, get, post } from "./api.js";
import { el, flash, requireSession, showError, start } from "./ui.js";
import { fillDepartmentSelect, KIND_NAMES, loadDepartments, showProblem, treeOrder } from "./org.js";

let departments = [], editingDept = null, editingGroup = null;

start(async () => {
  await requireSession();
  document.getElementById("dept-form").addEventListener("submit", saveDepartment);
  document.getElementById("dept-cancel").addEventListener("click", () => editDepartment(null));
  document.getElementById("group-form").addEventListener("submit", saveGroup);
  document.getElementById("group-cancel").addEventListener("click", () => editGroup(null));
  await load();
});

async function load() {
  departments = await loadDepartments();
  renderTree();
  fillDepartmentSelect(document.querySelector("#dept-form [name=parent]"), departments, editingDept?.parent || "");
  fillDepartmentSelect(document.querySelector("#group-form [name=department]"), departments, editingGroup?.department || "");
  const groups = (await get("/groups")).items || [];
  document.querySelector("#groups tbody").replaceChildren(...groups.map((g) => {
    const edit = el("button", { type: "button", dataset: { action: "edit-group" } }, "修改");
    edit.addEventListener("click", () => editGroup(g));
    return el("tr", { dataset: { name: g.name } },
      el("td", {}, g.name), el("td", {}, g.display_name), el("td", {}, KIND_NAMES[g.kind] || g.kind),
      el("td", {}, g.department_name || el("span", { class: "muted" }, "—")),
      el("td", {}, g.member_count ? String(g.member_count) : el("span", { class: "warn" }, "0（无人）")),
      el("td", { class: "actions" }, edit, el("a", { class: "button", href: `/people?group=${encodeURIComponent(g.name)}` }, "人员")));
  }));
}

function renderTree() {
  const nodes = new Map();
  const root = document.getElementById("tree");
  root.replaceChildren();
  for (const { dept } of treeOrder(departments)) {
    const edit = el("button", { type: "button", class: "link", dataset: { action: "edit-department" } }, "修改");
    edit.addEventListener("click", () => editDepartment(dept));
    const children = el("ul");
    const li = el("li", { dataset: { code: dept.code } },
      el("span", { class: "node" }, el("strong", {}, dept.name), el("span", { class: "sub" }, ` ${dept.code} `), edit), children);
    nodes.set(dept.code, children);
    (nodes.get(dept.parent) || root).append(li);
  }
  document.getElementById("tree-empty").hidden = departments.length > 0;
}

function editDepartment(dept) {
  editingDept = dept;
  const form = document.getElementById("dept-form");
  form.reset();
  form.elements.namedItem("code").value = dept?.code || "";
  form.elements.namedItem("code").readOnly = !!dept;
  form.elements.namedItem("name").value = dept?.name || "";
  fillDepartmentSelect(form.elements.namedItem("parent"), departments.filter((d) => d.code !== dept?.code), dept?.parent || "");
  document.getElementById("dept-form-title").textContent = dept ? `修改部门：${dept.name}` : "新建部门";
  document.getElementById("dept-save").textContent = dept ? "保存" : "新建部门";
  document.getElementById("dept-cancel").hidden = !dept;
  document.getElementById("dept-error").hidden = true;
}

async function saveDepartment(event) {
  event.preventDefault();
  const form = event.target;
  const value = (name) => form.elements.namedItem(name).value.trim();
  try {
    if (editingDept) {
      await api("PATCH", `/departments/${encodeURIComponent(editingDept.code)}`,
        { json: { name: value("name"), parent: value("parent") || null } });
      flash(`已保存：${value("name")}`, "success");
    } else {
      await post("/departments", { code: value("code"), name: value("name"), parent: value("parent") || null });
      flash(`已新建部门：${value("name")}`, "success");
    }
    editDepartment(null);
    await load();
  } catch (error) {
    showProblem(document.getElementById("dept-error"), error);
  }
}

function editGroup(group) {
  editingGroup = group;
  const form = document.getElementById("group-form");
  form.reset();
  form.elements.namedItem("name").value = group?.name || "";
  form.elements.namedItem("name").readOnly = !!group; // lanes use the name
  form.elements.namedItem("display_name").value = group?.display_name || "";
  form.elements.namedItem("kind").value = group?.kind || "team";
  fillDepartmentSelect(form.elements.namedItem("department"), departments, group?.department || "");
  document.getElementById("group-form-title").textContent = group ? `修改办理组：${group.name}` : "新建办理组";
  document.getElementById("group-save").textContent = group ? "保存" : "新建办理组";
  document.getElementById("group-cancel").hidden = !group;
  document.getElementById("group-error").hidden = true;
}

async function saveGroup(event) {
  event.preventDefault();
  const form = event.target;
  const value = (name) => form.elements.namedItem(name).value.trim();
  const body = { display_name: value("display_name") || value("name"), kind: value("kind"),
    department: value("department") || null };
  try {
    if (editingGroup) await api("PATCH", `/groups/${encodeURIComponent(editingGroup.name)}`, { json: body });
    else await post("/groups", { ...body, name: value("name") });
    flash(`已保存办理组：${value("name")}`, "success");
    editGroup(null);
    await load();
  } catch (error) {
    showProblem(document.getElementById("group-error"), error);
  }
}
