// 办理时限 on the case page: the working-day clock, its card, and 特别程序 for the case's clerks.
import { api, get } from "./api.js";
import { cardBadge, el, flash, formatTime, requireSession, scriptData, showError, start } from "./ui.js";

const caseId = scriptData("caseId");

start(async () => {
  const session = await requireSession();
  render(await get(`/cases/${caseId}`), session);
});

function render(info, session) {
  const clock = info.clock || {};
  const section = document.getElementById("case-clock");
  const items = [
    ["办结结果", info.outcome],
    ["开始计时", clock.started_at ? formatTime(clock.started_at) : "尚未受理，不计时"],
    ["承诺时限至", formatTime(clock.promised_due)],
    ["法定时限至", formatTime(clock.legal_due)],
    ["暂停计时", clock.paused ? `暂停中：${clock.pause_reason}` : null],
    ["已顺延", clock.paused_days ? `${clock.paused_days} 个工作日` : null],
    ["督办", cardBadge(clock.card)],
  ];
  document.getElementById("clock-meta").replaceChildren(
    ...items.filter(([, v]) => v).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  section.hidden = false;
  const mayAct = ["admin", "clerk"].includes(session.role) && info.status === "running" && clock.started_at;
  const specialOpen = (clock.pause_reason || "").startsWith("特别程序");
  document.getElementById("special-form").hidden = !(mayAct && !clock.paused);
  document.getElementById("special-end-form").hidden = !(mayAct && specialOpen);
}

for (const [id, path] of [["special-form", "special-procedure"], ["special-end-form", "special-procedure/end"]]) {
  document.getElementById(id).addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const body = Object.fromEntries(new FormData(form));
    form.querySelector("button").disabled = true;
    try {
      const info = await api("POST", `/cases/${caseId}/${path}`, { json: body });
      form.reset();
      flash(path.endsWith("end") ? "特别程序已结束，恢复计时" : "特别程序已启动，暂停计时", "success");
      render(info, await get("/session"));
    } catch (error) {
      showError(error);
    } finally {
      form.querySelector("button").disabled = false;
    }
  });
}
