// 申请人注册: the server checks the identity number and the password rules and answers in Chinese.
import { api, ApiError } from "./api.js";
import { el, start } from "./ui.js";

const LABELS = { name: "姓名", id_number: "证件号码", password: "密码", phone: "手机号码", kind: "申请人类型" };

start(async () => {
  const form = document.getElementById("register-form");
  const box = document.getElementById("register-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (name) => form.elements.namedItem(name).value;
    box.hidden = true;
    if (value("password") !== value("password2")) {
      box.replaceChildren("两次输入的密码不一致");
      box.hidden = false;
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await api("POST", "/applicants", { json: {
        kind: value("kind"), name: value("name").trim(), id_number: value("id_number").trim(),
        phone: value("phone").trim(), password: value("password") } });
      sessionStorage.setItem("tongban.flash", "注册成功，已登录");
      location.href = "/my";
    } catch (error) {
      const details = error instanceof ApiError && error.details && typeof error.details === "object" ? error.details : {};
      const lines = Object.entries(details).map(([k, v]) => el("li", {}, `${LABELS[k] || k}：${Array.isArray(v) ? v.join("；") : v}`));
      box.replaceChildren(el("strong", {}, error.message), lines.length ? el("ul", {}, lines) : "");
      box.hidden = false;
      button.disabled = false;
    }
  });
});
