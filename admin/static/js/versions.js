// 版本与迁移: who deployed which version with what note and how many cases run on it; a coloured diff of
// two versions (bpmn-js-differ); moving running cases to another version, dry run first.
import { diff } from "/ui/vendor/bpmn-js-differ/index.esm.js";
import { api, get } from "./api.js";
import { definitionXml } from "./diagram.js";
import { el, flash, formatTime, requireSession, scriptData, showError, start } from "./ui.js";
import { ANALYSTS, SPIFF_MODDLE, elementLabel } from "./workbench.js";

const key = scriptData("key");
let versions = [], lastDryRun = null;

start(async () => {
  const session = await requireSession();
  if (!ANALYSTS.includes(session.role)) throw new Error("只有流程分析员和管理员可以管理版本");
  versions = (await get(`/definitions/${encodeURIComponent(key)}/versions`)).items || [];
  if (!versions.length) throw new Error(`流程 ${key} 还没有部署过`);
  renderVersions();
  const options = () => versions.map((v) => el("option", { value: v.version }, `v${v.version}`));
  const [a, b, to] = ["diff-a", "diff-b", "mig-to"].map((id) => document.getElementById(id));
  a.replaceChildren(...options()); b.replaceChildren(...options()); to.replaceChildren(...options());
  b.value = String(versions[0].version);
  a.value = String((versions[1] || versions[0]).version);
  to.value = String(versions[0].version);
  to.addEventListener("change", () => { lastDryRun = null; document.getElementById("migrate").disabled = true; });
  document.getElementById("diff").addEventListener("click", () => compare(a.value, b.value).catch(showError));
  document.getElementById("dry-run").addEventListener("click", () => migrate(true).catch(showError));
  document.getElementById("migrate").addEventListener("click", () => migrate(false).catch(showError));
  if (versions.length > 1) await compare(a.value, b.value);
});

function renderVersions() {
  document.querySelector("#versions tbody").replaceChildren(...versions.map((v) => el("tr", { dataset: { version: v.version } },
    el("td", {}, `v${v.version}`), el("td", { class: "nowrap" }, formatTime(v.deployed_at)), el("td", {}, v.deployed_by || ""),
    el("td", {}, v.note || el("span", { class: "muted" }, "（无说明）")), el("td", {}, String(v.running_cases ?? 0)),
    el("td", {}, el("a", { href: `/workbench/modeler/${encodeURIComponent(key)}?version=${v.version}` }, "打开")))));
}

const viewers = {};

async function show(side, version) {
  const container = document.getElementById(side);
  viewers[side]?.destroy();
  container.replaceChildren();
  const viewer = new window.BpmnJS({ container, moddleExtensions: { spiffworkflow: SPIFF_MODDLE } });
  await viewer.importXML(await definitionXml(key, version));
  viewer.get("canvas").zoom("fit-viewport", "auto");
  viewers[side] = viewer;
  return viewer;
}

const ATTRS = { name: "名称", targetRef: "连线终点", sourceRef: "连线起点", conditionExpression: "条件",
  extensionElements: "通办属性", messageRef: "消息", default: "默认连线", eventDefinitions: "事件定义" };

function label(viewer, id, model) {
  return elementLabel(viewer.get("elementRegistry").get(id)?.businessObject || model);
}

const KINDS = { _added: ["tb-added", "新增"], _removed: ["tb-removed", "删除"], _changed: ["tb-changed", "修改"],
  _layoutChanged: [null, "移动"] };

async function compare(older, newer) {
  const [left, right] = await Promise.all([show("diff-left", older), show("diff-right", newer)]);
  const changes = diff(left.getDefinitions(), right.getDefinitions());
  const items = [];
  for (const [kind, [marker, word]] of Object.entries(KINDS)) {
    for (const id of Object.keys(changes[kind] || {})) {
      const viewer = kind === "_removed" ? left : right;
      if (marker && viewer.get("elementRegistry").get(id)) viewer.get("canvas").addMarker(id, marker);
      if (kind === "_changed" && left.get("elementRegistry").get(id)) left.get("canvas").addMarker(id, marker);
      const entry = changes[kind][id];
      const attrs = kind === "_changed" ? Object.keys(entry.attrs || {}).map((a) => ATTRS[a] || a).join("、") : "";
      if (kind !== "_layoutChanged") {
        items.push(el("li", { dataset: { kind: kind.slice(1), element: id } }, `${word}：${label(viewer, id, entry.model || entry)}`,
          attrs ? `（${attrs}）` : ""));
      }
    }
  }
  document.getElementById("diff-list").replaceChildren(...(items.length ? items : [el("li", {}, "两个版本的流程相同")]));
}

async function migrate(dryRun) {
  const toVersion = Number(document.getElementById("mig-to").value);
  const request = { process: key, to_version: toVersion, dry_run: dryRun };
  if (!dryRun) {
    // Only the cases ticked after the dry run move (all movable ones unless the analyst unticks some).
    request.cases = [...document.querySelectorAll("#migration input[name=move]:checked")].map((box) => Number(box.value));
    if (!request.cases.length) { flash("没有勾选要迁移的办件", "error"); return; }
    if (!window.confirm(`把 ${request.cases.length} 件在办件迁移到 v${toVersion}？此操作会记入每件办件的留痕。`)) return;
  }
  const result = await api("POST", "/migrations", { json: request });
  const items = result.items || [];
  const movable = items.filter((i) => i.movable).length;
  document.getElementById("mig-summary").textContent = dryRun
    ? `试算：${items.length} 件在其他版本上办理，其中 ${movable} 件可以迁到 v${toVersion}。`
    : `已迁移 ${items.filter((i) => i.moved).length} 件到 v${toVersion}；其余未改动。`;
  document.querySelector("#migration tbody").replaceChildren(...items.map((i) => el("tr",
    { class: i.movable ? "movable-yes" : "movable-no", dataset: { case: i.case } },
    el("td", {}, dryRun && i.movable ? el("input", { type: "checkbox", name: "move", value: i.case, checked: true,
      "aria-label": `迁移 ${i.number || i.case}` }) : "", " ", el("a", { href: `/cases/${i.case}` }, i.number || `#${i.case}`)),
    el("td", {}, `v${i.from_version}`),
    el("td", {}, i.movable ? "可以" : "不可以"), el("td", {}, i.reason || ""),
    el("td", {}, (i.tasks || []).map((t) => el("div", {}, `${t.from_name || t.from} → ${t.to ? (t.to_name || t.to) : "（无对应环节）"}`))),
    el("td", {}, dryRun ? "" : i.moved ? "已迁移" : "未迁移"))));
  lastDryRun = dryRun ? result : null;
  document.getElementById("migrate").disabled = !(dryRun && movable);
  if (!dryRun) {
    flash(`迁移完成：${items.filter((i) => i.moved).length} 件`, "success");
    versions = (await get(`/definitions/${encodeURIComponent(key)}/versions`)).items || versions;
    renderVersions();
  }
}
