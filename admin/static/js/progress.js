// 进度查询: public, no login. The case number and the applicant's identity number find one case.
import { get, ApiError } from "./api.js";
import { el, formatTime, showError, start, STATUS_NAMES } from "./ui.js";

const STAGES = ["受理", "审查", "决定", "送达", "办结"];

function show(p) {
  const at = STAGES.indexOf(p.stage);
  document.getElementById("progress-stages").replaceChildren(...STAGES.map((s, i) =>
    el("li", { class: i < at ? "done" : i === at ? "current" : "" }, s)));
  const facts = [["办件编号", p.number], ["事项", p.matter], ["当前环节", p.stage],
    ["办理状态", STATUS_NAMES[p.status] || p.status], ["受理时间", formatTime(p.received_at)],
    ["承诺办结时间", p.deadline ? formatTime(p.deadline) : "—"], ["办理结果", p.result || "—"]];
  document.getElementById("progress-facts").replaceChildren(...facts.flatMap(([k, v]) =>
    [el("dt", {}, k), el("dd", {}, v || "—")]));
  document.getElementById("progress-result").hidden = false;
}

start(async () => {
  document.getElementById("nav").replaceChildren(el("a", { href: "/guide" }, "办事指南"),
    el("a", { href: "/progress" }, "进度查询"), el("a", { href: "/login" }, "工作人员登录"));
  const form = document.getElementById("progress-form");
  const none = document.getElementById("progress-none");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    document.getElementById("progress-result").hidden = true;
    none.hidden = true;
    const query = { number: form.number.value.trim(), id_number: form.id_number.value.trim() };
    try {
      show(await get("/public/progress", query));
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 429)) {
        none.textContent = error.message;
        none.hidden = false;
      } else {
        showError(error);
      }
    }
  });
}, showError);
