// 工作台: 待办 (my groups' and my own open tasks), 已办 (what I completed), 抄送我的
// (copies sent to me), with search, filters, sort and pages. Cards on a phone.
import { get, post } from "./api.js";
import { cardBadge, el, flash, matterNames, formatTime, personText, requireSession, showError, start, WORKERS } from "./ui.js";

const PER_PAGE = 20;
let session, tab = "todo", page = 1, names;

start(async () => {
  session = await requireSession();
  names = await matterNames();
  const filters = document.getElementById("filters");
  filters.process.append(...[...names].map(([key, name]) => el("option", { value: key }, name)));
  filters.lane.append(...(session.groups || []).map((g) => el("option", { value: g }, g)));
  filters.addEventListener("submit", (e) => { e.preventDefault(); page = 1; load().catch(showError); });
  document.getElementById("refresh").addEventListener("click", () => load().catch(showError));
  document.querySelectorAll("[data-tab]").forEach((b) => b.addEventListener("click", () => {
    tab = b.dataset.tab; page = 1;
    document.querySelectorAll("[data-tab]").forEach((x) => x.setAttribute("aria-selected", String(x === b)));
    load().catch(showError);
  }));
  document.getElementById("prev").addEventListener("click", () => { page -= 1; load().catch(showError); });
  document.getElementById("next").addEventListener("click", () => { page += 1; load().catch(showError); });
  await load();
});

function query() {
  const f = document.getElementById("filters");
  const q = { page, per_page: PER_PAGE };
  for (const name of ["q", "process", "lane", "received_from", "received_to", "sort"]) q[name] = f[name].value;
  return q;
}

async function load() {
  document.getElementById("filters").hidden = tab !== "todo";
  const [todo, done, cc] = await Promise.all([
    get("/tasks", tab === "todo" ? query() : { per_page: 1 }),
    // 已办 is a worker's own record: an auditor looking at the inbox has none.
    WORKERS.includes(session.role) ? get("/tasks/done", tab === "done" ? { page, per_page: PER_PAGE } : { per_page: 1 })
      : { items: [], total: 0 },
    get("/cc", tab === "cc" ? { page, per_page: PER_PAGE } : { per_page: 1 }),
  ]);
  document.getElementById("count-todo").textContent = todo.total;
  document.getElementById("count-done").textContent = done.total;
  document.getElementById("count-cc").textContent = cc.unread ? `${cc.total}（${cc.unread} 未读）` : cc.total;
  const current = { todo, done, cc }[tab];
  const items = current.items || [];
  const head = document.querySelector("#inbox thead tr");
  head.replaceChildren(...(tab === "cc" ? ["办件", "抄送人", "说明", "时间", "操作"]
    : ["任务", "办件", "办理组", tab === "done" ? "办理人" : "签收人", tab === "done" ? "办理时间" : "到达时间",
      "环节时限", "操作"])
    .map((t) => el("th", {}, t)));
  document.querySelector("#inbox tbody").replaceChildren(...items.map(tab === "cc" ? ccRow : taskRow));
  document.getElementById("empty").hidden = items.length > 0;
  const pages = Math.max(1, Math.ceil(current.total / PER_PAGE));
  document.getElementById("page-info").textContent = `第 ${page} / ${pages} 页，共 ${current.total} 条`;
  document.getElementById("prev").disabled = page <= 1;
  document.getElementById("next").disabled = page >= pages;
}

const cell = (label, ...content) => el("td", { "data-label": label }, ...content);

function taskRow(task) {
  const info = task.case || {};
  const mine = task.assignee === session.user;
  const actions = el("td", { class: "actions" });
  if (tab === "todo" && WORKERS.includes(session.role)) { // others look, never act
    actions.append(el("a", { href: `/tasks/${task.id}`, class: "button primary" }, "办理"));
    if (!task.assignee) actions.append(actionButton("签收", task, "claim"));
    else if (mine && !task.owner && task.kind !== "sign") actions.append(actionButton("取消签收", task, "unclaim"));
  } else {
    actions.append(el("a", { href: `/tasks/${task.id}`, class: "button" }, "查看"));
  }
  const tags = [];
  if (task.kind === "sign") tags.push(el("span", { class: "tag" }, task.sign_position === "after" ? "后加签" : "前加签"));
  if (task.delegation === "pending") tags.push(el("span", { class: "tag" }, `${task.owner} 委派`));
  if (task.delegation === "resolved") tags.push(el("span", { class: "tag" }, "委派已交回"));
  if (task.urge_count) tags.push(el("span", { class: "tag urged", title: "催办次数" }, `催办 ${task.urge_count}`));
  const sub = [names.get(info.process) || info.process, info.applicant_name].filter(Boolean).join(" · ");
  return el("tr", { dataset: { taskId: task.id } },
    cell("任务", el("a", { href: `/tasks/${task.id}` }, task.name || "任务"), ...tags),
    cell("办件", el("a", { href: `/cases/${task.case_id}` }, info.number || `#${task.case_id}`),
      sub ? el("div", { class: "sub" }, sub) : null),
    cell("办理组", task.lane || ""),
    tab === "done" ? cell("办理人", personText(task.completed_by, task.completed_by_name, task.completed_by_department))
      : cell("签收人", task.assignee ? (mine ? "我" : personText(task.assignee, task.assignee_name, task.assignee_department))
        : el("span", { class: "muted" }, "未签收")),
    cell(tab === "done" ? "办理时间" : "到达时间", formatTime(tab === "done" ? task.completed_at : task.created_at)),
    cell("环节时限", task.due_at ? formatTime(task.due_at) : el("span", { class: "muted" }, "—"), cardBadge(task.card)),
    actions);
}

function ccRow(item) {
  const open = el("a", { href: `/cases/${item.case_id}`, class: "button primary" }, "查看办件");
  open.addEventListener("click", () => { if (!item.read) post(`/cc/${item.id}/read`).catch(() => {}); });
  return el("tr", { class: item.read ? "" : "unread" },
    cell("办件", el("a", { href: `/cases/${item.case_id}` }, `办件 #${item.case_id}`), item.read ? null : el("span", { class: "tag" }, "未读")),
    cell("抄送人", item.from),
    cell("说明", item.note || ""),
    cell("时间", formatTime(item.at)),
    el("td", { class: "actions" }, open));
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
