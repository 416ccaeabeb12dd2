// 流程建模: bpmn-js Modeler with the properties panel (bpmn-js-properties-panel UMD) and a 通办 panel for
// what the engine reads under extensionElements; saves the draft, checks it on the diagram, publishes it.
import { api, get } from "./api.js";
import { LoopVariables } from "./loops.js";
import { el, flash, requireSession, scriptData, showError, start } from "./ui.js";
import {
  ANALYSTS, SPIFF_MODDLE, bpmnFileOf, checkFiles, draftOrDeployed, loadDraft, lostIds, markProblems, problemsOf,
  renderProblems, saveDraft, zhTranslate,
} from "./workbench.js";

const key = scriptData("key");
const panel = window.BpmnJSPropertiesPanel;
const modeler = new window.BpmnJS({
  container: "#canvas",
  keyboard: { bindTo: document }, // undo/redo, delete, select all
  propertiesPanel: { parent: "#properties" },
  additionalModules: [panel.BpmnPropertiesPanelModule, panel.BpmnPropertiesProviderModule, zhTranslate],
  moddleExtensions: { spiffworkflow: SPIFF_MODDLE },
});
window.tongbanModeler = modeler; // for the console and the browser tests
const loops = new LoopVariables(modeler);

let files = new Map();     // the draft's files: name -> text
let bpmnFile = `${key}.bpmn`;
let checked = null;        // the last check's problems, null once the diagram changed since
let unsaved = false;       // changed since opened or saved: leaving the page asks first
const known = { forms: [], decisions: [] };

start(async () => {
  const session = await requireSession();
  if (!ANALYSTS.includes(session.role)) throw new Error("只有流程分析员和管理员可以编辑流程");
  const listed = await get("/definitions", { all_versions: true });
  const versions = (listed.items || []).filter((d) => d.kind === "bpmn" && d.key === key).map((d) => d.version)
    .sort((a, b) => b - a);
  known.forms = [...new Set((listed.items || []).filter((d) => d.kind === "form").map((d) => d.key))].sort();
  known.decisions = [...new Set((listed.items || []).filter((d) => d.kind === "dmn").map((d) => d.key))].sort();
  const draft = await loadDraft(key);
  const open = document.getElementById("open");
  open.replaceChildren(...(draft ? [el("option", { value: "draft" }, "草稿")] : []),
    ...versions.map((v) => el("option", { value: v }, `已部署 v${v}`)));
  const wanted = new URLSearchParams(location.search).get("version");
  open.value = wanted && versions.includes(Number(wanted)) ? wanted : (draft ? "draft" : String(versions[0] ?? ""));
  if (!open.value) throw new Error(`没有流程 ${key} 的草稿或已部署版本`);
  open.addEventListener("change", () => load(open.value).catch(showError));
  wire();
  await load(open.value);
});

async function load(which) {
  const opened = which === "draft" ? await draftOrDeployed(key) : await draftOrDeployed(key, Number(which));
  // Opening a version keeps the draft's other files (DMN, forms) so saving does not drop them.
  const draft = opened.from === "version" ? await loadDraft(key) : null;
  files = new Map([...(draft ? draft.files : []), ...opened.files]);
  if (draft) for (const name of draft.files.keys()) if (/\.bpmn/.test(name) && !opened.files.has(name)) files.delete(name);
  bpmnFile = bpmnFileOf(files) || bpmnFile;
  document.getElementById("source").textContent = opened.from === "draft"
    ? "草稿" : `从已部署 v${opened.version} 打开（保存后成为草稿）`;
  const source = files.get(bpmnFile);
  const found = LoopVariables.read(source);
  const kept = new Set(Object.values(found).flatMap((refs) => Object.values(refs)));
  const { warnings } = await modeler.importXML(source);
  loops.attach(found);
  const lost = lostIds(source, await exportXml());
  const unresolved = warnings.filter((w) => /unresolved reference/.test(w.message) // dropped on save
    && ![...kept].some((name) => w.message.includes(`<${name}>`)));
  const box = document.getElementById("import-losses");
  box.hidden = !lost.length && !unresolved.length;
  box.replaceChildren(el("strong", {}, lost.length ? `编辑器无法保留此图中的 ${lost.length} 个元素，保存后会丢失：`
    : `打开时有 ${unresolved.length} 处内容无法解析（如引用了未声明的元素），保存后这些引用会丢失。`),
    el("ul", {}, lost.map((id) => el("li", { dataset: { lost: id } }, id))));
  modeler.get("canvas").zoom("fit-viewport", "auto");
  setChecked(null);
  unsaved = false;
  renderFiles();
  renderTongban();
}

function wire() {
  const eventBus = modeler.get("eventBus");
  eventBus.on("commandStack.changed", () => { setChecked(null); unsaved = true; });
  window.addEventListener("beforeunload", (event) => { if (unsaved) event.preventDefault(); });
  eventBus.on(["selection.changed", "elements.changed"], renderTongban);
  document.getElementById("save").addEventListener("click", () => save().catch(showError));
  document.getElementById("check").addEventListener("click", () => check().catch(showError));
  document.getElementById("publish").addEventListener("click", () => publish().catch(showError));
  document.getElementById("export").addEventListener("click", async () => {
    const xml = await exportXml();
    const a = el("a", { href: URL.createObjectURL(new Blob([xml], { type: "application/xml" })), download: bpmnFile });
    a.click();
    URL.revokeObjectURL(a.href);
  });
  // The trial runs the saved draft: save first so it is the diagram on screen.
  document.getElementById("trial-link").addEventListener("click", async (event) => {
    event.preventDefault();
    try { await save(); location.href = event.target.href; } catch (error) { showError(error); }
  });
}

// What is saved, checked and downloaded: bpmn-js's export plus the 会签 variable names it cannot keep.
async function exportXml() {
  return loops.write((await modeler.saveXML({ format: true })).xml);
}

async function currentFiles() {
  files.set(bpmnFile, await exportXml());
  return files;
}

async function save() {
  const saved = await saveDraft(key, await currentFiles());
  unsaved = false;
  document.getElementById("source").textContent = "草稿（已保存）";
  const open = document.getElementById("open");
  if (!open.querySelector('option[value="draft"]')) open.prepend(el("option", { value: "draft" }, "草稿"));
  open.value = "draft";
  setChecked(saved.problems || []);
  flash(saved.ok ? "草稿已保存" : "草稿已保存，但检查发现错误", saved.ok ? "success" : "info");
  return saved;
}

async function check() {
  const result = await checkFiles(await currentFiles());
  setChecked(result.problems || []);
}

async function publish() {
  const note = document.getElementById("note").value.trim();
  if (!note) { flash("请填写变更说明", "error"); document.getElementById("note").focus(); return; }
  const saved = await save();
  if (!saved.ok) { flash("检查未通过：有错误，不能发布", "error"); return; }
  try {
    const made = await api("POST", `/drafts/${encodeURIComponent(key)}/publish`, { json: { note } });
    sessionStorage.setItem("tongban.flash", `已发布：${made.key} v${made.version}`);
    location.href = `/workbench/versions/${encodeURIComponent(key)}`;
  } catch (error) {
    const problems = problemsOf(error);
    if (problems) setChecked(problems);
    throw error;
  }
}

// Publishing needs a check of exactly what is on screen without errors.
function setChecked(problems) {
  checked = problems;
  const button = document.getElementById("publish");
  const errors = problems ? problems.filter((p) => p.severity === "error").length : null;
  button.disabled = errors !== 0;
  button.title = problems === null ? "请先检查，没有错误才能发布" : errors ? "有错误，不能发布" : "";
  if (problems === null) return;
  markProblems(modeler, problems, bpmnFile);
  renderProblems(document.getElementById("problems"), problems, (id) => {
    const element = modeler.get("elementRegistry").get(id);
    if (element) { modeler.get("selection").select(element); modeler.get("canvas").scrollToElement(element); }
  });
}

function renderFiles() {
  const editor = (name) => {
    const stem = name.replace(/\.[^.]+$/, "");
    if (name.endsWith(".dmn")) return `/workbench/dmn/${encodeURIComponent(stem)}?draft=${encodeURIComponent(key)}`;
    if (name.endsWith(".form")) return `/workbench/forms/${encodeURIComponent(stem)}?draft=${encodeURIComponent(key)}`;
    return null;
  };
  document.getElementById("files").replaceChildren(...[...files.keys()].sort().map((name) => {
    const href = editor(name);
    return el("li", {}, href ? el("a", { href }, name) : name, name === bpmnFile ? "（本图）" : "");
  }));
}

// ---------------------------------------------------------------- 通办 panel

function extension(bo, type) {
  return (bo.extensionElements?.values || []).find((v) => v.$type === type);
}

function propertyOf(bo, name) {
  return (extension(bo, "spiffworkflow:Properties")?.properties || []).find((p) => p.name === name)?.value || "";
}

// Every change goes through `modeling`, so it is undoable and marks the diagram as changed.
function ensureExtensions(element) {
  const modeling = modeler.get("modeling"), moddle = modeler.get("moddle"), bo = element.businessObject;
  if (!bo.extensionElements) {
    modeling.updateProperties(element, { extensionElements: moddle.create("bpmn:ExtensionElements", { values: [] }) });
  }
  return bo.extensionElements;
}

function setProperty(element, name, value) {
  const modeling = modeler.get("modeling"), moddle = modeler.get("moddle");
  const ext = ensureExtensions(element);
  let props = extension(element.businessObject, "spiffworkflow:Properties");
  if (!props) {
    if (!value) return;
    props = moddle.create("spiffworkflow:Properties", { properties: [] });
    modeling.updateModdleProperties(element, ext, { values: [...ext.values, props] });
  }
  const existing = props.properties.find((p) => p.name === name);
  if (!value) {
    if (existing) modeling.updateModdleProperties(element, props, { properties: props.properties.filter((p) => p !== existing) });
  } else if (existing) {
    modeling.updateModdleProperties(element, existing, { value });
  } else {
    modeling.updateModdleProperties(element, props,
      { properties: [...props.properties, moddle.create("spiffworkflow:Property", { name, value })] });
  }
}

function setBodyElement(element, type, value) {
  const modeling = modeler.get("modeling"), moddle = modeler.get("moddle");
  const ext = ensureExtensions(element);
  const existing = extension(element.businessObject, type);
  if (!value) {
    if (existing) modeling.updateModdleProperties(element, ext, { values: ext.values.filter((v) => v !== existing) });
  } else if (existing) {
    modeling.updateModdleProperties(element, existing, { value });
  } else {
    modeling.updateModdleProperties(element, ext, { values: [...ext.values, moddle.create(type, { value })] });
  }
}

function field(label, name, value, onChange, { hint, list, type = "text", options } = {}) {
  const input = options
    ? el("select", { name }, options.map(([v, text]) => el("option", { value: v, selected: v === value }, text)))
    : el("input", { name, type, value, list, min: type === "number" ? 1 : null });
  input.addEventListener("change", () => onChange(input.value.trim()));
  return el("label", {}, label, input, hint ? el("div", { class: "hint" }, hint) : null);
}

function renderTongban() {
  const box = document.getElementById("tongban-props");
  const selected = modeler.get("selection").get();
  const element = selected.length === 1 ? selected[0] : null;
  if (!element) {
    box.replaceChildren(el("h3", {}, "通办属性"), el("p", { class: "hint" }, "选中一个环节，设置表单、时限、计时、结果等。"));
    return;
  }
  const bo = element.businessObject, type = element.type, rows = [];
  const prop = (label, name, extra) => field(label, name, propertyOf(bo, name), (v) => setProperty(element, name, v), extra);
  const isTimer = (bo.eventDefinitions || []).some((d) => d.$type === "bpmn:TimerEventDefinition");
  const isMessage = (bo.eventDefinitions || []).some((d) => d.$type === "bpmn:MessageEventDefinition");
  if (type === "bpmn:UserTask" || type === "bpmn:StartEvent") {
    rows.push(prop("表单", "formKey", { list: "tb-forms", hint: type === "bpmn:StartEvent" ? "申请表：发起办件时的数据须符合此表单" : "办理时提交的数据须符合此表单（forms/ 中的表单键）" }));
  }
  if (type === "bpmn:UserTask") {
    rows.push(prop("候选组", "candidateGroups", { hint: "不填时按所在泳道的名称（即办理组）派件；多个用逗号分隔" }));
    rows.push(prop("环节时限（工作日）", "timeLimit", { type: "number", hint: "到件后第 N 个工作日结束前办完，超期亮牌" }));
  }
  if (["bpmn:UserTask", "bpmn:ReceiveTask", "bpmn:IntermediateCatchEvent"].includes(type)) {
    rows.push(prop("办件计时", "clock", { options: [["", "不影响"], ["start", "办完此环节开始计时（受理）"], ["pause", "在此等待时暂停计时（容缺、补正、缴费）"]] }));
  }
  if (type === "bpmn:ReceiveTask" || (isMessage && type === "bpmn:IntermediateCatchEvent")) {
    rows.push(field("消息数据存入变量", "messageVariable", extension(bo, "spiffworkflow:MessageVariable")?.value || "",
      (v) => setBodyElement(element, "spiffworkflow:MessageVariable", v), { hint: "对接系统回送的消息数据放在此变量下" }));
  }
  if (type === "bpmn:BusinessRuleTask") {
    const decision = extension(bo, "spiffworkflow:CalledDecisionId")?.value || "";
    rows.push(field("决策表", "calledDecisionId", decision, (v) => setBodyElement(element, "spiffworkflow:CalledDecisionId", v),
      { list: "tb-decisions", hint: "秒批：评估此 DMN 决策，输出写入办件数据" }));
    if (decision) rows.push(el("a", { href: `/workbench/dmn/${encodeURIComponent(decision)}?draft=${encodeURIComponent(key)}` }, "编辑决策表"));
  }
  const loop = bo.loopCharacteristics;
  if (loop && loop.$type === "bpmn:MultiInstanceLoopCharacteristics") {
    const ref = (label, kind, hint) => field(label, kind, loops.get(loop, kind),
      (v) => { loops.set(loop, kind, v); setChecked(null); unsaved = true; }, { hint });
    const item = (label, name, property) => field(label, name, loop.get(property)?.name || "", (v) =>
      modeler.get("modeling").updateModdleProperties(element, loop,
        { [property]: v ? modeler.get("moddle").create(property === "inputDataItem" ? "bpmn:DataInput" : "bpmn:DataOutput", { id: v, name: v }) : undefined }));
    rows.push(el("p", { class: "hint" }, loop.isSequential ? "依次：名单中的人一个接一个办理" : "会签/或签：名单中每人一件，同时办理；或签请在下方“多实例”组的完成条件填 True"));
    rows.push(ref("会签名单（列表变量）", "loopDataInputRef", "如 reviewers：办件数据中的人员列表，每人一件"));
    rows.push(item("每人变量", "inputDataItem", "inputDataItem"));
    rows.push(ref("意见汇总（列表变量）", "loopDataOutputRef", "如 opinions：每人的意见收集到此列表；依次办理必须填写"));
    rows.push(item("每人意见变量", "outputDataItem", "outputDataItem"));
  }
  if (type === "bpmn:EndEvent") {
    rows.push(prop("办结结果", "outcome", { hint: "如 准予、不予许可、逾期未补正；不填时用结束事件名称" }));
  }
  if (isTimer) {
    rows.push(el("p", { class: "hint" }, "定时在下方“定时”组填写：P5WD = 5 个工作日（按法定节假日和调休），P5D = 5 个自然日，PT30M = 30 分钟；容缺/补正等待须有期限。"));
  }
  if (type === "bpmn:Lane") {
    rows.push(el("p", { class: "hint" }, "泳道名称就是办理组（部门）名称：泳道内未指定候选人的任务由该组的人员办理。"));
  }
  if (type === "bpmn:SequenceFlow") {
    rows.push(el("p", { class: "hint" }, "条件在下方“条件”组填写，如 decision == \"approve\" 或 ${area_m2 > 500}；变量须由之前的表单、消息、决策表或脚本提供。"));
  }
  const formKey = propertyOf(bo, "formKey");
  if (formKey) rows.push(el("a", { href: `/workbench/forms/${encodeURIComponent(formKey)}?draft=${encodeURIComponent(key)}` }, "编辑表单"));
  box.replaceChildren(el("h3", {}, `通办属性 · ${bo.name || element.id}`), ...rows,
    el("datalist", { id: "tb-forms" }, draftKeys(".form", known.forms).map((k) => el("option", { value: k }))),
    el("datalist", { id: "tb-decisions" }, known.decisions.map((k) => el("option", { value: k }))));
  if (!rows.length) box.append(el("p", { class: "hint" }, "此类环节没有通办专用属性。"));
}

function draftKeys(ext, deployed) {
  const own = [...files.keys()].filter((n) => n.endsWith(ext)).map((n) => n.slice(0, -ext.length));
  return [...new Set([...own, ...deployed])].sort();
}
