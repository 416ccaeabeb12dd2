import { api, ApiError } from "./api.js";
import { homeFor, start } from "./ui.js";

start(async () => {
  const form = document.getElementById("login-form");
  const message = document.getElementById("login-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    message.hidden = true;
    try {
      const session = await api("POST", "/session", {
        json: { name: form.elements.namedItem("name").value.trim(), password: form.elements.namedItem("password").value },
      });
      const next = new URLSearchParams(location.search).get("next");
      // Only same-site paths: never bounce a clerk to another host after login.
      location.href = next && next.startsWith("/") && !next.startsWith("//") ? next : homeFor(session.role);
    } catch (error) {
      message.textContent = error instanceof ApiError && error.status === 401
        ? "用户名或密码错误" : error.message;
      message.hidden = false;
      button.disabled = false;
    }
  });
});
