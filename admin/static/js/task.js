// 办理: one task. Renders its form-js form (or a key/value editor when the task
// has no form), submits to complete and shows the server's per-field errors inline.
import { get, post, ApiError } from "./api.js";
import { el, flash, formatTime, matterNames, personText, requireSession, scriptData, showError, start, TASK_STATE_NAMES,
  WORKERS } from "./ui.js";
import { renderData } from "./data.js";

const taskId = scriptData("taskId");
const submitButton = document.getElementById("submit");
const errorBox = document.getElementById("form-errors");
let session, task, form, busy = false;

start(async () => {
  session = await requireSession();
  task = await get(`/tasks/${taskId}`);
  const caseInfo = await get(`/cases/${task.case_id}`).catch(() => null);
  renderHeader(caseInfo, await matterNames());
  const schema = formSchema(task);
  const worker = WORKERS.includes(session.role); // auditors and supervisors look, never act
  if (schema) await renderForm(schema, initialData(caseInfo), !worker);
  else if (worker) renderFreeForm();
  renderButtons();
  submitButton.addEventListener("click", submit);
});

// The API sends the task's form-js schema; accept it bare or wrapped with its key and version.
function formSchema(task) {
  const form = task.form;
  if (form && Array.isArray(form.components)) return form;
  if (form && form.schema && Array.isArray(form.schema.components)) return form.schema;
  if (task.form_schema && Array.isArray(task.form_schema.components)) return task.form_schema;
  return null;
}

// What the clerk already knows: the task's own data, else the case data (only keys the form has are submitted).
function initialData(caseInfo) {
  return { ...(caseInfo?.data || {}), ...(task.data || {}) };
}

function renderHeader(caseInfo, names) {
  document.getElementById("task-title").textContent = `办理：${task.name || "任务"}`;
  document.title = `${task.name || "办理"} · 通办`;
  const link = document.getElementById("case-link");
  link.href = `/cases/${task.case_id}`;
  link.hidden = false;
  const number = caseInfo?.number || task.case_number || `#${task.case_id}`;
  const meta = document.getElementById("task-meta");
  const items = [
    ["办件编号", el("a", { href: `/cases/${task.case_id}` }, number)],
    ["事项", names.get(caseInfo?.process) || caseInfo?.process || ""],
    ["办理组", task.lane || ""],
    ["状态", TASK_STATE_NAMES[task.state] || task.state],
    ["签收人", personText(task.assignee, task.assignee_name, task.assignee_department) || "未签收"],
    ["到达时间", formatTime(task.created_at)],
  ];
  meta.replaceChildren(...items.filter(([, v]) => v !== "").flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  if (caseInfo?.data) {
    const details = el("details", { class: "card case-data" }, el("summary", {}, "申请信息（办件数据）"), renderData(caseInfo.data));
    meta.after(details);
  }
}

async function renderForm(schema, data, readOnly) {
  form = new window.FormViewer.Form({ container: document.getElementById("form"), properties: { readOnly } });
  await form.importSchema(schema, data);
}

function renderFreeForm() {
  document.getElementById("free-form").hidden = false;
  document.getElementById("kv-add").addEventListener("click", () => addRow("", ""));
  addRow("", "");
}

function addRow(key, value) {
  const remove = el("button", { type: "button", class: "link", title: "删除此行" }, "删除");
  const row = el("tr", {},
    el("td", {}, el("input", { name: "key", value: key, "aria-label": "字段名" })),
    el("td", {}, el("input", { name: "value", value, "aria-label": "值" })),
    el("td", {}, remove));
  remove.addEventListener("click", () => row.remove());
  document.querySelector("#kv tbody").append(row);
}

// Values typed as JSON (true, 12, "x", {...}) keep their type; anything else is text.
function freeData() {
  const data = {};
  for (const row of document.querySelectorAll("#kv tbody tr")) {
    const key = row.querySelector("[name=key]").value.trim();
    if (!key) continue;
    const text = row.querySelector("[name=value]").value;
    try { data[key] = JSON.parse(text); } catch { data[key] = text; }
  }
  return data;
}

function renderButtons() {
  const ready = task.state === "READY";
  const mine = task.assignee === session.user;
  const worker = WORKERS.includes(session.role);
  submitButton.hidden = !worker;
  submitButton.disabled = !worker || !ready || (task.assignee && !mine && session.role !== "admin");
  if (!ready) {
    errorBox.hidden = false;
    errorBox.className = "notice";
    errorBox.textContent = "该任务已不在待办状态，不能再提交。";
  }
  const claim = document.getElementById("claim");
  const unclaim = document.getElementById("unclaim");
  claim.hidden = !(worker && ready && !task.assignee);
  unclaim.hidden = !(worker && ready && mine);
  claim.onclick = () => change("claim", "已签收");
  unclaim.onclick = () => change("unclaim", "已取消签收");
}

async function change(action, message) {
  try {
    task = { ...task, ...(await post(`/tasks/${taskId}/${action}`)) };
    if (action === "claim") task.assignee = task.assignee || session.user;
    if (action === "unclaim") task.assignee = null;
    flash(message);
    renderButtons();
  } catch (error) {
    showError(error);
  }
}

async function submit() {
  if (busy) return; // one completion per click, however impatient
  busy = true;
  submitButton.disabled = true;
  submitButton.textContent = "提交中…";
  clearErrors();
  try {
    await post(`/tasks/${taskId}/complete`, { data: collect() });
    sessionStorage.setItem("tongban.flash", `已提交：${task.name}`);
    location.href = "/inbox";
    return;
  } catch (error) {
    if (error instanceof ApiError && error.status === 422 && error.details) showFieldErrors(error);
    else showError(error);
  }
  busy = false;
  submitButton.disabled = false;
  submitButton.textContent = "提交办理";
}

// The server validates every field and answers in Chinese, so form-js's own
// (English) client messages are cleared and the server's shown instead.
function collect() {
  if (!form) return freeData();
  const { data } = form.submit();
  form._setState({ errors: {} });
  return data;
}

function clearErrors() {
  errorBox.hidden = true;
  errorBox.replaceChildren();
  document.querySelectorAll("#kv .invalid").forEach((n) => n.classList.remove("invalid"));
}

function showFieldErrors(error) {
  const details = typeof error.details === "object" ? error.details : {};
  const fields = form ? form.get("formFieldRegistry").getAll() : [];
  const byKey = new Map(fields.filter((f) => f.key).map((f) => [f.key, f]));
  const inline = {};
  const lines = [];
  for (const [path, message] of Object.entries(details)) {
    const field = byKey.get(path) || byKey.get(path.split(".").pop());
    const text = Array.isArray(message) ? message.join("；") : String(message);
    if (field) inline[field.id] = [text];
    const label = field?.label || (path === "__root__" || path === "" ? "表单" : path);
    lines.push(el("li", {}, `${label}：${text}`));
    markFreeRow(path);
  }
  if (form) form._setState({ errors: inline });
  errorBox.className = "error-box";
  errorBox.replaceChildren(el("strong", {}, error.message || "表单数据未通过校验"), el("ul", {}, lines));
  errorBox.hidden = false;
}

function markFreeRow(path) {
  for (const row of document.querySelectorAll("#kv tbody tr")) {
    const input = row.querySelector("[name=key]");
    if (input.value.trim() === path) input.classList.add("invalid");
  }
}
