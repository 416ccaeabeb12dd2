// The front window on the case page: what the case waits for (and recording what arrived),
// the notices it may print, and how its result was delivered.
import { api, get, post, ApiError } from "./api.js";
import { el, formatTime, showError } from "./ui.js";

const KINDS = { receive: "等待接收", message: "等待消息", timer: "定时", signal: "等待信号" };
// Which notice follows from the acceptance decision.
const NOTICE_FOR = { accept: ["acceptance", "打印受理通知书"], tolerate: ["tolerance", "打印容缺受理告知书"],
  refuse: ["refusal", "打印不予受理决定书"] };

export function renderWindow(info, session) {
  const waits = info.waiting || [];
  document.getElementById("waiting").replaceChildren(...(waits.length ? waits.map((w) => el("li", {},
    el("strong", {}, w.name), ` · ${KINDS[w.kind] || w.kind}`, w.lane ? ` · ${w.lane}` : "",
    w.due_at ? ` · 期限 ${formatTime(w.due_at)}` : "",
    mayRecord(w, session) ? el("button", { type: "button", class: "record", dataset: { message: w.message },
      onclick: null }, "登记收到") : "")) : [el("li", { class: "muted" }, "无")]));
  document.querySelectorAll("#waiting button.record").forEach((button) => {
    const wait = waits.find((w) => w.message === button.dataset.message);
    button.addEventListener("click", () => record(info, wait).catch(showError));
  });
  const ops = [];
  const notice = NOTICE_FOR[info.data?.acceptance];
  if (notice && ["clerk", "admin"].includes(session.role)) {
    ops.push(el("a", { class: "button", id: `print-${notice[0]}`, href: `/cases/${info.id}/notices/${notice[0]}`,
      target: "_blank" }, notice[1]));
  }
  document.getElementById("notice-actions").replaceChildren(...ops);
  const issued = info.notices || [];
  document.getElementById("notices").replaceChildren(...(issued.length ? issued.map((n) => el("li", {},
    el("a", { href: `/cases/${info.id}/notices/${n.kind}`, target: "_blank" }, n.title), ` · ${n.number} · `,
    `${n.issued_by} · ${formatTime(n.issued_at)}`)) : [el("li", { class: "muted" }, "尚未出具文书")]));
  const delivery = document.getElementById("delivery");
  delivery.hidden = !info.delivery_text;
  delivery.textContent = info.delivery_text ? `送达：${info.delivery_text}` : "";
}

function mayRecord(wait, session) {
  if (!["receive", "message"].includes(wait.kind)) return false;
  if (["admin", "integrator"].includes(session.role)) return true;
  return session.role === "clerk" && (session.groups || []).includes(wait.lane);
}

// A dialog with the wait's form (form-js) and attachments; the message goes to the case.
async function record(info, wait) {
  const dialog = document.getElementById("record-dialog");
  document.getElementById("record-title").textContent = `登记：${wait.name}`;
  const holder = document.getElementById("record-form");
  holder.replaceChildren();
  let form = null;
  if (wait.form) {
    const { schema } = await get(`/cases/${info.id}/forms/${encodeURIComponent(wait.form)}`);
    form = new window.FormViewer.Form({ container: holder });
    await form.importSchema(schema, {});
  }
  const errors = document.getElementById("record-errors");
  errors.hidden = true;
  document.getElementById("record-cancel").onclick = () => dialog.close();
  document.getElementById("record-ok").onclick = async () => {
    try {
      const files = document.getElementById("record-files").files;
      for (const file of files) {
        const data = new FormData();
        data.append("file", file);
        await api("POST", `/cases/${info.id}/attachments`, { form: data });
      }
      let data = {};
      if (form) { data = form.submit().data; form._setState({ errors: {} }); }
      await post(`/cases/${info.id}/messages`, { name: wait.message, data });
      dialog.close();
      sessionStorage.setItem("tongban.flash", `已登记：${wait.name}`);
      location.reload();
    } catch (error) {
      if (error instanceof ApiError && error.details && typeof error.details === "object") {
        errors.textContent = `${error.message}：${Object.entries(error.details).map(([k, v]) => `${k} ${v}`).join("；")}`;
        errors.hidden = false;
      } else showError(error);
    }
  };
  dialog.showModal();
}

// Mark what the case waits for on its diagram (after each repaint).
export function markWaiting(viewer, info) {
  if (!viewer) return;
  const canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry");
  for (const w of info.waiting || []) if (registry.get(w.element_id)) canvas.addMarker(w.element_id, "tb-waiting");
}
