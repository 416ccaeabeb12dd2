// 失信名单: who is listed for a false 告知承诺, lifting with a reason (admins), and the record of it all.
import { get, post } from "./api.js";
import { el, flash, formatTime, requireSession, showError, start } from "./ui.js";

const ACTIONS = { listed: "列入", lifted: "解除", refused: "拒绝告知承诺/容缺" };
let session;

start(async () => {
  session = await requireSession();
  document.getElementById("show-lifted").addEventListener("change", () => load().catch(showError));
  document.getElementById("lift-cancel").addEventListener("click", () => document.getElementById("lift-dialog").close());
  await load();
});

async function load() {
  const all = document.getElementById("show-lifted").checked;
  const [list, audit] = await Promise.all([get("/blacklist", { all }), get("/blacklist/audit")]);
  document.querySelector("#listings tbody").replaceChildren(...list.items.map((x) => {
    const lift = el("button", { type: "button" }, "解除");
    lift.addEventListener("click", () => ask(x));
    return el("tr", {},
      el("td", { "data-label": "申请人" }, x.name), el("td", { "data-label": "证件号码" }, x.id_number),
      el("td", { "data-label": "原因" }, x.reason), el("td", { "data-label": "列入时间" }, formatTime(x.listed_at)),
      el("td", { "data-label": "状态" }, x.lifted_at ? `已解除（${x.lift_reason}）` : "列入中"),
      el("td", { class: "actions" }, !x.lifted_at && session.role === "admin" ? lift : ""));
  }));
  document.getElementById("listings-empty").hidden = list.items.length > 0;
  document.querySelector("#audit tbody").replaceChildren(...audit.items.map((a) => el("tr", {},
    el("td", { "data-label": "时间" }, formatTime(a.at)), el("td", { "data-label": "动作" }, ACTIONS[a.action] || a.action),
    el("td", { "data-label": "证件号码" }, a.id_number), el("td", { "data-label": "操作人" }, a.actor || ""),
    el("td", { "data-label": "说明" }, a.message))));
}

function ask(listing) {
  const dialog = document.getElementById("lift-dialog");
  const form = document.getElementById("lift-form");
  document.getElementById("lift-who").textContent = `${listing.name}（${listing.id_number}）：${listing.reason}`;
  form.reset();
  form.onsubmit = async (event) => {
    event.preventDefault();
    try {
      await post(`/blacklist/${encodeURIComponent(listing.id_number)}/lift`, { reason: form.elements.reason.value.trim() });
      dialog.close();
      flash(`已解除：${listing.name}`, "success");
      await load();
    } catch (error) {
      showError(error);
    }
  };
  dialog.showModal();
}
