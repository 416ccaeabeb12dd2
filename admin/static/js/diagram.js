// bpmn-js (NavigatedViewer, the library's UMD global BpmnJS) plus the markers
// that colour a case's progress onto its diagram.
import { get } from "./api.js";

// The API returns a version's source inside JSON: {kind, key, version, name, source, ...}.
export async function definitionXml(key, version) {
  const definition = await get(`/definitions/bpmn/${encodeURIComponent(key)}`, { version });
  return definition.source;
}

// The diagram of the version a case runs on; whoever may see the case may see it.
export async function caseXml(caseId) {
  return (await get(`/cases/${caseId}/diagram`)).source;
}

export async function showDiagram(container, xml) {
  const viewer = new window.BpmnJS({ container });
  await viewer.importXML(xml);
  viewer.get("canvas").zoom("fit-viewport", "auto");
  return viewer;
}

const MARKERS = ["tb-done", "tb-ready", "tb-step", "tb-flow"];

// Paint one progress state: {done: Set, ready: Set, step: id|null}. Flows whose
// source is done and whose target was reached count as taken.
export function paint(viewer, { done, ready, step }) {
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  registry.forEach((element) => {
    for (const marker of MARKERS) canvas.removeMarker(element, marker);
  });
  const mark = (id, marker) => { if (registry.get(id)) canvas.addMarker(id, marker); };
  done.forEach((id) => mark(id, "tb-done"));
  ready.forEach((id) => mark(id, "tb-ready"));
  registry.filter((e) => e.type === "bpmn:SequenceFlow").forEach((flow) => {
    const from = flow.source?.id, to = flow.target?.id;
    if (done.has(from) && (done.has(to) || ready.has(to))) canvas.addMarker(flow, "tb-flow");
  });
  if (step) mark(step, "tb-step");
}

// The progress after the first `count` trail events.
const REACHES = new Set(["gateway_passed", "timer_fired", "event_reached", "script_run", "rule_evaluated",
  "message_received"]);

export function elementOf(event) {
  return event.element_id || event.data?.element_id || event.task?.element_id || null;
}

export function progress(events, count) {
  // Open tasks are counted per element: parallel instances of one element close one by one.
  const done = new Set(), open = new Map();
  const close = (id) => { const n = (open.get(id) || 0) - 1; if (n > 0) open.set(id, n); else open.delete(id); };
  for (const event of events.slice(0, count)) {
    const id = elementOf(event);
    if (!id) continue;
    if (event.type === "task_ready") open.set(id, (open.get(id) || 0) + 1);
    else if (event.type === "task_completed") {
      // A 加签 signer's completion, or an owner's waiting for signers "after", does not finish the step.
      if (event.data?.signed_for || event.data?.waiting_for) continue;
      close(id); done.add(id);
    }
    else if (event.type === "task_cancelled") close(id);
    else if (REACHES.has(event.type)) done.add(id);
  }
  const last = count > 0 ? events[count - 1] : null;
  return { done, ready: new Set(open.keys()), step: last ? elementOf(last) : null };
}
