// 人员: search, create, edit, move, disable/enable, reset password, sessions (admins only).
import { api, get, post } from "./api.js";
import { el, flash, formatTime, requireSession, ROLE_NAMES, showError, start } from "./ui.js";
import { fillDepartmentSelect, loadDepartments, showProblem } from "./org.js";

const PER_PAGE = 50;
let departments = [], groups = [], page = 1, editing = null, sessionsOf = null;

start(async () => {
  await requireSession();
  [departments, groups] = await Promise.all([loadDepartments(), get("/groups").then((r) => r.items || [])]);
  const filters = document.getElementById("filters");
  fillDepartmentSelect(filters.elements.namedItem("department"), departments, "");
  const roles = document.querySelector("#person-form [name=role]");
  roles.replaceChildren(...Object.entries(ROLE_NAMES).map(([value, label]) => el("option", { value }, label)));
  filters.addEventListener("submit", (event) => { event.preventDefault(); page = 1; load().catch(showError); });
  document.getElementById("prev").addEventListener("click", () => { page -= 1; load().catch(showError); });
  document.getElementById("next").addEventListener("click", () => { page += 1; load().catch(showError); });
  document.getElementById("new-person").addEventListener("click", () => openEditor(null));
  document.getElementById("person-cancel").addEventListener("click", () => document.getElementById("person-dialog").close());
  document.getElementById("person-form").addEventListener("submit", save);
  document.getElementById("sessions-close").addEventListener("click", () => document.getElementById("sessions-dialog").close());
  document.getElementById("end-sessions").addEventListener("click", endSessions);
  await load();
});

async function load() {
  const form = document.getElementById("filters");
  const value = (name) => form.elements.namedItem(name).value;
  const result = await get("/users", { q: value("q"), department: value("department"), active: value("active"),
    group: new URLSearchParams(location.search).get("group"),
    page, per_page: PER_PAGE });
  const items = result.items || [];
  document.querySelector("#people tbody").replaceChildren(...items.map(row));
  document.getElementById("empty").hidden = items.length > 0;
  const pages = Math.max(1, Math.ceil(result.total / PER_PAGE));
  document.getElementById("page-info").textContent = `第 ${page} / ${pages} 页，共 ${result.total} 人`;
  document.getElementById("prev").disabled = page <= 1;
  document.getElementById("next").disabled = page >= pages;
}

function groupLabel(name) {
  const g = groups.find((x) => x.name === name);
  return g && g.display_name && g.display_name !== name ? `${g.display_name}（${name}）` : name;
}

function row(user) {
  const button = (label, action, handler) => {
    const b = el("button", { type: "button", dataset: { action } }, label);
    b.addEventListener("click", () => handler(user, b));
    return b;
  };
  return el("tr", { dataset: { name: user.name }, class: user.active ? null : "inactive" },
    el("td", {}, user.display_name),
    el("td", {}, user.name),
    el("td", {}, user.department_name || el("span", { class: "muted" }, "—")),
    el("td", {}, user.position || ""),
    el("td", {}, ROLE_NAMES[user.role] || user.role),
    el("td", {}, (user.groups || []).map(groupLabel).join("、")),
    el("td", {}, user.active ? "启用" : el("span", { class: "muted" }, "已停用"),
      user.password_change_required ? el("div", { class: "sub" }, "待改密码") : null),
    el("td", { class: "actions" },
      button("编辑", "edit", (u) => openEditor(u)),
      user.active ? button("停用", "disable", (u, b) => setActive(u, false, b)) : button("启用", "enable", (u, b) => setActive(u, true, b)),
      button("重置密码", "reset", resetPassword),
      button("会话", "sessions", showSessions)));
}

function openEditor(user) {
  editing = user;
  const form = document.getElementById("person-form");
  form.reset();
  document.getElementById("person-error").hidden = true;
  document.getElementById("person-title").textContent = user ? `编辑人员：${user.display_name}` : "新建人员";
  const field = (name) => form.elements.namedItem(name);
  field("name").value = user?.name || "";
  field("name").readOnly = !!user;
  form.querySelector(".create-only").hidden = !!user;
  field("display_name").value = user?.display_name || "";
  field("role").value = user?.role || "clerk";
  field("position").value = user?.position || "";
  field("phone").value = user?.phone || "";
  fillDepartmentSelect(field("department"), departments, user?.department || "");
  const mine = new Set(user?.groups || []);
  document.getElementById("group-choices").replaceChildren(...groups.map((g) =>
    el("label", { class: "check" }, el("input", { type: "checkbox", name: "groups", value: g.name, checked: mine.has(g.name) }),
      groupLabel(g.name))));
  document.getElementById("person-dialog").showModal();
}

async function save(event) {
  event.preventDefault();
  const form = document.getElementById("person-form");
  const field = (name) => form.elements.namedItem(name).value.trim();
  const body = {
    display_name: field("display_name"), role: field("role"), department: field("department") || null,
    position: field("position"), phone: field("phone"),
    groups: [...form.querySelectorAll("input[name=groups]:checked")].map((c) => c.value),
  };
  try {
    if (editing) {
      await api("PATCH", `/users/${encodeURIComponent(editing.name)}`, { json: body });
      flash(`已保存：${body.display_name}`, "success");
    } else {
      const password = form.elements.namedItem("password").value;
      const made = await post("/users", { ...body, name: field("name"), ...(password ? { password } : {}) });
      if (made.password) showSecret(`${made.display_name}（${made.name}）的初始密码`, made.password);
      else flash(`已新建：${made.display_name}`, "success");
    }
    document.getElementById("person-dialog").close();
    await load();
  } catch (error) {
    showProblem(document.getElementById("person-error"), error);
  }
}

// A password is shown once, here, and never again.
function showSecret(label, password) {
  const box = document.getElementById("secret");
  box.replaceChildren(`${label}：`, el("code", { id: "secret-password" }, password),
    "（只显示这一次，请当面告知本人；首次登录须修改）");
  box.hidden = false;
}

async function setActive(user, active, button) {
  if (!active && !confirm(`停用 ${user.display_name}？其已签收的待办将退回所在办理组，登录会话全部结束。`)) return;
  button.disabled = true;
  try {
    const result = await api("PATCH", `/users/${encodeURIComponent(user.name)}`, { json: { active } });
    const released = (result.released_tasks || []).length;
    flash(active ? `已启用：${user.display_name}` : `已停用：${user.display_name}` + (released ? `，${released} 项待办已退回办理组` : ""), "success");
    await load();
  } catch (error) {
    showError(error);
    button.disabled = false;
  }
}

async function resetPassword(user) {
  if (!confirm(`为 ${user.display_name} 重置密码？其登录会话将全部结束。`)) return;
  try {
    const { password } = await post(`/users/${encodeURIComponent(user.name)}/password`);
    showSecret(`${user.display_name}（${user.name}）的新密码`, password);
    await load();
  } catch (error) {
    showError(error);
  }
}

async function showSessions(user) {
  sessionsOf = user;
  document.getElementById("sessions-title").textContent = `登录会话：${user.display_name}`;
  await renderSessions();
  document.getElementById("sessions-dialog").showModal();
}

async function renderSessions() {
  const items = (await get(`/users/${encodeURIComponent(sessionsOf.name)}/sessions`)).items || [];
  const now = Date.now();
  document.querySelector("#sessions tbody").replaceChildren(...(items.length ? items.map((s) => el("tr", {},
    el("td", {}, s.id), el("td", {}, formatTime(s.created_at)), el("td", {}, formatTime(s.expires_at)),
    el("td", {}, s.revoked_at ? "已结束" : new Date(s.expires_at) < now ? "已过期" : "在线"))) :
    [el("tr", {}, el("td", { colspan: 4, class: "muted" }, "没有登录记录"))]));
}

async function endSessions() {
  try {
    const { ended } = await api("DELETE", `/users/${encodeURIComponent(sessionsOf.name)}/sessions`);
    flash(`已下线 ${ended} 个会话`, "success");
    await renderSessions();
  } catch (error) {
    showError(error);
  }
}
