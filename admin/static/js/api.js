// Thin fetch() wrapper over the public REST API (/api/v1). The browser session
// cookie authenticates; state-changing calls carry the CSRF token.
const BASE = "/api/v1";
let csrfToken = null;

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `请求失败（${status}）`);
    this.status = status;
    this.code = body && body.error;
    this.details = (body && body.details) || null;
  }
}

export function setCsrfToken(token) {
  csrfToken = token;
}

export async function api(method, path, { json, form, query } = {}) {
  const url = new URL(BASE + path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  }
  const headers = { Accept: "application/json" };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = form; // FormData: the browser sets the multipart boundary
  }
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const response = await fetch(url, { method, headers, body, credentials: "same-origin" });
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null)
    : await response.text();
  if (!response.ok) throw new ApiError(response.status, typeof data === "object" ? data : null);
  return data;
}

export const get = (path, query) => api("GET", path, { query });
export const post = (path, json) => api("POST", path, { json: json === undefined ? {} : json });
