// 一件事: the other cases of the same application, shown on a case page for clerks.
import { el, STATUS_NAMES } from "./ui.js";

export function renderSiblings(info, after) {
  const others = (info.application?.cases || []).filter((c) => c.id !== info.id);
  if (!others.length) return;
  const title = info.application.theme_name ? `一件事：${info.application.theme_name}` : "同一申请的其他办件";
  after.after(el("section", { class: "card", id: "siblings" }, el("h2", {}, title),
    el("ul", { class: "plain" }, others.map((c) => el("li", {},
      el("a", { href: `/cases/${c.id}` }, c.number), ` ${c.matter} · ${STATUS_NAMES[c.status] || c.status}`))),
    info.application.commitments?.length ? el("p", { class: "notice" }, `申请人以告知承诺代替：${info.application.commitments.join("、")}`) : ""));
}
