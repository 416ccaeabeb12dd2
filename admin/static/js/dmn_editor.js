// 决策表: dmn-js modeler for one decision of a DMN file, saved into a process's draft, with a try panel
// that evaluates the table's cells in the browser (unary.js) and marks the rows that match.
import { get } from "./api.js";
import { el, flash, requireSession, scriptData, showError, start } from "./ui.js";
import { matches, Unsupported } from "./unary.js";
import { ANALYSTS, draftOrDeployed, loadDraft, saveDraft, zhTranslate } from "./workbench.js";

const key = scriptData("key");
const draftKey = new URLSearchParams(location.search).get("draft") || key;
const dmn = new window.DmnJS({ container: "#dmn", common: { keyboard: { bindTo: window }, additionalModules: [zhTranslate] } });
window.tongbanDmn = dmn; // for the console and the browser tests
let fileName = `${key}.dmn`;

start(async () => {
  const session = await requireSession();
  if (!ANALYSTS.includes(session.role)) throw new Error("只有流程分析员和管理员可以编辑决策表");
  document.getElementById("back").href = `/workbench/modeler/${encodeURIComponent(draftKey)}`;
  const draft = await loadDraft(draftKey);
  const inDraft = draft && [...draft.files].find(([name, text]) => name.endsWith(".dmn") && text.includes(`id="${key}"`));
  let xml;
  if (inDraft) {
    [fileName, xml] = inDraft;
    document.getElementById("source").textContent = `草稿 ${draftKey} 中的 ${fileName}`;
  } else {
    const deployed = await get(`/definitions/dmn/${encodeURIComponent(key)}`);
    xml = deployed.source;
    document.getElementById("source").textContent = `已部署 v${deployed.version}（保存后进入草稿 ${draftKey}）`;
  }
  await dmn.importXML(xml);
  const view = dmn.getViews().find((v) => v.element.id === key && v.type === "decisionTable");
  if (!view) throw new Error(`文件中没有决策表 ${key}`);
  await dmn.open(view);
  document.getElementById("save").addEventListener("click", () => save().catch(showError));
  buildTryForm();
});

async function save() {
  const { xml } = await dmn.saveXML({ format: true });
  // The draft keeps the process's other files; a first save starts it from the deployed diagram.
  const base = (await loadDraft(draftKey)) || (draftKey !== key ? await draftOrDeployed(draftKey) : null);
  const files = new Map(base ? base.files : []);
  files.set(fileName, xml);
  const saved = await saveDraft(draftKey, files);
  document.getElementById("source").textContent = `草稿 ${draftKey} 中的 ${fileName}（已保存）`;
  flash(saved.ok ? "已保存到草稿" : "已保存到草稿，但草稿检查发现错误", saved.ok ? "success" : "info");
}

function table() {
  const decision = dmn.getDefinitions().drgElement.find((d) => d.id === key);
  return decision.decisionLogic;
}

function buildTryForm() {
  const form = document.getElementById("try");
  const fields = table().input.map((input, i) => {
    const name = input.inputExpression?.text || `input${i}`;
    const type = input.inputExpression?.typeRef || "string";
    const control = type === "boolean"
      ? el("select", { name, dataset: { type } }, el("option", { value: "" }, "（空）"), el("option", { value: "true" }, "是"), el("option", { value: "false" }, "否"))
      : el("input", { name, dataset: { type }, type: type === "number" || type === "integer" ? "number" : "text", step: "any" });
    return el("label", {}, `${input.label || name} `, control);
  });
  const button = el("button", { type: "submit", id: "try-run" }, "试算");
  form.replaceChildren(...fields, button);
  form.addEventListener("submit", (event) => { event.preventDefault(); tryTable(); });
}

function valueOf(control) {
  const raw = control.value.trim();
  if (raw === "") return null;
  if (control.dataset.type === "boolean") return raw === "true";
  if (["number", "integer", "long", "double"].includes(control.dataset.type)) return Number(raw);
  return raw;
}

function tryTable() {
  const logic = table();
  const controls = [...document.querySelectorAll("#try [name]")];
  const values = logic.input.map((_, i) => valueOf(controls[i]));
  const rows = logic.rule.map((rule, index) => {
    let state = "match";
    rule.inputEntry.forEach((entry, i) => {
      if (state === "no") return;
      try {
        if (!matches(entry.text, values[i])) state = "no";
      } catch (error) {
        if (!(error instanceof Unsupported)) throw error;
        state = "unknown";
      }
    });
    return { rule, index, state };
  });
  const matched = rows.filter((r) => r.state === "match");
  const unknown = rows.filter((r) => r.state === "unknown");
  const policy = logic.hitPolicy || "UNIQUE";
  const deciding = policy === "FIRST" || policy === "PRIORITY" ? matched.slice(0, 1) : matched;
  const outputs = (r) => logic.output.map((o, i) => `${o.label || o.name}：${r.rule.outputEntry[i]?.text ?? ""}`).join("；");
  const result = document.getElementById("try-result");
  result.replaceChildren(
    el("p", {}, `命中策略 ${policy}：`, matched.length ? `命中第 ${matched.map((r) => r.index + 1).join("、")} 行` : "没有命中的行",
      deciding.length === 1 && matched.length > 1 ? `，由第 ${deciding[0].index + 1} 行决定` : "",
      policy === "UNIQUE" && matched.length > 1 ? el("strong", { class: "error-text" }, "（UNIQUE 表命中多行，引擎会报错）") : ""),
    el("ul", { id: "try-rows" }, deciding.map((r) => el("li", { dataset: { rule: r.rule.id } },
      `第 ${r.index + 1} 行${r.rule.description ? "「" + r.rule.description + "」" : ""} → ${outputs(r)}`))),
    unknown.length ? el("p", { class: "muted" }, `第 ${unknown.map((r) => r.index + 1).join("、")} 行含有浏览器无法试算的单元格（变量或表达式），请在试运行中验证`) : "");
  document.querySelectorAll("#dmn .dmn-row-match").forEach((cell) => cell.classList.remove("dmn-row-match"));
  for (const r of matched) {
    document.querySelectorAll(`#dmn td[data-row-id="${CSS.escape(r.rule.id)}"]`).forEach((cell) => cell.classList.add("dmn-row-match"));
  }
}
