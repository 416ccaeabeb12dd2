// 表单: the form-js editor for forms/<key>.form, opened from the draft or the deployed version and
// saved into a process's draft (the server validates submissions against the published form).
import { ApiError, get } from "./api.js";
import { flash, requireSession, scriptData, showError, start } from "./ui.js";
import { ANALYSTS, draftOrDeployed, loadDraft, saveDraft } from "./workbench.js";

const key = scriptData("key");
const draftKey = new URLSearchParams(location.search).get("draft") || key;
const fileName = `${key}.form`;
const editor = new window.FormEditor.FormEditor({ container: document.getElementById("form-editor") });
window.tongbanFormEditor = editor; // for the console and the browser tests

start(async () => {
  const session = await requireSession();
  if (!ANALYSTS.includes(session.role)) throw new Error("只有流程分析员和管理员可以编辑表单");
  document.getElementById("back").href = `/workbench/modeler/${encodeURIComponent(draftKey)}`;
  const draft = await loadDraft(draftKey);
  let text;
  if (draft && draft.files.has(fileName)) {
    text = draft.files.get(fileName);
    document.getElementById("source").textContent = `草稿 ${draftKey} 中的 ${fileName}`;
  } else {
    try {
      const deployed = await get(`/definitions/form/${encodeURIComponent(key)}`);
      text = deployed.source;
      document.getElementById("source").textContent = `已部署 v${deployed.version}（保存后进入草稿 ${draftKey}）`;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      text = JSON.stringify({ type: "default", id: key, schemaVersion: window.FormEditor.schemaVersion, components: [] });
      document.getElementById("source").textContent = `新表单（保存后进入草稿 ${draftKey}）`;
    }
  }
  await editor.importSchema(JSON.parse(text));
  document.getElementById("save").addEventListener("click", () => save().catch(showError));
});

async function save() {
  const schema = { ...editor.saveSchema(), id: key }; // the file name and the form's id stay one key
  const base = (await loadDraft(draftKey)) || (draftKey !== key ? await draftOrDeployed(draftKey) : null);
  const files = new Map(base ? base.files : []);
  files.set(fileName, JSON.stringify(schema, null, 2) + "\n");
  const saved = await saveDraft(draftKey, files);
  document.getElementById("source").textContent = `草稿 ${draftKey} 中的 ${fileName}（已保存）`;
  flash(saved.ok ? "已保存到草稿" : "已保存到草稿，但草稿检查发现错误", saved.ok ? "success" : "info");
}
