// 首页: send each role to where it works (clerk → 待办, admin → 人员 …).
import { homeFor, requireSession, start } from "./ui.js";

start(async () => {
  const session = await requireSession();
  location.replace(homeFor(session.role));
});
