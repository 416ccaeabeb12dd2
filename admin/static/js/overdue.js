// 超期公示: public, no login; lists overdue cases without anything about the applicant.
import { get } from "./api.js";
import { cardBadge, el, formatTime, showError, start } from "./ui.js";

start(async () => {
  document.getElementById("nav").replaceChildren(el("a", { href: "/login" }, "工作人员登录"));
  const items = (await get("/overdue")).items || [];
  document.querySelector("#overdue tbody").replaceChildren(...items.map((o) => el("tr", {},
    el("td", {}, o.number), el("td", {}, o.matter), el("td", {}, o.department), el("td", {}, cardBadge(o.card)),
    el("td", {}, formatTime(o.promised_due)), el("td", {}, formatTime(o.legal_due)))));
  document.getElementById("overdue-empty").hidden = items.length > 0;
}, showError);
