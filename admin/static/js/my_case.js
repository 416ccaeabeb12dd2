// 办件进度 for the applicant: the public view of one own case (steps, deadline, siblings, files).
import { api, get, post } from "./api.js";
import { el, formatTime, matterNames, requireSession, scriptData, showError, start, STATUS_NAMES,
  TASK_STATE_NAMES } from "./ui.js";

const caseId = scriptData("caseId");
const STEP_TEXT = {
  case_started: "申请已提交", task_ready: "进入环节", task_completed: "环节办理完成", correction_opened: "补正告知",
  correction_answered: "已补正", attachment_added: "材料已提交", commitment_signed: "已签署告知承诺",
  case_completed: "办结", case_terminated: "办理终止",
};

start(async () => {
  await requireSession();
  const [info, trail, files, names] = await Promise.all([get(`/cases/${caseId}`), get(`/cases/${caseId}/trail`, { limit: 1000 }),
    get(`/cases/${caseId}/attachments`).catch(() => ({ items: [] })), matterNames()]);
  document.getElementById("case-title").textContent = `办件 ${info.number}`;
  const badge = document.getElementById("case-status");
  badge.textContent = STATUS_NAMES[info.status] || info.status;
  badge.className = `badge ${info.status}`;
  const open = (info.tasks || []).filter((t) => t.state === "READY" || t.state === "WAITING");
  const meta = [["事项", names.get(info.process) || info.process], ["申请人", info.applicant?.name],
    ["申请时间", formatTime(info.created_at)], ["当前环节", open.map((t) => `${t.name}（${TASK_STATE_NAMES[t.state]}）`).join("、") || "—"],
    ["承诺办结时间", formatTime(info.clock?.promised_due) || "—"], ["结果", info.outcome || "—"]];
  document.getElementById("case-meta").replaceChildren(...meta.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v || "")]));
  const siblings = (info.application?.cases || []).filter((c) => String(c.id) !== String(caseId));
  document.getElementById("siblings").hidden = siblings.length === 0;
  document.getElementById("sibling-list").replaceChildren(...siblings.map((c) => el("li", {},
    el("a", { href: `/my/cases/${c.id}` }, c.number), ` ${c.matter} · ${STATUS_NAMES[c.status] || c.status}`)));
  if (info.correction?.open) showCorrection(info.correction);
  document.getElementById("steps").replaceChildren(...trail.events.map((e) => el("li", {},
    el("span", { class: "muted" }, formatTime(e.at)), " ", STEP_TEXT[e.type] || e.type,
    e.data?.name ? `：${e.data.name}` : "", e.data?.materials ? `：${e.data.materials.join("、")}` : "",
    e.data?.outcome ? `（${e.data.outcome}）` : "")));
  document.getElementById("files").replaceChildren(...(files.items.length ? files.items.map((f) => el("li", {},
    el("a", { href: `/api/v1/cases/${caseId}/attachments/${f.id}` }, f.name),
    el("span", { class: "muted" }, ` ${Math.ceil(f.size / 1024)} KB · SHA-256 ${f.sha256.slice(0, 12)}…`)))
    : [el("li", { class: "muted" }, "没有上传的材料")]));
});

// 网上补正: one file input per listed material, a note; files are uploaded first, then sent as one answer.
function showCorrection(notice) {
  document.getElementById("correction").hidden = false;
  document.getElementById("correction-reason").textContent = notice.reason ? `原因：${notice.reason}` : "";
  document.getElementById("correction-items").replaceChildren(...notice.items.map((i) => el("li", {}, `${i.material}：${i.problem}`)));
  const materials = [...new Set(notice.items.map((i) => i.material))];
  document.getElementById("correction-files").replaceChildren(...materials.map((material) => el("label", {},
    `${material} `, el("input", { type: "file", multiple: true, dataset: { material } }))));
  const form = document.getElementById("correction-form");
  form.onsubmit = async (event) => {
    event.preventDefault();
    const button = document.getElementById("correction-submit");
    button.disabled = true;
    try {
      const uploads = [];
      for (const input of form.querySelectorAll("input[type=file]")) {
        for (const file of input.files) {
          const data = new FormData();
          data.append("material", input.dataset.material);
          data.append("file", file);
          uploads.push((await api("POST", "/uploads", { form: data })).id);
        }
      }
      const note = document.getElementById("correction-note").value.trim();
      await post(`/cases/${caseId}/correction/answer`, { data: note ? { note } : {}, uploads });
      sessionStorage.setItem("tongban.flash", "已提交补正，办件继续办理");
      location.reload();
    } catch (error) {
      showError(error);
      button.disabled = false;
    }
  };
}
