// The audit trail as people read it: event names, field labels from the forms,
// and what each event changed. Shared by the case page, the replay view and the printed report.
import { get } from "./api.js";
import { el } from "./ui.js";

export const EVENT_NAMES = {
  case_started: "办件启动", case_completed: "办结", case_terminated: "终止", task_ready: "任务到达",
  task_claimed: "签收", task_unclaimed: "取消签收", task_completed: "办理完成", task_cancelled: "任务取消",
  message_received: "收到消息", message_sent: "发出消息", timer_fired: "定时触发", gateway_passed: "经过网关",
  rule_evaluated: "规则判定", script_run: "执行脚本", event_reached: "到达事件", definition_migrated: "迁移版本",
  clock_started: "开始计时", clock_paused: "暂停计时", clock_resumed: "恢复计时", clock_unavailable: "无法计时",
  card_changed: "督办牌变化", special_procedure_started: "启动特别程序", special_procedure_ended: "结束特别程序",
  task_returned: "退回", task_transferred: "转办", task_delegated: "委派", task_delegation_resolved: "委派交回",
  task_signed: "加签", task_unsigned: "减签", task_cc: "抄送", task_withdrawn: "撤回", task_urged: "催办",
  correction_opened: "补正告知", correction_answered: "补正答复", attachment_added: "上传附件",
  notice_issued: "出具文书", commitment_signed: "签署告知承诺", credit_listed: "列入失信名单",
  licence_issued: "签发电子证照", licence_revoked: "吊销电子证照", licence_reused: "复用电子证照", case_rated: "好差评",
};

export const eventName = (event) => EVENT_NAMES[event.type] || "其他操作";

// The slider and buttons that step through ``count`` events; ``go(k)`` shows the state after k of them.
export function bindStepper(count, go) {
  const slider = document.getElementById("slider");
  slider.max = String(count);
  slider.addEventListener("input", () => go(Number(slider.value)));
  document.getElementById("first").addEventListener("click", () => go(0));
  document.getElementById("prev").addEventListener("click", () => go(Number(slider.value) - 1));
  document.getElementById("next").addEventListener("click", () => go(Number(slider.value) + 1));
  document.getElementById("last").addEventListener("click", () => go(count));
}

// The API pages the trail by sequence number; an auditor needs all of it.
export async function loadTrail(caseId) {
  const all = [];
  for (;;) {
    const page = await get(`/cases/${caseId}/trail`, { after: all.length ? all[all.length - 1].seq : 0, limit: 1000 });
    all.push(...(page.events || []));
    if ((page.events || []).length < 1000) return all;
  }
}

// Field and option labels from the forms the case's tasks used (许可决定 = 准予许可, not decision = approve).
export async function formLabels(events) {
  const keys = new Set(events.filter((e) => e.type === "task_ready" && e.data?.form).map((e) => e.data.form));
  const fields = new Map(), options = new Map();
  const walk = (components) => (components || []).forEach((c) => {
    if (c.key && c.label) fields.set(c.key, c.label);
    for (const v of c.values || []) options.set(`${c.key}\u0000${v.value}`, v.label);
    walk(c.components);
  });
  await Promise.all([...keys].map(async (key) => {
    try {
      walk(JSON.parse((await get(`/definitions/form/${encodeURIComponent(key)}`)).source).components);
    } catch { /* a form that cannot be read leaves its keys as they are */ }
  }));
  return {
    field: (key) => fields.get(key) || key,
    value: (key, value) => options.get(`${key}\u0000${value}`) ?? value,
  };
}

export function elementName(event) {
  return event.data?.name || "";
}

export function showValue(labels, key, value) {
  if (value === null || value === undefined) return el("span", { class: "muted" }, "—");
  if (value === "") return el("span", { class: "muted" }, "（空）");
  if (typeof value === "boolean") return value ? "是" : "否";
  if (Array.isArray(value) && value.every((v) => typeof v !== "object")) {
    return value.map((v) => labels.value(key, v)).join("、") || el("span", { class: "muted" }, "（空）");
  }
  if (typeof value === "object") return el("pre", {}, JSON.stringify(value, null, 2));
  return String(labels.value(key, value));
}

function table(head, rows) {
  return el("table", { class: "grid kv changes" },
    el("thead", {}, el("tr", {}, head.map((h) => el("th", {}, h)))),
    el("tbody", {}, rows));
}

function keyValues(labels, data) {
  const entries = Object.entries(data || {}).filter(([k]) => !k.startsWith("_"));
  if (!entries.length) return el("p", { class: "muted" }, "（无数据）");
  return table(["字段", "值"], entries.map(([k, v]) => el("tr", {}, el("th", {}, labels.field(k)),
    el("td", {}, showValue(labels, k, v)))));
}

// What one event changed or decided, as a readable block.
export function eventDetail(event, labels) {
  const data = event.data || {};
  switch (event.type) {
    case "task_completed": {
      const changes = data.changes;
      if (!changes) return keyValues(labels, data.submitted);
      const rows = Object.entries(changes).map(([k, c]) => el("tr", {}, el("th", {}, labels.field(k)),
        el("td", { class: "before" }, showValue(labels, k, c.before)), el("td", { class: "after" }, showValue(labels, k, c.after))));
      return rows.length ? table(["字段", "办理前", "办理后"], rows) : el("p", { class: "muted" }, "提交的数据未改变任何字段");
    }
    case "message_received":
      return [el("p", {}, `消息：${data.name || ""}`), keyValues(labels, data.payload)];
    case "rule_evaluated": {
      const d = data.decision || {};
      const matched = (data.matched || []).map((m) => el("li", { class: m.applied ? "applied" : "muted" },
        `第 ${m.row} 行${m.description ? "「" + m.description + "」" : ""}${m.applied ? "（采用）" : "（命中，未采用）"}`));
      return [
        el("p", {}, `决策表：${d.name || d.key || ""}${d.version ? ` 第 ${d.version} 版` : ""}${d.hit_policy ? ` · 命中策略 ${d.hit_policy}` : ""}`),
        matched.length ? el("ul", { class: "plain rows" }, matched) : el("p", { class: "muted" }, "没有命中的规则行"),
        keyValues(labels, data.outputs)];
    }
    case "gateway_passed":
      return el("p", {}, "走向：" + ((data.taken || []).map((t) => t.name).join("、") || "无"));
    case "task_ready":
      return el("p", {}, `办理组：${data.lane || "（不限）"}`);
    case "task_unclaimed":
      return el("p", {}, `原签收人：${data.previous_assignee || ""}`);
    case "case_started":
      return [el("p", {}, `申请人：${data.applicant?.name || ""} ${data.applicant?.id_number || ""}`),
        keyValues(labels, data.data)];
    case "case_completed": case "case_terminated":
      return keyValues(labels, data.data);
    default:
      return null;
  }
}

// One line for tables and the printed report.
export function eventSummary(event, labels) {
  const data = event.data || {};
  if (event.type === "task_completed" && data.changes) {
    return Object.entries(data.changes).map(([k, c]) =>
      `${labels.field(k)}：${plain(labels, k, c.before)} → ${plain(labels, k, c.after)}`).join("；");
  }
  if (event.type === "task_completed" && data.submitted && typeof data.submitted === "object") {
    return Object.entries(data.submitted).map(([k, v]) => `${labels.field(k)}：${plain(labels, k, v)}`).join("；");
  }
  if (event.type === "gateway_passed") return "走向：" + ((data.taken || []).map((t) => t.name).join("、") || "无");
  if (event.type === "rule_evaluated") {
    const applied = (data.matched || []).filter((m) => m.applied).map((m) => `第 ${m.row} 行`).join("、");
    return `决策表 ${data.decision?.name || data.decision?.key || ""} v${data.decision?.version ?? "?"}，采用${applied || "无"}`;
  }
  if (event.type === "message_received") return `消息 ${data.name || ""}`;
  if (event.type === "task_ready") return data.lane ? `办理组：${data.lane}` : "";
  return "";
}

function plain(labels, key, value) {
  const shown = showValue(labels, key, value);
  return shown instanceof Node ? shown.textContent : shown;
}

// How many times the element of events[index] had this kind of event up to then (loops: 第 2 次).
export function visitOf(events, index) {
  const event = events[index];
  if (!event.element_id) return 0;
  let n = 0;
  for (let i = 0; i <= index; i++) {
    if (events[i].element_id === event.element_id && events[i].type === event.type) n++;
  }
  return n;
}

// The verification and replay results as badges.
export function checkBadges(verify, replay) {
  const badges = [];
  if (verify) {
    badges.push(verify.intact
      ? el("span", { class: "badge ok", id: "verify-result", title: `链头 ${verify.head || ""}` },
        `留痕完整：${verify.events} 条事件哈希链无断点${verify.anchored_days?.length ? `，已锚定于 ${verify.anchored_days.length} 个每日摘要` : ""}`)
      : el("span", { class: "badge bad", id: "verify-result" }, `留痕已被改动：${verify.broken.message}`));
  }
  if (replay) {
    badges.push(replay.ok
      ? el("span", { class: "badge ok", id: "replay-result" }, `重演一致：按原输入重新执行，路径与最终状态相同`)
      : el("span", { class: "badge bad", id: "replay-result" }, `重演不一致：${replay.divergence?.message || ""}`));
  }
  return badges;
}
