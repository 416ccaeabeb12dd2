// 流程办理组: which groups each deployed process's lanes need, and who is in them.
import { get } from "./api.js";
import { el, requireSession, start } from "./ui.js";
import { KIND_NAMES } from "./org.js";

start(async () => {
  await requireSession();
  const items = (await get("/staffing")).items || [];
  document.getElementById("processes").replaceChildren(...items.map((p) => el("section", { class: "card", dataset: { key: p.key } },
    el("h2", {}, p.name && p.name !== p.key ? `${p.name}（${p.key}）` : p.key),
    p.lanes.length ? el("table", { class: "grid" },
      el("thead", {}, el("tr", {}, el("th", {}, "泳道 / 办理组"), el("th", {}, "类型"), el("th", {}, "所属部门"), el("th", {}, "在岗人员"))),
      el("tbody", {}, p.lanes.map((lane) => el("tr", { dataset: { lane: lane.lane }, class: lane.members.length ? null : "unstaffed" },
        el("td", {}, lane.group && lane.group.display_name !== lane.lane ? `${lane.lane}（${lane.group.display_name}）` : lane.lane),
        el("td", {}, lane.group ? KIND_NAMES[lane.group.kind] || lane.group.kind : el("span", { class: "warn" }, "未建此组")),
        el("td", {}, lane.group?.department_name || ""),
        el("td", {}, lane.members.length
          ? lane.members.map((m) => `${m.display_name}${m.department_name ? `（${m.department_name}）` : ""}`).join("、")
          : el("span", { class: "warn" }, "无在岗人员：此泳道的任务无人办理"))))))
      : el("p", { class: "muted" }, "此流程未划分泳道：任务由所有办事人员办理。"))));
  document.getElementById("empty").hidden = items.length > 0;
});
