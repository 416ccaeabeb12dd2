// 办理: one task. Renders its form-js form (or a key/value editor when the task
// has no form), submits to complete and shows the server's per-field errors inline.
import { api, get, post, ApiError } from "./api.js";
import { caseXml, paint, progress, showDiagram } from "./diagram.js";
import { el, flash, formatTime, matterNames, personText, requireSession, scriptData, showError, start, TASK_STATE_NAMES,
  WORKERS } from "./ui.js";
import { caseLabels, renderData } from "./data.js";
import { windowPanel } from "./window_panel.js";

const taskId = scriptData("taskId");
const submitButton = document.getElementById("submit");
const errorBox = document.getElementById("form-errors");
let session, task, form, caseInfo, panel, busy = false;

start(async () => {
  session = await requireSession();
  task = await get(`/tasks/${taskId}`);
  caseInfo = await get(`/cases/${task.case_id}`).catch(() => null);
  renderHeader(caseInfo, await matterNames(), await caseLabels(task.case_id));
  const schema = formSchema(task);
  const worker = WORKERS.includes(session.role); // auditors and supervisors look, never act
  if (schema) await renderForm(schema, initialData(caseInfo), !worker);
  else if (worker) renderFreeForm();
  panel = await windowPanel(document.getElementById("window-panel"), taskId, !worker || task.state !== "READY");
  renderButtons();
  submitButton.addEventListener("click", submit);
  await Promise.all([renderOperations(), renderOpinions(), renderAttachments(), renderDiagram()]);
  document.getElementById("upload").addEventListener("submit", upload);
});

// ---- 办理操作: each one the rules allow, each with a reason dialog --------------------

function operator() {
  if (session.role === "admin") return true;
  if (session.role !== "clerk") return false;
  if (task.assignee) return task.assignee === session.user;
  return !task.lane || (session.groups || []).includes(task.lane);
}

async function renderOperations() {
  const box = document.getElementById("operations");
  const ready = task.state === "READY", open = ready || task.state === "WAITING";
  const worker = ["clerk", "admin"].includes(session.role);
  const own = operator() && task.kind === "task" && task.delegation !== "pending";
  const ops = [];
  if (ready && own) {
    const targets = (await get(`/tasks/${taskId}/return-targets`).catch(() => ({ items: [] }))).items;
    if (targets.length) ops.push(["退回", "return", [
      { name: "to", label: "退回到", type: "select", options: targets.map((t) => [t.element_id, t.name]) },
      { name: "reason", label: "退回理由", type: "textarea", required: true }]]);
    ops.push(["转办", "transfer", [{ name: "to", label: "转办给（用户名）", required: true },
      { name: "reason", label: "理由", type: "textarea" }]]);
    ops.push(["委派", "delegate", [{ name: "to", label: "委派给（用户名）", required: true },
      { name: "reason", label: "委派说明", type: "textarea" }]]);
    ops.push(["加签", "sign", [{ name: "users", label: "加签人（用户名，多人用逗号分隔）", required: true, list: true },
      { name: "position", label: "加签方式", type: "select", options: [["before", "前加签：加签人先办"], ["after", "后加签：我办理后加签人再办"]] },
      { name: "reason", label: "理由", type: "textarea" }]]);
    if (!caseInfo?.correction?.open) ops.push(["补正告知", "correction", [
      { name: "items", label: "需补正的材料和问题（每行一项：材料名称：问题）", type: "textarea", required: true },
      { name: "reason", label: "说明", type: "textarea" }]]);
  }
  const signers = task.signers || [];
  if (open && own && signers.length) ops.push(["减签", "unsign", [
    { name: "users", label: "减去的加签人", type: "select", list: true,
      options: signers.map((s) => [s.assignee, `${s.assignee}（${TASK_STATE_NAMES[s.state] || s.state}）`]) },
    { name: "reason", label: "理由", type: "textarea" }]]);
  if (open && worker) ops.push(["抄送", "cc", [{ name: "users", label: "抄送给（用户名，逗号分隔）", required: true, list: true },
    { name: "note", label: "说明", type: "textarea" }]]);
  if (open && !operator() && session.role !== "auditor") ops.push(["催办", "urge", [
    { name: "message", label: "催办内容", type: "textarea" }]]);
  if (task.state === "COMPLETED" && task.completed_by === session.user && task.kind === "task") ops.push(["撤回", "withdraw", [
    { name: "reason", label: "撤回理由", type: "textarea", required: true }]]);
  box.replaceChildren(...ops.map(([label, action, fields]) => {
    const b = el("button", { type: "button", dataset: { op: action } }, label);
    b.addEventListener("click", () => ask(label, action, fields));
    return b;
  }));
  document.getElementById("no-operations").hidden = ops.length > 0;
  const notice = document.getElementById("task-notice");
  const lines = [];
  if (caseInfo?.correction?.open) lines.push(`本办件有未答复的补正告知（${caseInfo.correction.items.length} 项），待补正后继续办理。`);
  if (task.state === "WAITING") lines.push("本任务正在等待加签人办理或补正。");
  if (task.delegation === "pending") lines.push(`本任务由 ${task.owner} 委派，办理后交回 ${task.owner} 确认。`);
  if (task.delegation === "resolved" && task.pending_data) lines.push(
    `受托人 ${task.pending_data.by} 已办理并交回：${task.pending_data.opinion || "（无意见）"}。请确认后提交办理。`);
  if (task.urge_count) lines.push(`本任务已被催办 ${task.urge_count} 次。`);
  notice.textContent = lines.join(" ");
  notice.hidden = lines.length === 0;
}

function ask(title, action, fields) {
  const dialog = document.getElementById("op-dialog");
  document.getElementById("op-title").textContent = title;
  document.getElementById("op-fields").replaceChildren(...fields.map((f) => el("label", {}, f.label,
    f.type === "select" ? el("select", { name: f.name }, ...f.options.map(([v, t]) => el("option", { value: v }, t)))
      : f.type === "textarea" ? el("textarea", { name: f.name, required: f.required, maxlength: 1000 })
        : el("input", { name: f.name, required: f.required, maxlength: 300 }))));
  const formEl = document.getElementById("op-form");
  document.getElementById("op-cancel").onclick = () => dialog.close();
  formEl.onsubmit = async (event) => {
    event.preventDefault();
    const body = {};
    for (const f of fields) {
      const value = formEl.elements[f.name].value.trim();
      body[f.name] = f.list ? value.split(/[,，\s]+/).filter(Boolean) : value;
    }
    try {
      await perform(action, body);
      dialog.close();
      sessionStorage.setItem("tongban.flash", `已${title}：${task.name}`);
      location.href = ["urge", "cc", "withdraw"].includes(action) ? location.href : "/inbox";
    } catch (error) {
      showError(error);
    }
  };
  dialog.showModal();
}

async function perform(action, body) {
  if (action === "correction") {
    const items = body.items.split(/\n+/).map((line) => line.trim()).filter(Boolean).map((line) => {
      const [material, ...rest] = line.split(/[:：]/);
      return { material: material.trim(), problem: (rest.join("：") || "需补正").trim() };
    });
    return post(`/cases/${task.case_id}/correction`, { items, reason: body.reason || null });
  }
  if (action === "cc" && !body.note) body.note = "";
  if (action === "urge" && !body.message) body.message = "";
  return post(`/tasks/${taskId}/${action}`, body);
}

// ---- what the clerk needs to decide: opinions, attachments, where the case is --------

function renderOpinions() {
  const list = caseInfo?.opinions || [];
  document.getElementById("opinions").replaceChildren(...(list.length ? list.map((o) => el("li", {},
    el("strong", {}, o.name), ` · ${o.by || ""} · ${formatTime(o.at)}`, el("div", {}, o.opinion)))
    : [el("li", { class: "muted" }, "暂无意见")]));
}

async function renderAttachments() {
  const { items } = await get(`/cases/${task.case_id}/attachments`).catch(() => ({ items: [] }));
  document.querySelector("#attachments tbody").replaceChildren(...items.map((a) => el("tr", {},
    el("td", { "data-label": "名称" }, el("a", { href: `/api/v1/cases/${task.case_id}/attachments/${a.id}` }, a.name)),
    el("td", { "data-label": "大小" }, `${Math.ceil(a.size / 1024)} KB`),
    el("td", { "data-label": "上传人" }, a.uploaded_by),
    el("td", { "data-label": "时间" }, formatTime(a.uploaded_at)),
    el("td", { "data-label": "SHA-256", class: "sub" }, a.sha256.slice(0, 16) + "…"))));
  document.getElementById("upload").hidden = !["clerk", "admin"].includes(session.role) || task.state !== "READY";
}

async function upload(event) {
  event.preventDefault();
  const input = event.target.elements.file;
  if (!input.files.length) return;
  const data = new FormData();
  data.append("file", input.files[0]);
  try {
    await api("POST", `/tasks/${taskId}/attachments`, { form: data });
    flash(`已上传：${input.files[0].name}`, "success");
    input.value = "";
    await renderAttachments();
  } catch (error) {
    showError(error);
  }
}

async function renderDiagram() {
  try {
    const [xml, trail] = await Promise.all([caseXml(task.case_id), get(`/cases/${task.case_id}/trail`, { limit: 1000 })]);
    const viewer = await showDiagram(document.getElementById("diagram"), xml);
    paint(viewer, progress(trail.events, trail.events.length));
  } catch (error) {
    document.getElementById("diagram").replaceChildren(el("p", { class: "diagram-note" }, `流程图无法显示：${error.message}`));
  }
}

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

function renderHeader(caseInfo, names, labels) {
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
    const details = el("details", { class: "card case-data" }, el("summary", {}, "申请信息（办件数据）"), renderData(caseInfo.data, labels));
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
    const opinion = document.getElementById("opinion").value.trim() || null;
    await post(`/tasks/${taskId}/complete`, { data: collect(), opinion });
    sessionStorage.setItem("tongban.flash", `已提交：${task.name}`);
    // After a window step the clerk prints the notice or sees the delivery on the case page.
    location.href = panel ? `/cases/${task.case_id}` : "/inbox";
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
  const extra = panel ? panel.collect() : {};
  if (!form) return { ...freeData(), ...extra };
  const { data } = form.submit();
  form._setState({ errors: {} });
  return { ...data, ...extra };
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
    const label = field?.label || WINDOW_FIELDS[path] || (path.startsWith("materials.") ? `材料「${path.slice(10)}」` : null)
      || (path === "__root__" || path === "" ? "表单" : path);
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

// The front window's keys (window_panel.js), named in error lists.
const WINDOW_FIELDS = { acceptance: "受理决定", materials: "材料核验", supplement_due: "补正期限", refuse_reason: "不予受理理由",
  delivery_method: "送达方式", collector_name: "领取人姓名", collector_id_number: "领取人身份证号",
  identity_checked: "身份核验", carrier: "寄递企业", tracking_number: "邮寄单号" };
