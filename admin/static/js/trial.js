// 试运行: start a sandbox run of the draft with sample data and move its token one task at a time.
import { api, get, post } from "./api.js";
import { paint, showDiagram } from "./diagram.js";
import { el, flash, requireSession, scriptData, showError, start } from "./ui.js";
import { ANALYSTS, bpmnFileOf, elementLabel, loadDraft } from "./workbench.js";

const key = scriptData("key");
let viewer, names = new Map(), draftFiles = new Map();

start(async () => {
  const session = await requireSession();
  if (!ANALYSTS.includes(session.role)) throw new Error("只有流程分析员和管理员可以试运行");
  const draft = await loadDraft(key);
  if (!draft) throw new Error("还没有草稿：请先在建模页保存草稿");
  draftFiles = draft.files;
  viewer = await showDiagram(document.getElementById("trial-canvas"), draft.files.get(bpmnFileOf(draft.files)));
  viewer.get("elementRegistry").forEach((e) => names.set(e.id, elementLabel(e.businessObject)));
  const button = document.getElementById("trial-start");
  button.addEventListener("click", () => begin().catch(showError));
  button.disabled = false; // ready only once the diagram is drawn and the click is heard
});

function jsonOf(text) {
  try {
    const value = JSON.parse(text || "{}");
    if (value && typeof value === "object" && !Array.isArray(value)) return value;
  } catch { /* reported below */ }
  throw new Error("数据须是 JSON 对象，例如 {\"decision\": \"approve\"}");
}

async function begin() {
  const data = jsonOf(document.getElementById("trial-data").value);
  show(await post(`/drafts/${encodeURIComponent(key)}/trials`, { data }));
}

function show(trial) {
  if (!trial.error) document.getElementById("flash").hidden = true; // an earlier step's message is past
  paint(viewer, { done: new Set(trial.completed), ready: new Set([...trial.active, ...(trial.waiting || [])]), step: null });
  const status = trial.error ? `出错：${trial.error}` : trial.finished ? "已走完全程" : `进行中：${trial.active.length} 个环节待办`;
  document.getElementById("trial-status").textContent = status;
  if (trial.error) flash(trial.error, "error");
  document.querySelector("#trial-tasks tbody").replaceChildren(...trial.tasks.map((task) => {
    // A task with a form is filled in through that form (the draft's copy, else the deployed one).
    const input = el("textarea", { rows: 1, "aria-label": `${task.name} 提交数据` }, "{}");
    const holder = el("div", { class: "trial-form" });
    const form = task.form ? renderForm(holder, task.form) : null;
    // Answers no form holds (e.g. the front window's acceptance checklist, a delivery record) as JSON.
    const extra = el("textarea", { rows: 1, class: "trial-extra", placeholder: "其他数据（JSON，可选）",
      "aria-label": `${task.name} 其他数据` });
    const button = el("button", { type: "button" }, "完成");
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        let data;
        if (form) {
          const result = (await form).submit();
          if (Object.keys(result.errors || {}).length) throw new Error("请先按表单填好必填项");
          data = { ...result.data, ...jsonOf(extra.value) };
        } else data = jsonOf(input.value);
        show(await api("POST", `/trials/${encodeURIComponent(trial.id)}/tasks/${encodeURIComponent(task.id)}/complete`,
          { json: { data } }));
      } catch (error) { button.disabled = false; showError(error); }
    });
    return el("tr", { dataset: { element: task.element_id } }, el("td", {}, task.name || names.get(task.element_id) || "（未命名元素）"),
      el("td", {}, task.lane || ""), el("td", {}, form ? [holder, extra] : input), el("td", {}, button));
  }));
  document.querySelector("#trial-waits tbody").replaceChildren(...(trial.waits || []).map((wait) => {
    const input = el("textarea", { rows: 1, "aria-label": `${wait.name} 消息内容` }, "{}");
    const button = el("button", { type: "button" }, wait.kind === "timer" ? "期限届满" : "消息到达");
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        show(await api("POST", `/trials/${encodeURIComponent(trial.id)}/waits/${encodeURIComponent(wait.element_id)}`,
          { json: { data: wait.kind === "timer" ? {} : jsonOf(input.value) } }));
      } catch (error) { button.disabled = false; showError(error); }
    });
    return el("tr", { dataset: { element: wait.element_id } }, el("td", {}, wait.name),
      el("td", {}, wait.kind === "timer" ? "定时器" : `消息「${wait.message}」`),
      el("td", {}, wait.kind === "timer" ? "" : input), el("td", {}, button));
  }));
  document.getElementById("trial-path").replaceChildren(...trial.completed.map((id) => el("li", {}, names.get(id) || "（未命名元素）")));
  document.getElementById("trial-vars").textContent = JSON.stringify(trial.data, null, 2);
}

async function renderForm(container, formKey) {
  const source = draftFiles.get(`${formKey}.form`) ?? (await get(`/definitions/form/${encodeURIComponent(formKey)}`)).source;
  const form = new window.FormViewer.Form({ container });
  await form.importSchema(JSON.parse(source));
  return form;
}
