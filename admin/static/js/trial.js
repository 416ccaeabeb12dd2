// 试运行: start a sandbox run of the draft with sample data and move its token one task at a time.
import { api, post } from "./api.js";
import { paint, showDiagram } from "./diagram.js";
import { el, flash, requireSession, scriptData, showError, start } from "./ui.js";
import { ANALYSTS, bpmnFileOf, loadDraft } from "./workbench.js";

const key = scriptData("key");
let viewer, names = new Map();

start(async () => {
  const session = await requireSession();
  if (!ANALYSTS.includes(session.role)) throw new Error("只有流程分析员和管理员可以试运行");
  const draft = await loadDraft(key);
  if (!draft) throw new Error("还没有草稿：请先在建模页保存草稿");
  viewer = await showDiagram(document.getElementById("trial-canvas"), draft.files.get(bpmnFileOf(draft.files)));
  viewer.get("elementRegistry").forEach((e) => names.set(e.id, e.businessObject?.name || ""));
  document.getElementById("trial-start").addEventListener("click", () => begin().catch(showError));
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
  paint(viewer, { done: new Set(trial.completed), ready: new Set([...trial.active, ...(trial.waiting || [])]), step: null });
  const status = trial.error ? `出错：${trial.error}` : trial.finished ? "已走完全程" : `进行中：${trial.active.length} 个环节待办`;
  document.getElementById("trial-status").textContent = status;
  if (trial.error) flash(trial.error, "error");
  document.querySelector("#trial-tasks tbody").replaceChildren(...trial.tasks.map((task) => {
    const input = el("textarea", { rows: 1, "aria-label": `${task.name} 提交数据` }, "{}");
    const button = el("button", { type: "button" }, "完成");
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        show(await api("POST", `/trials/${encodeURIComponent(trial.id)}/tasks/${encodeURIComponent(task.id)}/complete`,
          { json: { data: jsonOf(input.value) } }));
      } catch (error) { button.disabled = false; showError(error); }
    });
    return el("tr", { dataset: { element: task.element_id } }, el("td", {}, task.name || names.get(task.element_id) || "（未命名环节）"),
      el("td", {}, task.lane || ""), el("td", {}, input), el("td", {}, button));
  }));
  document.getElementById("trial-path").replaceChildren(...trial.completed.map((id) => el("li", {}, names.get(id) || "（未命名）")));
  document.getElementById("trial-vars").textContent = JSON.stringify(trial.data, null, 2);
}
