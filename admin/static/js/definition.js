// One definition's diagram, version by version.
import { get } from "./api.js";
import { definitionXml, showDiagram } from "./diagram.js";
import { el, formatTime, requireSession, scriptData, start } from "./ui.js";

const key = scriptData("key");
let viewer;

start(async () => {
  await requireSession();
  const page = await get("/definitions", { kind: "bpmn", all_versions: true });
  const versions = (page.items || []).filter((d) => d.key === key && (d.kind || "bpmn") === "bpmn")
    .sort((a, b) => b.version - a.version);
  if (!versions.length) throw new Error(`没有找到流程定义 ${key}`);
  const select = document.getElementById("version");
  select.replaceChildren(...versions.map((d) => el("option", { value: d.version }, `v${d.version}`)));
  const wanted = new URLSearchParams(location.search).get("version");
  select.value = versions.some((d) => String(d.version) === wanted) ? wanted : String(versions[0].version);
  select.addEventListener("change", () => {
    history.replaceState(null, "", `?version=${select.value}`);
    show(versions.find((d) => String(d.version) === select.value)).catch((e) => alert(e.message));
  });
  await show(versions.find((d) => String(d.version) === select.value));
});

async function show(def) {
  document.getElementById("def-title").textContent = def.name ? `${def.name}（${key}）` : key;
  const meta = [["版本", `v${def.version}`], ["部署时间", formatTime(def.deployed_at || def.created_at)],
    ["部署人", def.deployed_by || ""]];
  document.getElementById("def-meta").replaceChildren(
    ...meta.filter(([, v]) => v).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  const xml = await definitionXml(key, def.version);
  const container = document.getElementById("diagram");
  if (viewer) viewer.destroy();
  container.replaceChildren();
  viewer = await showDiagram(container, xml);
}
