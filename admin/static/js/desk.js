// 工作台: the analyst's drafts, the deployed processes to open in the modeler, several files deployed at once.
import { api, get } from "./api.js";
import { el, flash, formatTime, requireSession, showError, start } from "./ui.js";
import { ANALYSTS, filesForm, problemsOf, renderProblems, saveDraft } from "./workbench.js";

const KIND_NAMES = { bpmn: "流程图", dmn: "决策表", form: "表单", matter: "事项指南" };

start(async () => {
  const session = await requireSession();
  if (!ANALYSTS.includes(session.role)) throw new Error("工作台只对流程分析员和管理员开放");
  document.getElementById("deploy").addEventListener("submit", (event) => { event.preventDefault(); deploy(false).catch(showError); });
  document.getElementById("deploy-check").addEventListener("click", () => deploy(true).catch(showError));
  document.getElementById("new-process").addEventListener("submit", (event) => { event.preventDefault(); create(event.target).catch(showError); });
  await Promise.all([loadDrafts(), loadProcesses()]);
});

const link = (href, text) => el("a", { href }, text);

async function loadDrafts() {
  const items = (await get("/drafts")).items || [];
  document.querySelector("#drafts tbody").replaceChildren(...items.map((d) => {
    const remove = el("button", { type: "button", class: "link" }, "删除");
    remove.addEventListener("click", async () => {
      if (!window.confirm(`删除「${d.name || d.key}」的草稿？已部署的版本不受影响。`)) return;
      try { await api("DELETE", `/drafts/${encodeURIComponent(d.key)}`); await loadDrafts(); } catch (error) { showError(error); }
    });
    const key = encodeURIComponent(d.key);
    return el("tr", { dataset: { key: d.key } }, el("td", {}, d.name && d.name !== d.key ? `${d.name}（${d.key}）` : d.key),
      el("td", {}, (d.files || []).join("、")), el("td", { class: "nowrap" }, formatTime(d.updated_at)), el("td", {}, d.updated_by || ""),
      el("td", {}, el("span", { class: `badge ${d.ok ? "ok" : "bad"}` }, d.ok ? "通过" : "有错误")),
      el("td", { class: "nowrap" }, link(`/workbench/modeler/${key}`, "建模"), " ", link(`/workbench/trial/${key}`, "试运行"), " ", remove));
  }));
  document.getElementById("no-drafts").hidden = items.length > 0;
}

async function loadProcesses() {
  const items = ((await get("/definitions", { kind: "bpmn" })).items || []).sort((a, b) => a.key.localeCompare(b.key));
  document.querySelector("#processes tbody").replaceChildren(...items.map((d) => {
    const key = encodeURIComponent(d.key);
    return el("tr", { dataset: { key: d.key } }, el("td", {}, d.name && d.name !== d.key ? `${d.name}（${d.key}）` : d.key),
      el("td", {}, `v${d.version}`),
      el("td", { class: "nowrap" }, link(`/workbench/modeler/${key}`, "建模"), " ", link(`/workbench/versions/${key}`, "版本与迁移")));
  }));
}

async function deploy(onlyCheck) {
  const form = document.getElementById("deploy");
  const result = document.getElementById("deploy-result");
  if (!form.reportValidity()) return;
  // The bytes are read here so the same in-memory upload goes to the check and to the deploy.
  const chosen = [...form.querySelector("input[type=file]").files];
  const body = filesForm(new Map(await Promise.all(chosen.map(async (f) => [f.name, await f.arrayBuffer()]))));
  result.replaceChildren();
  try {
    if (onlyCheck) {
      const checked = await api("POST", "/definitions/check", { form: body });
      renderProblems(result, checked.problems || []);
      return;
    }
    const made = await api("POST", "/definitions", { form: body });
    const rows = (made.deployed || [made]).map((d) => el("li", { dataset: { kind: d.kind, key: d.key } },
      `${KIND_NAMES[d.kind] || d.kind} ${d.name && d.name !== d.key ? d.name + "（" + d.key + "）" : d.key} v${d.version}`,
      d.created === false ? "（内容未变）" : ""));
    result.replaceChildren(el("p", { class: "success" }, "已部署："), el("ul", { id: "deployed" }, rows));
    const warnings = made.warnings || [];
    if (warnings.length) result.append(el("div", { class: "notice" }, el("strong", {}, "注意"),
      el("ul", {}, warnings.map((w) => el("li", {}, w.message || `泳道「${w.lane}」`)))));
    form.reset();
    await loadProcesses();
  } catch (error) {
    const problems = problemsOf(error);
    if (problems) renderProblems(result, problems);
    else result.replaceChildren(el("div", { class: "error-box" }, el("strong", {}, error.message),
      error.details ? el("pre", {}, JSON.stringify(error.details, null, 2)) : null));
    flash(error.message, "error");
  }
}

// A new process starts as a draft holding one start event inside its own diagram.
async function create(form) {
  const key = form.key.value.trim(), name = form.name.value.trim();
  if (!/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(key)) throw new Error("流程 id 须以英文字母或下划线开头，只含字母、数字、下划线和连字符");
  const escape = (text) => text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]);
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="${key}_definitions" targetNamespace="http://tongban.gov.cn/bpmn">
  <bpmn:process id="${key}" name="${escape(name)}" isExecutable="true">
    <bpmn:startEvent id="start" name="申请提交" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="${key}_diagram">
    <bpmndi:BPMNPlane id="${key}_plane" bpmnElement="${key}">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="180" y="160" width="36" height="36" /></bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
`;
  await saveDraft(key, new Map([[`${key}.bpmn`, xml]]));
  location.href = `/workbench/modeler/${encodeURIComponent(key)}`;
}
