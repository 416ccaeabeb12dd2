// 办件 list with status and process filters, paged.
import { get } from "./api.js";
import { applicantText, el, formatTime, matterNames, requireSession, start, STATUS_NAMES, showError } from "./ui.js";

const PAGE = 50;
const filters = document.getElementById("filters");
let pageNo = 1;

start(async () => {
  await requireSession();
  const params = new URLSearchParams(location.search);
  filters.elements.namedItem("status").value = params.get("status") || "";
  await fillProcesses(params.get("process") || "");
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    pageNo = 1;
    const query = new URLSearchParams();
    for (const name of ["status", "process"]) {
      const value = filters.elements.namedItem(name).value;
      if (value) query.set(name, value);
    }
    history.replaceState(null, "", query.size ? `?${query}` : location.pathname);
    load().catch(showError);
  });
  document.getElementById("prev").addEventListener("click", () => { pageNo = Math.max(1, pageNo - 1); load().catch(showError); });
  document.getElementById("next").addEventListener("click", () => { pageNo += 1; load().catch(showError); });
  await load();
});

async function fillProcesses(selected) {
  const select = filters.elements.namedItem("process");
  // The catalogue's names (everyone may read it), not the definitions list only analysts may.
  const names = await matterNames();
  for (const [key, name] of names) select.append(el("option", { value: key }, name));
  if (selected && ![...select.options].some((o) => o.value === selected)) {
    select.append(el("option", { value: selected }, names.get(selected) || selected));
  }
  select.value = selected;
}

async function load() {
  const query = { per_page: PAGE, page: pageNo };
  for (const name of ["status", "process"]) query[name] = filters.elements.namedItem(name).value;
  const [page, names] = await Promise.all([get("/cases", query), matterNames()]);
  const items = page.items || [];
  document.querySelector("#cases tbody").replaceChildren(...items.map((item) => row(item, names)));
  document.getElementById("empty").hidden = items.length > 0;
  const total = page.total ?? items.length;
  const first = (pageNo - 1) * PAGE;
  document.getElementById("page-info").textContent = total ? `第 ${first + 1}–${first + items.length} 条，共 ${total} 条` : "";
  document.getElementById("prev").disabled = pageNo === 1;
  document.getElementById("next").disabled = first + items.length >= total;
}

function row(item, names) {
  const def = item.definition || {};
  return el("tr", {},
    el("td", {}, el("a", { href: `/cases/${item.id}` }, item.number || `#${item.id}`)),
    el("td", {}, names.get(item.process) || def.key || item.process || "", def.version ? el("span", { class: "sub" }, ` v${def.version}`) : null),
    el("td", {}, applicantText(item.applicant || item.data?.applicant)),
    el("td", {}, el("span", { class: `badge ${item.status}` }, STATUS_NAMES[item.status] || item.status)),
    el("td", { class: "nowrap" }, formatTime(item.updated_at || item.created_at)));
}
