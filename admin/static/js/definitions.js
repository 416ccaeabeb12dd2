// 流程定义: every deployed definition with its versions; analysts and admins upload new ones.
import { api, get } from "./api.js";
import { el, formatTime, requireSession, showError, start } from "./ui.js";

const KIND_NAMES = { bpmn: "流程图", dmn: "决策表", form: "表单", matter: "事项指南" };

start(async () => {
  const session = await requireSession();
  if (["admin", "analyst"].includes(session.role)) setUpUpload();
  await load();
});

async function load() {
  const page = await get("/definitions", { all_versions: true });
  // One row per key and kind, newest version first, whatever order the API lists.
  const groups = new Map();
  for (const d of page.items || []) {
    const id = `${d.kind}:${d.key}`;
    if (!groups.has(id)) groups.set(id, []);
    groups.get(id).push(d);
  }
  const rows = [...groups.values()].map((versions) => {
    versions.sort((a, b) => b.version - a.version);
    const latest = versions[0];
    const all = latest.versions || versions.map((v) => v.version);
    const link = (v) => latest.kind === "bpmn"
      ? el("a", { href: `/definitions/${encodeURIComponent(latest.key)}?version=${v}` }, `v${v}`)
      : `v${v}`;
    return el("tr", { dataset: { key: latest.key, kind: latest.kind } },
      el("td", {}, latest.kind === "bpmn" ? el("a", { href: `/definitions/${encodeURIComponent(latest.key)}` }, latest.key) : latest.key),
      el("td", {}, latest.name && latest.name !== latest.key ? latest.name : ""),
      el("td", {}, KIND_NAMES[latest.kind] || latest.kind),
      el("td", {}, `v${latest.version}`),
      el("td", { class: "versions" }, [...all].sort((a, b) => b - a).flatMap((v, i) => i ? [" ", link(v)] : [link(v)])),
      el("td", { class: "nowrap" }, formatTime(latest.deployed_at || latest.created_at)));
  });
  document.querySelector("#definitions tbody").replaceChildren(...rows);
  document.getElementById("empty").hidden = rows.length > 0;
}

function setUpUpload() {
  document.getElementById("upload-card").hidden = false;
  const form = document.getElementById("upload");
  const result = document.getElementById("upload-result");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    result.replaceChildren();
    try {
      const made = await api("POST", "/definitions", { form: new FormData(form) });
      const what = `${KIND_NAMES[made.kind] || made.kind} ${made.key} v${made.version}`;
      result.replaceChildren(el("p", { class: "success" }, made.created === false ? "内容未变，仍为：" : "已部署：",
        made.kind === "bpmn" ? el("a", { href: `/definitions/${encodeURIComponent(made.key)}?version=${made.version}` }, what) : what));
      // Deployed all the same; nobody could work these lanes' tasks yet.
      if ((made.warnings || []).length) {
        result.append(el("div", { class: "notice", id: "lane-warnings" }, el("strong", {}, "注意：以下泳道的办理组没有在岗人员"),
          el("ul", {}, made.warnings.map((w) => el("li", {}, `${w.process} · 泳道「${w.lane}」`))),
          el("a", { href: "/staffing" }, "查看各流程的办理组")));
      }
      form.reset();
      await load();
    } catch (error) {
      result.replaceChildren(el("div", { class: "error-box" }, el("strong", {}, error.message), problems(error.details)));
      if (error.status !== 422) showError(error);
    } finally {
      button.disabled = false;
    }
  });
}

// The 422 details name each problem; show them as a list whatever their shape.
function problems(details) {
  if (!details) return null;
  const items = Array.isArray(details) ? details.map((d) => typeof d === "string" ? d : JSON.stringify(d))
    : typeof details === "object" ? Object.entries(details).map(([k, v]) => `${k}：${typeof v === "string" ? v : JSON.stringify(v)}`)
      : [String(details)];
  return el("ul", {}, items.map((text) => el("li", {}, text)));
}
