// The analyst workbench's shared parts: drafts as sets of files, lint problems on a list and on a
// diagram, the spiffworkflow moddle descriptor and the Chinese labels of the bpmn-js/dmn-js editors.
import { api, ApiError, get } from "./api.js";
import { el } from "./ui.js";

export const ANALYSTS = ["admin", "analyst"];

// A draft is {key, files: Map<file name, text or bytes>}; the API takes them as repeated multipart `file`.
export function filesForm(files) {
  const form = new FormData();
  for (const [name, text] of files) form.append("file", new Blob([text], { type: "application/octet-stream" }), name);
  return form;
}

export async function loadDraft(key) {
  try {
    const draft = await get(`/drafts/${encodeURIComponent(key)}`);
    return { ...draft, files: new Map(Object.entries(draft.sources || {})) };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export function saveDraft(key, files) {
  return api("PUT", `/drafts/${encodeURIComponent(key)}`, { form: filesForm(files) });
}

export function checkFiles(files) {
  return api("POST", "/definitions/check", { form: filesForm(files) });
}

// The files a process's draft starts with: its saved draft, or else the deployed diagram.
export async function draftOrDeployed(key, version) {
  const draft = version ? null : await loadDraft(key);
  if (draft) return { files: draft.files, from: "draft", draft };
  const def = await get(`/definitions/bpmn/${encodeURIComponent(key)}`, version ? { version } : {});
  return { files: new Map([[`${key}.bpmn`, def.source]]), from: "version", version: def.version, definition: def };
}

export function bpmnFileOf(files) {
  return [...files.keys()].find((name) => /\.bpmn(20\.xml)?$/.test(name));
}

const SEVERITY = { error: "错误", warning: "警告" };

// Lint problems as a list; clicking one calls pick(element_id).
export function renderProblems(container, problems, pick) {
  if (!problems.length) {
    container.replaceChildren(el("p", { class: "success", id: "lint-ok" }, "检查通过：没有发现问题。"));
    return;
  }
  const errors = problems.filter((p) => p.severity === "error").length;
  container.replaceChildren(
    el("p", { class: errors ? "error-text" : "" }, errors ? `${errors} 个错误必须改正后才能发布` : "只有警告，可以发布"),
    el("ul", { class: "problems" }, problems.map((p) => {
      const where = p.element_name || p.element_id;
      const item = el("li", { class: `problem ${p.severity}`, dataset: { element: p.element_id || "", code: p.code || "" } },
        el("span", { class: `badge sev-${p.severity}` }, SEVERITY[p.severity] || p.severity),
        " ", p.file ? el("span", { class: "muted" }, `${p.file}${where ? " · " + where : ""}：`) : null, p.message);
      if (p.element_id && pick) item.addEventListener("click", () => pick(p.element_id));
      return item;
    })));
}

// Markers and badges on the elements the problems name (bpmn-js viewer or modeler).
export function markProblems(viewer, problems, file) {
  const canvas = viewer.get("canvas"), overlays = viewer.get("overlays"), registry = viewer.get("elementRegistry");
  overlays.remove({ type: "tb-lint" });
  registry.forEach((e) => { canvas.removeMarker(e, "tb-lint-error"); canvas.removeMarker(e, "tb-lint-warning"); });
  for (const p of problems) {
    if (!p.element_id || (file && p.file && p.file !== file) || !registry.get(p.element_id)) continue;
    canvas.addMarker(p.element_id, `tb-lint-${p.severity}`);
    overlays.add(p.element_id, "tb-lint", {
      position: { top: -10, right: 10 },
      html: el("div", { class: `tb-lint-badge ${p.severity}`, title: p.message }, p.severity === "error" ? "!" : "?"),
    });
  }
}

// Errors of a failed deploy/publish (422 lint_failed) carry the list of problems.
export function problemsOf(error) {
  return (error && error.details && Array.isArray(error.details.problems)) ? error.details.problems : null;
}

// Our own moddle descriptor for what the engine reads under extensionElements (see docs/modeling.md).
export const SPIFF_MODDLE = {
  name: "SpiffWorkflow",
  uri: "http://spiffworkflow.org/bpmn/schema/1.0/core",
  prefix: "spiffworkflow",
  xml: { tagAlias: "lowerCase" },
  associations: [],
  types: [
    { name: "Properties", superClass: ["Element"], meta: { allowedIn: ["*"] },
      properties: [{ name: "properties", type: "Property", isMany: true }] },
    { name: "Property", superClass: ["Element"],
      properties: [{ name: "name", type: "String", isAttr: true }, { name: "value", type: "String", isAttr: true }] },
    { name: "CalledDecisionId", superClass: ["Element"], meta: { allowedIn: ["bpmn:BusinessRuleTask"] },
      properties: [{ name: "value", type: "String", isBody: true }] },
    { name: "MessageVariable", superClass: ["Element"], meta: { allowedIn: ["*"] },
      properties: [{ name: "value", type: "String", isBody: true }] },
    { name: "MessagePayload", superClass: ["Element"], meta: { allowedIn: ["*"] },
      properties: [{ name: "value", type: "String", isBody: true }] },
    // A service task's operator (e.g. issueLicence) and its parameters; unknown types would be dropped on save.
    { name: "ServiceTaskOperator", superClass: ["Element"], meta: { allowedIn: ["bpmn:ServiceTask"] },
      properties: [{ name: "id", type: "String", isAttr: true }, { name: "resultVariable", type: "String", isAttr: true },
        { name: "parameterList", type: "Parameters" }] },
    { name: "Parameters", superClass: ["Element"], properties: [{ name: "parameters", type: "Parameter", isMany: true }] },
    { name: "Parameter", superClass: ["Element"],
      properties: [{ name: "id", type: "String", isAttr: true }, { name: "type", type: "String", isAttr: true },
        { name: "value", type: "String", isAttr: true }] },
  ],
};

// Chinese labels for the editors' palette, context pad and properties panel (bpmn-js `translate`).
const ZH = {
  "Activate the hand tool": "抓手工具", "Activate the lasso tool": "套索工具",
  "Activate the create/remove space tool": "增删空间", "Activate the global connect tool": "连线工具",
  "Create StartEvent": "开始事件", "Create start event": "开始事件", "Create EndEvent": "结束事件",
  "Create end event": "结束事件", "Create Task": "任务", "Create task": "任务", "Create Gateway": "网关",
  "Create gateway": "网关", "Create Intermediate/Boundary Event": "中间/边界事件",
  "Create intermediate/boundary event": "中间/边界事件", "Create expanded SubProcess": "子流程",
  "Create expanded sub-process": "子流程", "Create Pool/Participant": "池/参与者",
  "Create pool/participant": "池/参与者", "Create DataObjectReference": "数据对象",
  "Create data object reference": "数据对象", "Create DataStoreReference": "数据存储",
  "Create data store reference": "数据存储", "Create Group": "分组", "Create group": "分组",
  "Append Task": "追加任务", "Append task": "追加任务", "Append EndEvent": "追加结束事件",
  "Append end event": "追加结束事件", "Append Gateway": "追加网关", "Append gateway": "追加网关",
  "Append Intermediate/Boundary Event": "追加中间事件", "Append intermediate/boundary event": "追加中间事件",
  "Append TextAnnotation": "追加注释", "Add text annotation": "追加注释", "Change type": "更改类型",
  "Change element": "更改类型", "Delete": "删除", "Remove": "删除",
  "Connect using Sequence/MessageFlow or Association": "连线", "Connect to other element": "连线",
  "Connect using DataInputAssociation": "数据连线", "Add Lane above": "在上方加泳道",
  "Add lane above": "在上方加泳道", "Add Lane below": "在下方加泳道", "Add lane below": "在下方加泳道",
  "Divide into two Lanes": "分成两条泳道", "Divide into two lanes": "分成两条泳道",
  "Divide into three Lanes": "分成三条泳道", "Divide into three lanes": "分成三条泳道",
  "General": "常规", "Name": "名称", "ID": "ID", "Documentation": "说明", "Element documentation": "元素说明",
  "Process documentation": "流程说明", "Executable": "可执行", "Condition": "条件",
  "Condition expression": "条件表达式", "Timer": "定时", "Type": "类型", "Value": "值", "Message": "消息",
  "Global message reference": "消息", "Multi-instance": "多实例", "Loop cardinality": "循环次数",
  "Completion condition": "完成条件", "Signal": "信号", "Error": "错误", "Escalation": "升级",
  "Date": "日期", "Duration": "时长", "Cycle": "周期", "<none>": "<无>", "Create new ...": "新建…",
  "Hit policy:": "命中策略：", "Hit Policy:": "命中策略：", "View DRD": "查看决策图", "When": "当", "And": "且",
  "Then": "则", "Annotations": "说明", "Add Rule": "添加规则",
  "User Task": "用户任务", "Receive Task": "接收任务", "Business Rule Task": "业务规则任务", "Script Task": "脚本任务",
  "Send Task": "发送任务", "Service Task": "服务任务", "Manual Task": "人工任务", "Call Activity": "调用活动",
  "Start Event": "开始事件", "End Event": "结束事件", "Message Start Event": "消息开始事件",
  "Timer Start Event": "定时开始事件", "Terminate End Event": "终止结束事件", "Message End Event": "消息结束事件",
  "Timer Boundary Event": "定时边界事件", "Message Boundary Event": "消息边界事件",
  "Timer Intermediate Catch Event": "定时中间事件", "Message Intermediate Catch Event": "消息中间事件",
  "Parallel Gateway": "并行网关", "Exclusive Gateway": "排他网关", "Inclusive Gateway": "包容网关",
  "Event-based Gateway": "事件网关", "Sequence Flow": "连线", "Message Flow": "消息流", "Sub Process": "子流程",
  "Text Annotation": "注释", "Collaboration": "协作",
  "Process": "流程", "Lane": "泳道", "Participant": "参与者", "Links": "链接", "Template": "模板",
};

export const zhTranslate = {
  translate: ["value", (template, replacements = {}) =>
    (ZH[template] || template).replace(/{([^}]+)}/g, (_, key) => replacements[key] ?? `{${key}}`)],
};

// Ids in `source` that the editor's export no longer has: what saving would lose (e.g. a DI edge that
// names no element, a reference to an undeclared element, a diagram of a process outside every pool).
export function lostIds(source, exported) {
  const ids = (xml) => new Set([...new DOMParser().parseFromString(xml, "application/xml").querySelectorAll("[id]")]
    .map((n) => n.getAttribute("id")));
  const after = ids(exported);
  return [...ids(source)].filter((id) => !after.has(id));
}

const KIND_NAMES = { "bpmn:SequenceFlow": "连线", "bpmn:ParallelGateway": "并行网关", "bpmn:ExclusiveGateway": "排他网关",
  "bpmn:InclusiveGateway": "包容网关", "bpmn:EventBasedGateway": "事件网关", "bpmn:StartEvent": "开始事件",
  "bpmn:EndEvent": "结束事件", "bpmn:IntermediateCatchEvent": "中间事件", "bpmn:IntermediateThrowEvent": "中间事件",
  "bpmn:BoundaryEvent": "边界事件", "bpmn:Lane": "泳道", "bpmn:UserTask": "用户任务", "bpmn:ReceiveTask": "接收任务",
  "bpmn:ScriptTask": "脚本任务", "bpmn:BusinessRuleTask": "业务规则任务", "bpmn:SendTask": "发送任务", "bpmn:Task": "任务" };

// An element as people read it: its name, else its kind (never its id).
export function elementLabel(bo) {
  return bo?.name || KIND_NAMES[bo?.$type] || "（未命名元素）";
}
