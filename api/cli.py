"""The `tongban` command: the composition root of engine, API, web UI and scheduler."""
import argparse
import json
import logging
import sys
from pathlib import Path

import sqlalchemy as sa

from engine import Engine, Scheduler
from engine.db import ROOT, database_url
from engine.errors import TongbanError
from engine.identity import ROLES
from engine.identity.masking import install_log_masking
from engine.identity.passwords import MIN_LENGTH as MIN_PASSWORD

DEMO = ROOT / "processes" / "demo.json"


def cmd_init(engine, args):
    engine.migrate()
    print("数据库已迁移到最新版本")
    deployed = engine.repository.deploy_paths([ROOT / "forms", ROOT / "processes"], deployed_by="init")
    _print_deployed(deployed)
    _deploy_themes(engine, [ROOT / "processes"])
    if args.demo:
        demo = json.loads(DEMO.read_text(encoding="utf-8"))
        _add_demo_organisation(engine, demo)
        _add_demo_users(engine, demo)
        _start_demo_cases(engine, demo)
    _print_lane_warnings(engine, deployed)


def _add_demo_organisation(engine, demo):
    org = engine.organisation
    departments = {d.code for d in org.departments()}
    for d in demo.get("departments", []):
        if d["code"] not in departments:
            org.create_department(d["code"], d["name"], d.get("parent"))
    groups = {g.name for g in org.groups()}
    for g in demo.get("groups", []):
        if g["name"] not in groups:
            org.create_group(g["name"], g.get("display_name", ""), g.get("kind", "team"), g.get("department"))


def _add_demo_users(engine, demo):
    """Demo people (password = login name): they must change it at first login unless
    the server runs in demo mode (TONGBAN_DEMO=1, as `make demo` does)."""
    existing = {u.name for u in engine.users.list()}
    people = [dict(u) for u in demo["users"]]
    covered = {g for u in people for g in u["groups"]}
    lanes = sorted({lane for d in engine.repository.list("bpmn") for lane in engine.repository.lanes(d.key)} - covered)
    clerks = demo.get("lane_clerks", {})
    people += [{"name": lane, "role": "clerk", "groups": [lane], **clerks.get(lane, {})} for lane in lanes]
    for u in people:
        name = u["name"]
        if name not in existing:
            engine.users.add(name, u["role"], groups=u["groups"], password=name,
                             display_name=u.get("display_name"), password_change_required=True)
            engine.organisation.update_person(name, {"department": u.get("department"),
                                                     "position": u.get("position") or ""})
        print(f"演示用户 {name:10} 角色 {u['role']:10} 密码 {name:10} {u.get('display_name') or '':6} "
              f"组 {','.join(u['groups'])}")


def _start_demo_cases(engine, demo):
    """Start the demo cases once, so that the inboxes have work."""
    from engine import Actor

    if engine.runtime.count() > 0:
        return
    admin = Actor("admin", "admin")
    portal = Actor("portal", "integrator")
    for entry in demo["cases"]:
        case = engine.runtime.start(entry["process"], entry["applicant"], entry.get("data"), portal)
        for step in entry["steps"]:
            if "message" in step:
                engine.runtime.send_message(case.id, step["message"], step.get("data"), portal)
                continue
            task = next(t for t in engine.tasks.for_case(case.id) if t.element_id == step["task"])
            engine.tasks.complete(task.id, admin, step["data"])
        print(f"演示办件 {case.number} {entry['process']}")


def _print_deployed(results):
    for r in results:
        if r.kind != "matter":
            print(f"{r.key} v{r.version}" + ("" if r.created else " (unchanged)"))


def _print_lane_warnings(engine, deployed):
    """Deploying is allowed when a lane's group has nobody active in it, but nobody could work its tasks."""
    for d in deployed:
        for lane in engine.organisation.unstaffed(d.lanes):
            print(f"警告：流程 {d.key} 的泳道「{lane}」没有在岗人员（办理组 {lane} 无启用成员）", file=sys.stderr)


def cmd_deploy(engine, args):
    files = engine.repository.read_paths(args.paths)
    if args.check:
        from engine.repository import lint

        # Against what is deployed when there is a database, else the files alone.
        problems = engine.repository.check(files) if engine.db.is_current() else lint.lint(files)
        _print_problems(problems)
        errors = lint.errors(problems)
        print(f"检查完成：{len(errors)} 个错误，{len(problems) - len(errors)} 个警告")
        return 1 if errors else 0
    deployed, problems = engine.repository.deploy_checked(files, deployed_by="cli")
    _print_deployed(deployed)
    _print_problems(problems)
    _deploy_themes(engine, args.paths)
    _print_lane_warnings(engine, deployed)


def _print_problems(problems):
    for p in problems:
        where = p["file"] + (f" {p['element_id']}" if p["element_id"] else "")
        print(f"{'错误' if p['severity'] == 'error' else '警告'} [{p['code']}] {where}：{p['message']}",
              file=sys.stderr if p["severity"] == "error" else sys.stdout)


def _deploy_themes(engine, paths):
    """一件事 themes: ``themes/*.json`` under a deployed folder, or a file under a ``themes`` folder."""
    from pathlib import Path

    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found += [path / "themes"] if (path / "themes").is_dir() else []
            found += [path] if path.name == "themes" else []
        elif path.parent.name == "themes" and path.suffix == ".json":
            found.append(path)
    for theme in engine.applicants.deploy_theme_paths(found) if found else []:
        print(f"  一件事 {theme.key}: {theme.name}")


def _require_schema(engine):
    if not engine.db.is_current():
        raise TongbanError("数据库尚未初始化或版本过旧：请先运行 tongban init", code="schema_outdated",
                           details={"database": engine.db.engine.url.render_as_string(hide_password=True)})


def cmd_serve(engine, args):
    from waitress import serve

    _require_schema(engine)
    from api import create_app, store

    app = create_app(engine)
    scheduler = Scheduler(engine, chores=[(lambda: store.purge_expired(engine), 3600),
                                          *_housekeeping(engine)]).start()
    print(f"通办 running on http://{args.host}:{args.port}  (Ctrl+C to stop)", flush=True)
    try:
        serve(app, host=args.host, port=args.port, threads=8, ident="tongban")
    finally:
        scheduler.stop()


def cmd_worker(engine, args):
    import time

    _require_schema(engine)
    scheduler = Scheduler(engine, chores=_housekeeping(engine)).start()
    print(f"worker {engine.management.worker} polling due timers", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.stop()


def _housekeeping(engine):
    """Hourly chores every serving or working process runs: (function, seconds)."""
    return [(lambda: _anchor_days(engine), 3600), (engine.applicants.purge_stale_uploads, 3600)]


def _anchor_days(engine):
    """Scheduler chore: write the daily digests of finished days (another process may race us)."""
    from engine.errors import Conflict

    try:
        engine.history.write_digests()
    except Conflict:
        pass
    return False


def cmd_audit_verify(engine, args):
    """Exit 1 when any link is broken; prints the first broken link of each case."""
    _require_schema(engine)
    results = [engine.history.verify(args.case)] if args.case else list(engine.history.verify_all())
    broken = 0
    for result in results:
        if result.case_id is None:
            print(("每日摘要链完整：" + f"{result.events} 个摘要" + (f"，链头 {result.head}" if result.head else ""))
                  if result.intact else f"每日摘要链已被改动：{result.broken.message}")
        elif not result.intact or args.case:
            print(result.describe())
        broken += not result.intact
    if not args.case:
        print(f"共核验 {len(results) - 1} 个办件，{broken} 处留痕被改动" if broken else f"共核验 {len(results) - 1} 个办件，全部完整")
    return 1 if broken else 0


def cmd_audit_replay(engine, args):
    """Exit 1 when the case does not re-execute to the same path and state."""
    _require_schema(engine)
    result = engine.history.replay(args.case)
    print(result.describe())
    return 0 if result.ok else 1


def cmd_audit_export(engine, args):
    text = json.dumps(engine.history.export(args.case), ensure_ascii=False, indent=2)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        print(f"已导出到 {args.output}")
    else:
        print(text)


def cmd_audit_check(engine, args):
    """Check an exported trail file on its own (no database needed)."""
    from engine.history.chain import check_export

    with open(args.file, encoding="utf-8") as f:
        exported = json.load(f)
    broken = check_export(exported)
    if broken:
        print(f"导出文件已被改动：{broken.message}")
        return 1
    print(f"导出文件完整：{len(exported.get('events') or [])} 条事件，链头 {exported['chain']['head']}")
    return 0


def cmd_audit_digest(engine, args):
    _require_schema(engine)
    days = engine.history.write_digests()
    print(f"已写入 {len(days)} 个每日摘要" + (f"：{'、'.join(days)}" if days else ""))
    day, head = engine.history.digest_head()
    if head:
        print(f"摘要链头（{day}）：{head}")


def cmd_user_add(engine, args):
    from engine.identity import passwords

    if args.password is not None:
        passwords.check(args.password, args.name)
    user = engine.users.add(args.name, args.role, groups=args.group or [], password=args.password,
                            display_name=args.display_name)
    if args.department or args.position:
        engine.organisation.update_person(user.name, {"department": args.department, "position": args.position or ""})
    print(f"用户 {user.name} 已创建（角色 {user.role}）")


def cmd_token(engine, args):
    if args.revoke:
        for row in engine.users.tokens(args.name):
            if row.revoked_at is None:
                engine.users.revoke_token_id(row.id)
                print(f"令牌 #{row.id} 已吊销", file=sys.stderr)
        return
    print(engine.users.issue_token(args.name, days=args.days))


def cmd_calendar_check(engine, args):
    from engine.calendar import calendar

    years = calendar().report()
    print(f"工作日历覆盖 {years[0].year}–{years[-1].year} 年：")
    for y in years:
        status = "正式" if y.status == "official" else "暂行（待国务院公布调休安排后更新）"
        print(f"  {y.year}  {status}  来源 {y.source}")
    missing = [y.year for y in years if y.status != "official"]
    if missing:
        print(f"注意：{', '.join(map(str, missing))} 年的数据为暂行，只含法定节日，不含调休上班日", file=sys.stderr)


def cmd_calendar_add(engine, args):
    from engine.calendar import calendar

    print(calendar().add(args.date, args.days).isoformat())


def cmd_calendar_is_workday(engine, args):
    from engine.calendar import calendar

    print("yes" if calendar().is_workday(args.date) else "no")


def build_parser():
    p = argparse.ArgumentParser(prog="tongban", description="通办 Tongban: BPMN approval engine for government services")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("init", help="migrate the database and deploy processes/ and forms/")
    s.add_argument("--demo", action="store_true", help="also create demo users")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("deploy", help="deploy BPMN, DMN, form and catalogue files together")
    s.add_argument("paths", nargs="+")
    s.add_argument("--check", action="store_true", help="only lint the files: print problems, exit 1 on errors")
    s.set_defaults(func=cmd_deploy)

    s = sub.add_parser("serve", help="web UI, REST API and scheduler")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=5000)
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("worker", help="fire due timers (run any number of these)")
    s.set_defaults(func=cmd_worker)

    s = sub.add_parser("audit", help="prove, re-run and export case trails")
    asub = s.add_subparsers(dest="audit_command", required=True)
    a = asub.add_parser("verify", help="recompute hash chains; exit 1 if any link is broken")
    a.add_argument("case", nargs="?", type=int, help="case id (default: every case and the daily digests)")
    a.set_defaults(func=cmd_audit_verify)
    a = asub.add_parser("replay", help="re-run a case from its trail; exit 1 if it takes another path")
    a.add_argument("case", type=int)
    a.set_defaults(func=cmd_audit_replay)
    a = asub.add_parser("export", help="the case's whole trail with its hash chain, as JSON")
    a.add_argument("case", type=int)
    a.add_argument("-o", "--output", help="file to write (default: standard output)")
    a.set_defaults(func=cmd_audit_export)
    a = asub.add_parser("check", help="recompute the hash chain of an exported trail file; exit 1 if changed")
    a.add_argument("file")
    a.set_defaults(func=cmd_audit_check)
    a = asub.add_parser("digest", help="anchor finished days in the daily digest chain and print its head")
    a.set_defaults(func=cmd_audit_digest)

    s = sub.add_parser("user", help="manage users")
    usub = s.add_subparsers(dest="user_command", required=True)
    a = usub.add_parser("add", help="create a user")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=ROLES)
    a.add_argument("--group", action="append", help="candidate group (a lane name); repeatable")
    a.add_argument("--password", help=f"at least {MIN_PASSWORD} characters, not a common one")
    a.add_argument("--display-name", help="real name (姓名)")
    a.add_argument("--department", help="department code")
    a.add_argument("--position", help="position (职务)")
    a.set_defaults(func=cmd_user_add)

    s = sub.add_parser("token", help="print a new API bearer token for a user (or --revoke them all)")
    s.add_argument("name")
    s.add_argument("--days", type=int, default=90, help="validity in days (0: no expiry)")
    s.add_argument("--revoke", action="store_true", help="revoke all of the user's tokens instead")
    s.set_defaults(func=cmd_token)

    s = sub.add_parser("calendar", help="the working-day calendar (工作日)")
    csub = s.add_subparsers(dest="calendar_command", required=True)
    c = csub.add_parser("check", help="list the years covered and where each comes from")
    c.set_defaults(func=cmd_calendar_check, needs_engine=False)
    c = csub.add_parser("add", help="print the date N working days after DATE")
    c.add_argument("date", help="YYYY-MM-DD")
    c.add_argument("days", type=int)
    c.set_defaults(func=cmd_calendar_add, needs_engine=False)
    c = csub.add_parser("is-workday", help="print yes or no")
    c.add_argument("date", help="YYYY-MM-DD")
    c.set_defaults(func=cmd_calendar_is_workday, needs_engine=False)
    return p


def missing_sqlite_file(url):
    """The file an SQLite URL names, if it does not exist (connecting would create it empty)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:") \
            or parsed.database.startswith("file:"):
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


def fail(code, message, details=None):
    """One line on stderr, exit status 2: what went wrong, never a traceback or SQL."""
    line = f"错误 [{code}]: {message}"
    if details:
        line += " " + json.dumps(details, ensure_ascii=False, default=str)[:500]
    print(line.replace("\n", " "), file=sys.stderr)
    return 2


def main(argv=None):
    logging.basicConfig(level=logging.WARNING)
    install_log_masking()  # workers and the scheduler log too: identity numbers masked (#10a)
    args = build_parser().parse_args(argv)
    engine = None
    if getattr(args, "needs_engine", True):
        url = database_url()
        missing = missing_sqlite_file(url)
        if missing is not None and args.func is not cmd_init:
            return fail("no_database", f"数据库文件 {missing} 不存在：请在项目目录中运行，或先运行 tongban init")
        engine = Engine(url)
    try:
        return args.func(engine, args) or 0
    except TongbanError as exc:
        return fail(exc.code, exc.message, exc.details)
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
        return fail("database_error", "数据库操作失败（数据库未初始化、只读或不可用？）", {"reason": reason})
    except (OSError, ValueError) as exc:
        return fail("error", f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}")
    finally:
        if engine is not None:
            engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
