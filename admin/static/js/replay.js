// 审计回放: an auditor steps through a case event by event on its diagram, read-only.
// Each step shows the element, who acted, when, and what changed; the page also
// shows whether the hash chain is intact and whether the case re-executes.
import { get } from "./api.js";
import { caseXml, elementOf, paint, progress, showDiagram } from "./diagram.js";
import { bindStepper, checkBadges, elementName, eventDetail, eventName, eventSummary, formLabels, loadTrail,
  visitOf } from "./trail.js";
import { applicantText, el, formatTime, matterNames, requireSession, scriptData, start, STATUS_NAMES } from "./ui.js";

const caseId = scriptData("caseId");
let viewer, events = [], labels, brokenSeq = null;

start(async () => {
  await requireSession();
  const [info, trail] = await Promise.all([get(`/cases/${caseId}`), loadTrail(caseId)]);
  events = trail;
  labels = await formLabels(events);
  renderCase(info, await matterNames());
  renderTrail();
  setUpControls();
  checkTrail(); // slow on long cases: the page works meanwhile
  try {
    viewer = await showDiagram(document.getElementById("diagram"), await caseXml(caseId));
  } catch (error) {
    document.getElementById("diagram").replaceChildren(
      el("p", { class: "diagram-note" }, `流程图无法显示：${error.message}`));
  }
  go(0);
});

async function checkTrail() {
  const box = document.getElementById("checks");
  try {
    const [verify, replay] = await Promise.all([get(`/cases/${caseId}/verify`), get(`/cases/${caseId}/replay`)]);
    box.replaceChildren(...checkBadges(verify, replay));
    if (!verify.intact && verify.broken.seq) {
      brokenSeq = verify.broken.seq;
      document.querySelector(`#trail tr[data-seq="${brokenSeq}"]`)?.classList.add("broken");
    }
  } catch (error) {
    box.replaceChildren(el("span", { class: "badge bad" }, `无法核验：${error.message}`));
  }
}

function renderCase(info, names) {
  document.getElementById("case-title").textContent = `审计回放 · 办件 ${info.number || info.id}`;
  document.title = `审计回放 ${info.number || ""} · 通办`;
  const badge = document.getElementById("case-status");
  badge.textContent = STATUS_NAMES[info.status] || info.status;
  badge.className = `badge ${info.status}`;
  const def = info.definition || {};
  const items = [
    ["事项", `${names.get(def.key) || def.name || def.key} 第 ${def.version} 版`],
    ["申请人", applicantText(info.applicant || info.data?.applicant)],
    ["受理时间", formatTime(info.created_at || info.started_at)],
    ["办结时间", formatTime(info.ended_at)],
    ["事件数", String(events.length)],
  ];
  document.getElementById("case-meta").replaceChildren(
    ...items.filter(([, v]) => v).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  document.getElementById("export").addEventListener("click", exportJson);
}

async function exportJson() {
  const body = await get(`/cases/${caseId}/export`);
  const blob = new Blob([JSON.stringify(body, null, 2)], { type: "application/json" });
  const a = el("a", { href: URL.createObjectURL(blob), download: `留痕-${body.case.number || caseId}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(a.href);
}

function renderTrail() {
  document.querySelector("#trail tbody").replaceChildren(...events.map((event, index) => {
    const row = el("tr", { dataset: { seq: event.seq, index: index + 1 } },
      el("td", {}, event.seq),
      el("td", { class: "nowrap" }, formatTime(event.at)),
      el("td", {}, eventName(event)),
      el("td", {}, elementName(event)),
      el("td", {}, event.actor || el("span", { class: "muted" }, "系统")),
      el("td", { class: "summary" }, eventSummary(event, labels)));
    row.addEventListener("click", () => go(index + 1));
    return row;
  }));
}

function setUpControls() {
  bindStepper(events.length, go);
  const slider = document.getElementById("slider");
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, textarea, select")) return; // the focused slider steps by itself
    if (e.key === "ArrowRight") go(Number(slider.value) + 1);
    if (e.key === "ArrowLeft") go(Number(slider.value) - 1);
  });
}

// Position k shows the case after its first k events; event k is the step being looked at.
function go(position) {
  const k = Math.max(0, Math.min(events.length, position));
  const slider = document.getElementById("slider");
  slider.value = String(k);
  document.getElementById("first").disabled = document.getElementById("prev").disabled = k === 0;
  document.getElementById("next").disabled = document.getElementById("last").disabled = k === events.length;
  const event = events[k - 1];
  document.getElementById("step-info").textContent = k === 0 ? `开始前（共 ${events.length} 步）`
    : `第 ${k} / ${events.length} 步`;
  document.querySelectorAll("#trail tbody tr").forEach((row) => {
    const index = Number(row.dataset.index);
    row.classList.toggle("current", index === k);
    row.classList.toggle("future", index > k);
  });
  renderStep(event, k);
  if (viewer) paint(viewer, progress(events, k));
}

function renderStep(event, k) {
  const title = document.getElementById("step-title");
  const meta = document.getElementById("step-meta");
  const detail = document.getElementById("step-detail");
  if (!event) {
    title.textContent = "开始前";
    meta.replaceChildren();
    meta.hidden = true;
    detail.replaceChildren(el("p", { class: "muted" }, "拖动滑块或按“下一步”逐条查看留痕事件。"));
    return;
  }
  const visit = visitOf(events, k - 1);
  const where = elementName(event) + (visit > 1 ? `（第 ${visit} 次）` : "");
  title.textContent = `第 ${k} 步 · ${eventName(event)}${where ? " · " + where : ""}`;
  const items = [
    ["时间", formatTime(event.at)],
    ["操作人", event.actor || "系统"],
    ["环节", where || "—"],
    ["序号", String(event.seq) + (event.seq === brokenSeq ? "（哈希链在此断开）" : "")],
  ];
  meta.replaceChildren(...items.flatMap(([key, v]) => [el("dt", {}, key), el("dd", {}, v)]));
  meta.hidden = false;
  detail.replaceChildren(...[eventDetail(event, labels)].flat().filter(Boolean));
  if (!elementOf(event) && !detail.childNodes.length) detail.append(el("p", { class: "muted" }, "本步无数据变化"));
}
