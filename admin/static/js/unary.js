// FEEL unary tests as the DMN cells of our tables are written, for trying a table in the browser:
// `-`, literals ("本科", 18, true, null, date("2025-01-01")), comparisons (< 18, >= 5), ranges
// ([18..35], (1..5], ]0..10[), lists ("A","B"), not(...), and the Python cells older tables use
// (True, False, 2025 <= ? <= 2026, ? > 3). Anything else (variables, arithmetic) raises Unsupported,
// so the page says "cannot try this cell here" instead of guessing.
export class Unsupported extends Error {}

const OPS = {
  "<": (a, b) => a < b, "<=": (a, b) => a <= b, ">": (a, b) => a > b, ">=": (a, b) => a >= b,
  "=": (a, b) => a === b, "==": (a, b) => a === b, "!=": (a, b) => a !== b,
};

export function literal(text) {
  const t = text.trim();
  let m;
  if ((m = /^"((?:[^"\\]|\\.)*)"$/.exec(t)) || (m = /^'((?:[^'\\]|\\.)*)'$/.exec(t))) return m[1].replace(/\\(.)/g, "$1");
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (/^(true|True)$/.test(t)) return true;
  if (/^(false|False)$/.test(t)) return false;
  if (/^(null|None)$/.test(t)) return null;
  if ((m = /^(date|date and time|time)\(\s*"([^"]*)"\s*\)$/.exec(t))) return m[2]; // ISO text compares in order
  throw new Unsupported(t);
}

// Split on commas outside quotes, brackets and parentheses.
function splitList(text) {
  const parts = [];
  let depth = 0, quote = null, start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) { if (c === "\\") i++; else if (c === quote) quote = null; continue; }
    if (c === '"' || c === "'") quote = c;
    else if ("([".includes(c)) depth++;
    else if (")]".includes(c)) depth--;
    else if (c === "," && depth === 0) { parts.push(text.slice(start, i)); start = i + 1; }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

// As the engine (engine/spiff/feel.py): values of different types never order, so they do not match.
function compare(op, a, b) {
  if (a === undefined) a = null;
  if (a === null || b === null) return op === "!=" ? a !== b : (op === "=" || op === "==") && a === b;
  if (typeof a !== typeof b) return op === "!=";
  return OPS[op](a, b);
}

function single(test, value) {
  let m;
  if ((m = /^(.+?)\s*(<=|<|>=|>|==|!=)\s*\?\s*(<=|<|>=|>|==|!=)\s*(.+)$/.exec(test))) {
    return compare(m[2], literal(m[1]), value) && compare(m[3], value, literal(m[4]));
  }
  if ((m = /^\?\s*(<=|<|>=|>|==|!=)\s*(.+)$/.exec(test))) return compare(m[1], value, literal(m[2]));
  if ((m = /^(<=|>=|<|>|!=|=)\s*(.+)$/.exec(test))) return compare(m[1], value, literal(m[2]));
  if ((m = /^([[\]()])\s*(.+?)\s*\.\.\s*(.+?)\s*([[\]()])$/.exec(test))) {
    const low = literal(m[2]), high = literal(m[3]);
    return compare(m[1] === "[" ? ">=" : ">", value, low) && compare(m[4] === "]" ? "<=" : "<", value, high);
  }
  const expected = literal(test);
  return value === expected;
}

// Does `value` pass the cell `text`?
export function matches(text, value) {
  const t = (text || "").trim();
  if (t === "" || t === "-") return true;
  const negated = /^not\s*\((.*)\)$/s.exec(t);
  if (negated) return !splitList(negated[1]).some((part) => single(part, value));
  return splitList(t).some((part) => single(part, value));
}
