// 会签 collections survive the modeler. The engine reads `<bpmn:loopDataInputRef>reviewers</…>` (and
// loopDataOutputRef) as the name of a case variable, as SpiffWorkflow does; bpmn-moddle reads them as
// references to a declared data element, cannot resolve `reviewers`, and drops them on save. So the
// names are read from the source before import, kept per multi-instance element, and written back
// into the exported XML.
const BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL";
const KINDS = ["loopDataInputRef", "loopDataOutputRef"];
// Schema order inside multiInstanceLoopCharacteristics: a ref goes before the first of these.
const AFTER = { loopDataInputRef: ["loopDataOutputRef", "inputDataItem", "outputDataItem", "complexBehaviorDefinition",
  "completionCondition"], loopDataOutputRef: ["inputDataItem", "outputDataItem", "complexBehaviorDefinition",
  "completionCondition"] };

export class LoopVariables {
  constructor(modeler) {
    this.modeler = modeler;
    this.byLoop = new WeakMap(); // loop characteristics business object -> {loopDataInputRef, loopDataOutputRef}
  }

  // Before import: {element id: {loopDataInputRef: name, …}} for refs that name no declared element.
  static read(xml) {
    const doc = new DOMParser().parseFromString(xml, "application/xml");
    const ids = new Set([...doc.querySelectorAll("[id]")].map((n) => n.getAttribute("id")));
    const found = {};
    for (const loop of doc.getElementsByTagNameNS(BPMN, "multiInstanceLoopCharacteristics")) {
      const owner = loop.parentElement?.getAttribute("id");
      for (const kind of KINDS) {
        const ref = [...loop.children].find((c) => c.namespaceURI === BPMN && c.localName === kind);
        const name = ref?.textContent.trim();
        if (owner && name && !ids.has(name)) (found[owner] ||= {})[kind] = name;
      }
    }
    return found;
  }

  // After import: attach what was read to the elements' loop characteristics.
  attach(found) {
    this.byLoop = new WeakMap();
    const registry = this.modeler.get("elementRegistry");
    for (const [id, refs] of Object.entries(found)) {
      const loop = registry.get(id)?.businessObject?.loopCharacteristics;
      if (loop) this.byLoop.set(loop, { ...refs });
    }
  }

  get(loop, kind) {
    return (loop && this.byLoop.get(loop)?.[kind]) || "";
  }

  set(loop, kind, name) {
    const refs = this.byLoop.get(loop) || {};
    if (name) refs[kind] = name; else delete refs[kind];
    this.byLoop.set(loop, refs);
  }

  // The exported XML with the kept names written back (elements found by their current ids).
  write(xml) {
    const wanted = [];
    this.modeler.get("elementRegistry").forEach((element) => {
      const loop = element.businessObject?.loopCharacteristics;
      const refs = loop && loop.$type === "bpmn:MultiInstanceLoopCharacteristics" && this.byLoop.get(loop);
      if (refs && Object.keys(refs).length) wanted.push([element.businessObject.id, refs]);
    });
    if (!wanted.length) return xml;
    const doc = new DOMParser().parseFromString(xml, "application/xml");
    const byId = new Map([...doc.querySelectorAll("[id]")].map((n) => [n.getAttribute("id"), n]));
    for (const [id, refs] of wanted) {
      const loop = [...(byId.get(id)?.children || [])].find((c) => c.localName === "multiInstanceLoopCharacteristics");
      if (!loop) continue;
      for (const kind of KINDS) {
        if (!refs[kind] || [...loop.children].some((c) => c.localName === kind)) continue;
        const ref = doc.createElementNS(BPMN, loop.prefix ? `${loop.prefix}:${kind}` : kind);
        ref.textContent = refs[kind];
        loop.insertBefore(ref, [...loop.children].find((c) => AFTER[kind].includes(c.localName)) || null);
      }
    }
    const text = new XMLSerializer().serializeToString(doc);
    return text.startsWith("<?xml") ? text : '<?xml version="1.0" encoding="UTF-8"?>\n' + text;
  }
}
