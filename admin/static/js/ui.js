// Shared page furniture: who is logged in, the nav bar by role, messages, formatting.
import { api, get, setCsrfToken, ApiError } from "./api.js";

// Which pages each role sees in the nav bar: only what the API lets that role open.
const NAV = [
  { href: "/inbox", label: "待办", roles: ["admin", "clerk"] },
  { href: "/intake", label: "收件", roles: ["admin", "clerk"] },  // front window (#9)
  { href: "/cases", label: "办件", roles: ["admin", "clerk", "auditor", "supervisor", "integrator"] },
  { href: "/definitions", label: "流程定义", roles: ["admin", "analyst", "auditor"] },
  { href: "/staffing", label: "办理组", roles: ["admin", "analyst", "auditor"] },
  { href: "/people", label: "人员", roles: ["admin"] },
  { href: "/departments", label: "部门", roles: ["admin"] },
  { href: "/dashboard", label: "电子监察", roles: ["admin", "auditor", "supervisor"] },
  { href: "/workbench", label: "工作台", roles: ["admin", "analyst"] },
];

export const ROLE_NAMES = {
  admin: "管理员", analyst: "流程分析员", clerk: "办事人员", auditor: "审计员", integrator: "对接系统",
  supervisor: "督查人员", applicant: "申请人",
};

// 督办牌 (electronic supervision cards) as people name them.
export const CARD_NAMES = { "": "正常", warning: "预警", yellow: "黄牌", red: "红牌" };

export function cardBadge(card) {
  return card ? el("span", { class: `badge card-${card}` }, CARD_NAMES[card] || card) : null;
}

// Where each role works: its first page after login and the logo's target.
const HOME = {
  clerk: "/inbox", auditor: "/cases", analyst: "/definitions", supervisor: "/dashboard", admin: "/people",
  integrator: "/cases",
};

export function homeFor(role) {
  return HOME[role] || "/cases";
}

// Who did something, as people read it: 王芳（综合受理窗口）, the login name on hover.
export function personText(login, name, department) {
  if (!login) return null;
  const label = (name || login) + (department ? `（${department}）` : "");
  return el("span", { class: "person", title: `登录名：${login}` }, label);
}

// Roles that work tasks; every other role only looks.
export const WORKERS = ["admin", "clerk"];

// Load the session or send the visitor to the login page. Returns the session.
export async function requireSession() {
  let session;
  try {
    session = await get("/session");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      location.replace("/login?next=" + encodeURIComponent(location.pathname + location.search));
      return new Promise(() => {}); // the page is going away
    }
    throw error;
  }
  setCsrfToken(session.csrf_token);
  if (session.password_change_required && location.pathname !== "/password") {
    location.replace("/password?next=" + encodeURIComponent(location.pathname + location.search));
    return new Promise(() => {});
  }
  renderNav(session);
  const carried = sessionStorage.getItem("tongban.flash"); // a message from the page before
  if (carried) {
    sessionStorage.removeItem("tongban.flash");
    flash(carried, "success");
  }
  return session;
}

function renderNav(session) {
  const nav = document.getElementById("nav");
  nav.replaceChildren(...NAV.filter((item) => item.roles.includes(session.role)).map((item) => {
    const a = el("a", { href: item.href }, item.label);
    if (location.pathname.startsWith(item.href)) a.classList.add("active");
    return a;
  }));
  const who = document.getElementById("who");
  const logout = el("button", { type: "button", class: "link" }, "退出");
  logout.addEventListener("click", async () => {
    try { await api("DELETE", "/session"); } finally { location.href = "/login"; }
  });
  const name = session.display_name && session.display_name !== session.user
    ? `${session.display_name}（${session.user}）` : session.user;
  who.replaceChildren(el("span", {}, `${name} · ${ROLE_NAMES[session.role] || session.role}`),
    el("a", { href: "/password" }, "修改密码"), logout);
}

// Small DOM builder: el("td", {class: "x"}, "text", child, ...)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "dataset") Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const timeFormat = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
});

// Times arrive as UTC ISO strings; clerks read them in Beijing time.
export function formatTime(value) {
  if (!value) return "";
  const text = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : value + "Z"; // naive means UTC
  const date = new Date(text);
  return isNaN(date) ? value : timeFormat.format(date);
}

export const STATUS_NAMES = { running: "办理中", completed: "已办结", terminated: "已终止" };

export const TASK_STATE_NAMES = { READY: "待办理", WAITING: "等待中", PENDING: "未开始", COMPLETED: "已办理",
  CANCELLED: "已取消" };

export function flash(message, kind = "info") {
  const box = document.getElementById("flash");
  box.textContent = message;
  box.className = "flash " + kind;
  box.hidden = false;
  clearTimeout(flash.timer);
  if (kind !== "error") flash.timer = setTimeout(() => { box.hidden = true; }, 4000);
}

export function showError(error) {
  console.error(error);
  flash(error.message || String(error), "error");
}

// Run a page's main function, showing failures instead of a blank page.
export function start(main) {
  main().catch(showError);
}

export function scriptData(name) {
  return document.getElementById("page-script")?.dataset[name];
}

export function applicantText(applicant) {
  if (!applicant) return "";
  return [applicant.name, applicant.id_number].filter(Boolean).join(" ");
}

// Matter titles by process key (无犯罪记录证明 rather than no_criminal_record), fetched once per page.
let matters;
export function matterNames() {
  matters ??= get("/matters").then((page) => new Map((page.items || []).map((m) => [m.process_key, m.name])))
    .catch(() => new Map());
  return matters;
}

// ---- applicants (#10b): their own pages, and the blacklist for admins ----
NAV.push(
  { href: "/my", label: "我的办件", roles: ["applicant"] },
  { href: "/blacklist", label: "失信名单", roles: ["admin", "auditor"] },
);
HOME.applicant = "/my";
