// 办件: a case's diagram coloured by its trail, its data and the audit trail,
// with a step-by-step replay over the trail events (审计回放).
import { get, post } from "./api.js";
import { caseLabels, renderData } from "./data.js";
import { markWaiting, renderWindow } from "./case_window.js";
import { caseXml, elementOf, paint, progress, showDiagram } from "./diagram.js";
import { bindStepper, eventName } from "./trail.js";
import { renderSiblings } from "./siblings.js";
import { applicantText, el, formatTime, matterNames, personText, requireSession, scriptData, showError, start,
  STATUS_NAMES, TASK_STATE_NAMES } from "./ui.js";

const caseId = scriptData("caseId");
let viewer, session, info, events = [];
// Who may open a task's page (the API answers the others with 403).
const TASK_READERS = ["admin", "clerk", "auditor"];

start(async () => {
  session = await requireSession();
  if (["admin", "auditor"].includes(session.role)) {
    document.querySelector(".page-head").append(
      el("a", { class: "button", id: "to-replay", href: `/cases/${caseId}/replay` }, "审计回放与核验"));
  }
  const [body, trail, labels] = await Promise.all([get(`/cases/${caseId}`), loadTrail(), caseLabels(caseId)]);
  info = body;
  events = trail;
  renderCase(info, await matterNames(), labels);
  renderSiblings(info, document.getElementById("case-meta"));
  renderWindow(info, session);
  renderTrail();
  setUpReplay();
  try {
    viewer = await showDiagram(document.getElementById("diagram"), await caseXml(caseId));
  } catch (error) {
    document.getElementById("diagram").replaceChildren(
      el("p", { class: "diagram-note" }, `流程图无法显示：${error.message}`));
    throw error;
  }
  go(events.length);
});

// The API pages the trail by sequence number; an auditor needs all of it.
async function loadTrail() {
  const all = [];
  for (;;) {
    const page = await get(`/cases/${caseId}/trail`, { after: all.length ? all[all.length - 1].seq : 0, limit: 1000 });
    all.push(...(page.events || []));
    if ((page.events || []).length < 1000) return all;
  }
}

function renderCase(info, names, labels) {
  document.getElementById("case-title").textContent = `办件 ${info.number || info.id}`;
  document.title = `${info.number || "办件"} · 通办`;
  const badge = document.getElementById("case-status");
  badge.textContent = STATUS_NAMES[info.status] || info.status;
  badge.className = `badge ${info.status}`;
  const def = info.definition || {};
  const items = [
    ["事项", el("a", { href: `/definitions/${encodeURIComponent(def.key)}?version=${def.version}` },
      `${names.get(def.key) || def.key} v${def.version}`)],
    ["申请人", applicantText(info.applicant || info.data?.applicant)],
    ["申请渠道", { window: "窗口收件", online: "网上申请" }[info.channel] || info.channel],
    ["办结结果", info.outcome],
    ["受理时间", formatTime(info.created_at || info.started_at)],
    ["更新时间", formatTime(info.updated_at)],
    ["办结时间", formatTime(info.ended_at)],
  ];
  document.getElementById("case-meta").replaceChildren(
    ...items.filter(([, v]) => v).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  renderCorrection(info);
  const opinions = info.opinions || [];
  document.getElementById("opinions").replaceChildren(...(opinions.length ? opinions.map((o) => el("li", {},
    el("strong", {}, o.name), ` · ${o.by || ""} · ${formatTime(o.at)}`, el("div", {}, o.opinion)))
    : [el("li", { class: "muted" }, "暂无意见")]));
  const open = (info.tasks || []).filter((t) => t.state === "READY" || t.state === "WAITING");
  document.getElementById("open-tasks").replaceChildren(...(open.length ? open.map((t) =>
    el("li", {}, TASK_READERS.includes(session.role) ? el("a", { href: `/tasks/${t.id}` }, t.name) : t.name,
      ` · ${t.lane || ""} · `,
      t.assignee ? ["已由 ", personText(t.assignee, t.assignee_name, t.assignee_department), " 签收"]
        : TASK_STATE_NAMES[t.state])) : [el("li", { class: "muted" }, "无")]));
  const data = info.data || {};
  document.getElementById("case-data").replaceWith(Object.assign(renderData(data, labels), { id: "case-data" }));
}

function renderCorrection(info) {
  const notice = info.correction;
  document.getElementById("correction").hidden = !notice;
  if (!notice) return;
  document.getElementById("correction-state").textContent = notice.open
    ? `${formatTime(notice.opened_at)} 由 ${notice.opened_by} 发出，待申请人补正；补正前本办件的待办任务暂停。`
    : notice.answer?.channel === "online"
      ? `申请人已于 ${formatTime(notice.answered_at)} 网上补正${notice.answer.files?.length ? `，提交材料：${notice.answer.files.map((f) => `${f.material}（${f.name}）`).join("、")}` : ""}${notice.answer.note ? `；说明：${notice.answer.note}` : ""}。`
      : `已于 ${formatTime(notice.answered_at)} 由 ${notice.answered_by} 录入补正。`;
  document.getElementById("correction-items").replaceChildren(...notice.items.map((i) =>
    el("li", {}, el("strong", {}, i.material), "：", i.problem)));
  document.getElementById("correction-print").href = `/cases/${caseId}/notices/correction`;  // numbered (#9)
  const answer = document.getElementById("correction-answer");
  answer.hidden = !notice.open || !["clerk", "admin", "integrator"].includes(session.role);
  answer.onclick = async () => {
    try {
      await post(`/cases/${caseId}/correction/answer`, { data: { correction_received: true } });
      sessionStorage.setItem("tongban.flash", "已录入补正，办件继续办理");
      location.reload();
    } catch (error) {
      showError(error);
    }
  };
}

function renderTrail() {
  const body = document.querySelector("#trail tbody");
  body.replaceChildren(...events.map((event, index) => {
    const row = el("tr", { dataset: { seq: event.seq, index: index + 1 } },
      el("td", {}, event.seq),
      el("td", { class: "nowrap" }, formatTime(event.at)),
      el("td", {}, eventName(event)),
      el("td", {}, elementName(event)),
      el("td", {}, personText(event.actor, event.actor_name, event.actor_department)
        || el("span", { class: "muted" }, "系统")),
      el("td", { class: "summary" }, summary(event)));
    row.addEventListener("click", () => go(index + 1));
    return row;
  }));
}

function elementName(event) {
  const name = event.data?.name || event.task?.name || "";
  return name || elementOf(event) || "";
}

function summary(event) {
  const data = event.data || {};
  const parts = [];
  if (event.type === "gateway_passed" && data.taken) parts.push("走向：" + data.taken.map((t) => t.name || t.element_id).join("、"));
  if (event.type === "task_ready" && data.lane) parts.push("办理组：" + data.lane);
  if (event.type === "task_unclaimed" && data.previous_assignee) parts.push("原签收人：" + data.previous_assignee);
  if (event.type === "task_unclaimed" && data.reason === "person_disabled") parts.push("（签收人已停用，任务退回本组）");
  if (data.to_name || data.to) parts.push("至：" + (data.to_name || data.to));
  if (data.users) parts.push("人员：" + data.users.join("、"));
  if (data.reason) parts.push("理由：" + data.reason);
  if (data.opinion) parts.push("意见：" + data.opinion);
  if (data.message) parts.push("催办：" + data.message);
  if (data.items) parts.push("补正：" + data.items.map((i) => `${i.material}（${i.problem}）`).join("；"));
  if (event.type === "notice_issued") parts.push(`${data.title} ${data.number}`);
  const detail = data.submitted || data.outputs || data.data || (event.type === "message_received" ? data : null);
  if (detail && Object.keys(detail).length) {
    parts.push(el("details", {}, el("summary", {}, "数据"), el("pre", {}, JSON.stringify(detail, null, 2))));
  }
  return parts;
}

// Replay: position k shows the state after the first k events.
function setUpReplay() {
  bindStepper(events.length, go);
}

function go(position) {
  const k = Math.max(0, Math.min(events.length, position));
  const slider = document.getElementById("slider");
  slider.value = String(k);
  document.getElementById("first").disabled = document.getElementById("prev").disabled = k === 0;
  document.getElementById("next").disabled = document.getElementById("last").disabled = k === events.length;
  const event = events[k - 1];
  document.getElementById("step-info").textContent = k === 0 ? `回放：开始前（共 ${events.length} 步）`
    : `第 ${k} / ${events.length} 步 · ${formatTime(event.at)} · ${eventName(event)} ${elementName(event)}`
      + (k === events.length ? "（当前状态）" : "");
  document.querySelectorAll("#trail tbody tr").forEach((row) => {
    const index = Number(row.dataset.index);
    row.classList.toggle("current", index === k);
    row.classList.toggle("future", index > k);
  });
  if (viewer) paint(viewer, progress(events, k));
  if (viewer && k === events.length) markWaiting(viewer, info);
}
