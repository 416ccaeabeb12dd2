// 我的办件: the applicant's own cases (the API scopes them by identity number) and where to apply.
import { get } from "./api.js";
import { el, formatTime, matterNames, requireSession, start, STATUS_NAMES } from "./ui.js";

start(async () => {
  await requireSession();
  const [page, names, themes] = await Promise.all([get("/cases", { per_page: 100 }), matterNames(),
    get("/themes").catch(() => ({ items: [] }))]);
  const items = page.items || [];
  const details = await Promise.all(items.map((c) => get(`/cases/${c.id}`).catch(() => null)));
  document.querySelector("#my-cases tbody").replaceChildren(...items.map((c, i) => {
    const open = (details[i]?.tasks || []).filter((t) => t.state === "READY" || t.state === "WAITING");
    return el("tr", {},
      el("td", { "data-label": "办件编号" }, el("a", { href: `/my/cases/${c.id}` }, c.number)),
      el("td", { "data-label": "事项" }, names.get(c.process) || c.process),
      el("td", { "data-label": "状态" }, el("span", { class: `badge ${c.status}` }, STATUS_NAMES[c.status] || c.status)),
      el("td", { "data-label": "当前环节" }, open.map((t) => t.name).join("、") || "—"),
      el("td", { "data-label": "申请时间" }, formatTime(c.created_at)),
      el("td", { "data-label": "承诺办结" }, formatTime(c.clock?.promised_due) || "—"),
      el("td", { "data-label": "结果" }, c.outcome || "—"));
  }));
  document.getElementById("my-empty").hidden = items.length > 0;
  document.getElementById("themes").replaceChildren(...(themes.items || []).map((t) => el("li", {},
    el("a", { href: `/apply/theme/${encodeURIComponent(t.key)}` }, t.name),
    el("span", { class: "muted" }, `（${t.matters.map((m) => m.name).join(" + ")}）`))));
  document.getElementById("matters").replaceChildren(...[...names].map(([key, name]) => el("li", {},
    el("a", { href: `/apply/process/${encodeURIComponent(key)}` }, name))));
});
