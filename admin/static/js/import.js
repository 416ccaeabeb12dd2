// 批量导入人员: a dry run lists every problem line; the import is all or nothing.
import { api } from "./api.js";
import { el, flash, requireSession, showError, start } from "./ui.js";

const FIELD_NAMES = { name: "登录名", display_name: "姓名", role: "角色", department: "部门", groups: "办理组",
  position: "职务", phone: "电话", password: "密码", header: "表头", line: "行", file: "文件" };

start(async () => {
  await requireSession();
  const text = document.getElementById("csv-text");
  const importButton = document.getElementById("do-import");
  document.getElementById("csv-file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (file) text.value = await file.text();
    importButton.disabled = true;
  });
  text.addEventListener("input", () => { importButton.disabled = true; });
  document.getElementById("dry-run").addEventListener("click", () => run(true).catch(showError));
  importButton.addEventListener("click", () => run(false).catch(showError));
});

async function run(dryRun) {
  const csv = document.getElementById("csv-text").value;
  if (!csv.trim()) {
    flash("请选择 CSV 文件或粘贴内容", "error");
    return;
  }
  let report;
  try {
    report = await api("POST", "/users/import", { json: { csv }, query: { dry_run: dryRun ? 1 : 0 } });
  } catch (error) {
    if (error.status !== 422 || !error.details?.problems) throw error;
    report = { dry_run: false, valid: 0, problems: error.details.problems, created: [] };
  }
  show(report);
  document.getElementById("do-import").disabled = !(report.dry_run && report.problems.length === 0);
}

function show(report) {
  document.getElementById("result").hidden = false;
  const problems = report.problems || [];
  const created = report.created || [];
  document.getElementById("result-title").textContent = problems.length
    ? `发现 ${problems.length} 行有问题，未导入任何人员` : report.dry_run
      ? `检查通过：${report.valid} 人可以导入` : `已导入 ${created.length} 人`;
  const problemTable = document.getElementById("problems");
  problemTable.hidden = problems.length === 0;
  problemTable.querySelector("tbody").replaceChildren(...problems.map((p) => el("tr", {},
    el("td", {}, `第 ${p.line} 行`), el("td", {}, p.name || ""),
    el("td", {}, el("ul", { class: "plain" }, Object.entries(p.problems).map(([k, v]) =>
      el("li", {}, `${FIELD_NAMES[k] || k}：${v}`)))))));
  const createdTable = document.getElementById("created");
  createdTable.hidden = created.length === 0;
  createdTable.querySelector("tbody").replaceChildren(...created.map((c) => el("tr", {},
    el("td", {}, `第 ${c.line} 行`), el("td", {}, c.name), el("td", {}, c.password ? el("code", {}, c.password) : "（使用文件中的密码）"))));
}
