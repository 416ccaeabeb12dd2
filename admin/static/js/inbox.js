// 待办: the READY tasks of my groups and my own; claim, unclaim, open.
import { get, post } from "./api.js";
import { el, flash, matterNames, formatTime, personText, requireSession, showError, start, WORKERS } from "./ui.js";

let session;

start(async () => {
  session = await requireSession();
  document.getElementById("refresh").addEventListener("click", () => load().catch(showError));
  await load();
});

async function load() {
  const page = await get("/tasks", { per_page: 100 });
  const items = page.items || [];
  const names = await matterNames();
  const body = document.querySelector("#inbox tbody");
  body.replaceChildren(...items.map((task) => row(task, task.case, names)));
  document.getElementById("empty").hidden = items.length > 0;
}

function row(task, info, names) {
  const mine = task.assignee === session.user;
  const actions = el("td", { class: "actions" });
  if (WORKERS.includes(session.role)) { // others look, never act
    actions.append(el("a", { href: `/tasks/${task.id}`, class: "button primary" }, "办理"));
    if (!task.assignee) actions.append(actionButton("签收", task, "claim"));
    else if (mine) actions.append(actionButton("取消签收", task, "unclaim"));
  }
  const caseLabel = info?.number || `#${task.case_id}`;
  const caseSub = [names.get(info?.process) || info?.process, info?.applicant_name].filter(Boolean).join(" · ");
  return el("tr", { dataset: { taskId: task.id } },
    el("td", {}, el("a", { href: `/tasks/${task.id}` }, task.name || task.element_id || "任务")),
    el("td", {}, el("a", { href: `/cases/${task.case_id}` }, caseLabel),
      caseSub ? el("div", { class: "sub" }, caseSub) : null),
    el("td", {}, task.lane || ""),
    el("td", {}, task.assignee ? (mine ? "我" : personText(task.assignee, task.assignee_name, task.assignee_department))
      : el("span", { class: "muted" }, "未签收")),
    el("td", {}, formatTime(task.created_at)),
    actions);
}

function actionButton(label, task, action) {
  const button = el("button", { type: "button", dataset: { action } }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await post(`/tasks/${task.id}/${action}`);
      flash(action === "claim" ? `已签收：${task.name}` : `已取消签收：${task.name}`);
      await load();
    } catch (error) {
      showError(error);
      button.disabled = false;
    }
  });
  return button;
}
