// 收件: a window clerk registers a walk-in application — the matter (by name), the applicant
// (identity number checked by the server), the start form and, per material, how it was
// received (original seen, copy, or uploaded). The case starts with channel "window".
import { api, get, post, ApiError } from "./api.js";
import { el, requireSession, showError, start } from "./ui.js";

const HOW = [["", "未收"], ["original", "已核验原件"], ["copy", "已收复印件"], ["upload", "上传电子件"]];
const formEl = document.getElementById("intake");
const errors = document.getElementById("intake-errors");
let matters = [], startForm = null, busy = false;

start(async () => {
  await requireSession();
  matters = (await get("/window/matters")).items;
  if (!matters.length) {
    document.getElementById("intake-none").hidden = false;
    return;
  }
  const select = document.getElementById("intake-matter");
  select.replaceChildren(...matters.map((m) => el("option", { value: m.process }, m.name)));
  select.addEventListener("change", () => showMatter().catch(showError));
  formEl.addEventListener("change", (event) => {
    if (event.target.name === "kind") document.getElementById("id-label").textContent =
      event.target.value === "org" ? "统一社会信用代码" : "身份证号码";
  });
  formEl.addEventListener("submit", (event) => { event.preventDefault(); submit().catch(showError); });
  formEl.hidden = false;
  await showMatter();
});

function matter() {
  return matters.find((m) => m.process === formEl.elements.process.value);
}

async function showMatter() {
  const m = matter();
  document.querySelector("#intake-materials tbody").replaceChildren(...m.materials.map((item, i) => el("tr",
    { dataset: { material: item.name } },
    el("td", {}, item.name, item.tolerable ? el("span", { class: "badge" }, "可容缺") : ""),
    el("td", {}, item.category === "primary" ? "主要材料" : "次要材料"),
    el("td", {}, item.copies || 1),
    el("td", {}, el("select", { name: `how-${i}`, "aria-label": `${item.name} 收件情况` },
      ...HOW.map(([v, t]) => el("option", { value: v }, t)))),
    el("td", {}, el("input", { type: "file", name: `file-${i}`, "aria-label": `${item.name} 电子件` })))));
  const box = document.getElementById("start-form-box");
  startForm = null;
  document.getElementById("form").replaceChildren();
  box.hidden = !m.form_schema;
  if (m.form_schema) {
    startForm = new window.FormViewer.Form({ container: document.getElementById("form") });
    await startForm.importSchema(m.form_schema, {});
  }
}

async function submit() {
  if (busy) return;
  busy = true;
  errors.hidden = true;
  const m = matter();
  const materials = {}, uploads = [];
  m.materials.forEach((item, i) => {
    const file = formEl.elements[`file-${i}`].files[0];
    const how = file ? "upload" : formEl.elements[`how-${i}`].value;
    if (how) materials[item.name] = how;
    if (file) uploads.push(new File([file], `${item.name}-${file.name}`, { type: file.type }));
  });
  let data = {};
  if (startForm) { data = startForm.submit().data; startForm._setState({ errors: {} }); }
  const body = { process: m.process, data, materials,
    applicant: { kind: formEl.elements.kind.value, name: formEl.elements.name.value.trim(),
      id_number: formEl.elements.id_number.value.trim() } };
  try {
    const created = await post("/cases", body);
    for (const file of uploads) {
      const form = new FormData();
      form.append("file", file);
      await api("POST", `/cases/${created.id}/attachments`, { form });
    }
    const next = (created.tasks || []).find((t) => t.state === "READY");
    sessionStorage.setItem("tongban.flash", `已收件：${created.number}`);
    location.href = next ? `/tasks/${next.id}` : `/cases/${created.id}`;
  } catch (error) {
    busy = false;
    if (error instanceof ApiError && error.details && typeof error.details === "object") {
      const names = { "applicant.id_number": "证件号码", id_number: "证件号码", name: "申请人名称", kind: "申请人类型" };
      errors.replaceChildren(el("strong", {}, error.message), el("ul", {}, Object.entries(flat(error.details)).map(([k, v]) =>
        el("li", {}, `${names[k] || k.replace(/^materials\./, "材料 ")}：${v}`))));
      errors.hidden = false;
    } else throw error;
  }
}

function flat(details, prefix = "") {
  const out = {};
  for (const [k, v] of Object.entries(details)) {
    if (v && typeof v === "object" && !Array.isArray(v)) Object.assign(out, flat(v, `${prefix}${k}.`));
    else out[prefix + k] = Array.isArray(v) ? v.join("；") : v;
  }
  return out;
}
