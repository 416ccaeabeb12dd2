// 修改密码: required first when somebody else chose the password (generated, reset, demo).
import { api, ApiError } from "./api.js";
import { homeFor, requireSession, start } from "./ui.js";

start(async () => {
  const session = await requireSession();
  document.getElementById("forced").hidden = !session.password_change_required;
  const form = document.getElementById("password-form");
  const message = document.getElementById("password-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (name) => form.elements.namedItem(name).value;
    message.hidden = true;
    if (value("new_password") !== value("confirm")) {
      message.textContent = "两次输入的新密码不一致";
      message.hidden = false;
      return;
    }
    try {
      const who = await api("POST", "/session/password", {
        json: { old_password: value("old_password"), new_password: value("new_password") },
      });
      sessionStorage.setItem("tongban.flash", "密码已修改");
      const next = new URLSearchParams(location.search).get("next");
      location.href = next && next.startsWith("/") && !next.startsWith("//") && next !== "/password"
        ? next : homeFor(who.role);
    } catch (error) {
      message.textContent = error instanceof ApiError && error.details
        ? Object.values(error.details).join("；") : error.message;
      message.hidden = false;
    }
  });
});
