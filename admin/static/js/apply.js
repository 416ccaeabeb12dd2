// 网上申请 (一网通办): one matter or an 一件事 theme, from its application form (form-js),
// with material uploads or signed 告知承诺, a server-side draft, and submit.
import { api, get, ApiError } from "./api.js";
import { el, flash, requireSession, scriptData, showError, start } from "./ui.js";

const kind = scriptData("kind"), key = scriptData("key");
const target = `${kind}/${encodeURIComponent(key)}`;
const errorBox = document.getElementById("form-errors");
const SOURCES = { applicant: "申请人提供", "e-licence": "可由电子证照库调取", window: "窗口核验" };
let form, info, busy = false;
const uploads = new Map();   // material name -> [{id, name, sha256, size}]
const committed = new Set(); // material names signed 告知承诺

start(async () => {
  const session = await requireSession();
  info = await get(`/application-forms/${target}`);
  document.getElementById("apply-title").textContent = `网上申请：${info.name}`;
  document.title = `${info.name} · 网上申请 · 通办`;
  document.getElementById("apply-description").textContent = info.description || "";
  document.getElementById("apply-matters").textContent = info.kind === "theme"
    ? `本一件事同时申请：${info.matters.map((m) => `${m.name}（${m.department}）`).join("、")}` : `受理部门：${info.matters[0].department}`;
  if (session.role !== "applicant") {
    const notice = document.getElementById("apply-notice");
    notice.textContent = "网上申请需以申请人身份登录（请注册或登录申请人账号）。";
    notice.hidden = false;
    for (const id of ["save-draft", "submit"]) document.getElementById(id).disabled = true;
  }
  const draft = session.role === "applicant" ? await get(`/application-drafts/${target}`).catch(() => null) : null;
  for (const f of draft?.uploads || []) addUpload(f);
  for (const c of draft?.commitments || []) committed.add(c);
  if (info.form) {
    form = new window.FormViewer.Form({ container: document.getElementById("form") });
    await form.importSchema(info.form, draft?.data || {});
  } else {
    document.getElementById("free-form").hidden = false;
    document.getElementById("note").value = draft?.data?.note || "";
  }
  if (draft) document.getElementById("draft-state").textContent = "已载入上次保存的草稿";
  renderMaterials();
  document.getElementById("save-draft").addEventListener("click", () => saveDraft().catch(showError));
  document.getElementById("submit").addEventListener("click", submit);
});

function addUpload(file) {
  if (!uploads.has(file.material)) uploads.set(file.material, []);
  uploads.get(file.material).push(file);
}

function renderMaterials() {
  const seen = new Set();
  document.querySelector("#materials tbody").replaceChildren(...info.materials.filter((m) => {
    const fresh = !seen.has(m.name);   // a material two matters need is provided once
    seen.add(m.name);
    return fresh;
  }).map(materialRow));
}

function materialRow(m) {
  const files = uploads.get(m.name) || [];
  const input = el("input", { type: "file", "aria-label": `上传：${m.name}`, dataset: { material: m.name } });
  input.addEventListener("change", () => upload(m.name, input).catch(showError));
  const cell = el("td", { "data-label": "上传或承诺" },
    el("ul", { class: "plain" }, files.map((f) => el("li", {}, `${f.name}（SHA-256 ${f.sha256.slice(0, 12)}…）`))));
  if (m.commitment) {
    const box = el("input", { type: "checkbox", checked: committed.has(m.name), dataset: { commitment: m.name } });
    box.addEventListener("change", () => { box.checked ? committed.add(m.name) : committed.delete(m.name); renderMaterials(); });
    cell.append(el("label", { class: "commitment" }, box, "以告知承诺代替：本人承诺已具备该材料且内容真实，承诺不实愿承担责任"));
  }
  if (m.licence) cell.append(el("p", { class: "licence-held" }, `由电子证照库提供：${m.licence.name}（${m.licence.number}），无需上传`));
  else if (!committed.has(m.name)) cell.append(input);
  const need = [m.category === "primary" ? "主要材料" : "次要材料", m.tolerable ? "可容缺后补" : null,
    m.commitment ? "可告知承诺" : null, SOURCES[m.source] || null, m.copies ? `${m.copies} 份` : null].filter(Boolean);
  return el("tr", {}, el("td", { "data-label": "材料" }, m.name), el("td", { "data-label": "事项" }, m.matter),
    el("td", { "data-label": "要求" }, need.join(" · ")), cell);
}

async function upload(material, input) {
  if (!input.files.length) return;
  const data = new FormData();
  data.append("material", material);
  data.append("file", input.files[0]);
  const file = await api("POST", "/uploads", { form: data });
  addUpload(file);
  flash(`已上传：${file.name}`, "success");
  renderMaterials();
}

function collect() {
  if (!form) {
    const note = document.getElementById("note").value.trim();
    return note ? { note } : {};
  }
  const { data } = form.submit();
  form._setState({ errors: {} }); // the server's Chinese messages replace form-js's own
  return data;
}

function payload() {
  return { data: collect(), uploads: [...uploads.values()].flat().map((f) => f.id), commitments: [...committed] };
}

async function saveDraft() {
  await api("PUT", `/application-drafts/${target}`, { json: payload() });
  document.getElementById("draft-state").textContent = `草稿已保存（${new Date().toLocaleTimeString("zh-CN", { hour12: false })}）`;
  flash("草稿已保存", "success");
}

async function submit() {
  if (busy) return;
  busy = true;
  const button = document.getElementById("submit");
  button.disabled = true;
  errorBox.hidden = true;
  try {
    const body = { ...payload(), [kind]: key };
    const result = await api("POST", "/applications", { json: body });
    sessionStorage.setItem("tongban.flash", `申请已提交：${result.cases.map((c) => c.number).join("、")}`);
    location.href = "/my";
    return;
  } catch (error) {
    showErrors(error);
  }
  busy = false;
  button.disabled = false;
}

function showErrors(error) {
  const details = error instanceof ApiError && error.details && typeof error.details === "object" ? error.details : {};
  const fields = form ? form.get("formFieldRegistry").getAll() : [];
  const byKey = new Map(fields.filter((f) => f.key).map((f) => [f.key, f]));
  const inline = {}, lines = [];
  for (const [path, message] of Object.entries(details)) {
    const field = byKey.get(path);
    const text = Array.isArray(message) ? message.join("；") : typeof message === "object" ? JSON.stringify(message) : String(message);
    if (field) inline[field.id] = [text];
    const label = field?.label || { matter: "事项", uploads: "材料文件", commitments: "告知承诺", __root__: "表单" }[path] || path;
    lines.push(el("li", {}, `${label}：${path === "matter" ? (info.matters.find((m) => m.process === message)?.name || text) : text}`));
  }
  if (form) form._setState({ errors: inline });
  errorBox.replaceChildren(el("strong", {}, error.message || "提交失败"), lines.length ? el("ul", {}, lines) : "");
  errorBox.hidden = false;
  errorBox.scrollIntoView({ block: "nearest" });
}
