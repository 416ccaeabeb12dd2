"""The `tongban` command as an operator types it, on a real database."""
import os
import subprocess
import sys

import pytest

from engine.errors import Unauthenticated

from .conftest import ROOT, diagram


def tongban(database_url, *args, check=True):
    env = {**os.environ, "TONGBAN_DATABASE_URL": database_url}
    proc = subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        pytest.fail(f"tongban {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def test_init_deploy_users_and_tokens(engine, database_url):
    out = tongban(database_url, "init", "--demo").stdout
    assert "no_criminal_record v1" in out and "food_business_license v1" in out
    assert "window" in out
    assert engine.runtime.count() == out.count("演示办件") == 9
    assert engine.runtime.count("completed") == 2          # the 秒批 one, the 个体工商户 that issued a 营业执照
    inbox, _ = engine.tasks.inbox(engine.users.authenticate("window", "window"))
    assert inbox                                            # the front window has work
    again = tongban(database_url, "init").stdout
    assert "no_criminal_record v1 (unchanged)" in again

    # Several files at once, so that a BPMN can use a DMN deployed with it.
    folder = diagram("unfamiliar")
    out = tongban(database_url, "deploy", *sorted(str(p) for p in folder.iterdir())).stdout
    assert "Process_0m8x2qz v1" in out and "Decision_13nq8rw v1" in out

    tongban(database_url, "user", "add", "li", "--role", "clerk", "--group", "市场监管局", "--group", "卫生健康局",
            "--password", "s3cret-pass")
    user = engine.users.get("li")
    assert user.role == "clerk" and user.group_names == ["卫生健康局", "市场监管局"]
    assert engine.users.authenticate("li", "s3cret-pass").groups == {"市场监管局", "卫生健康局"}

    token = tongban(database_url, "token", "li").stdout.strip()
    assert "\n" not in token and token.startswith("tb_")
    assert engine.users.verify_token(token).name == "li"
    tongban(database_url, "token", "li", "--revoke")
    with pytest.raises(Unauthenticated):
        engine.users.verify_token(token)


def test_serve_refuses_an_uninitialised_database(tmp_path):
    proc = tongban(f"sqlite:///{tmp_path}/empty.sqlite", "serve", "--port", "0", check=False)
    assert proc.returncode == 2 and "tongban init" in proc.stderr


def test_errors_are_reported_in_plain_words(engine, database_url, tmp_path):
    tongban(database_url, "init")
    bad = tmp_path / "bad.bpmn"
    bad.write_text('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')
    proc = tongban(database_url, "deploy", str(bad), check=False)
    assert proc.returncode == 2
    assert "definition_invalid" in proc.stderr
    proc = tongban(database_url, "user", "add", "x", "--role", "wizard", check=False)
    assert proc.returncode != 0


def one_line_error(proc):
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误 ["), proc.stderr
    assert "Traceback" not in proc.stderr and "SELECT" not in proc.stderr and "INSERT" not in proc.stderr
    return lines[0]


def test_a_missing_database_file_is_not_created_outside_init(tmp_path):
    path = tmp_path / "nowhere.sqlite"
    line = one_line_error(tongban(f"sqlite:///{path}", "token", "admin", check=False))
    assert "no_database" in line and "tongban init" in line
    assert not path.exists()


def test_an_uninitialised_database_is_one_line(tmp_path):
    path = tmp_path / "empty.sqlite"
    path.touch()
    line = one_line_error(tongban(f"sqlite:///{path}", "token", "admin", check=False))
    assert "database_error" in line


def test_odd_input_on_the_command_line_is_one_line(engine, database_url, tmp_path):
    tongban(database_url, "init")
    deep = tmp_path / "deep.matter.json"
    deep.write_text("[" * 50000 + "]" * 50000)
    assert "definition_invalid" in one_line_error(tongban(database_url, "deploy", str(deep), check=False))
    line = one_line_error(tongban(database_url, "user", "add", "li", "--role", "clerk", "--group", "组" * 5000,
                                  check=False))
    assert "too_long" in line or "invalid_input" in line


def test_demo_organisation_and_lane_warnings(engine, database_url, tmp_path):
    tongban(database_url, "init", "--demo")
    org = engine.organisation
    tree = {d.code: d.parent.code if d.parent else None for d in org.departments()}
    assert tree["ZWFW"] is None and tree["SCJG"] == "ZWFW" and tree["SCJG-SPXK"] == "SCJG"
    window = engine.users.get("window")
    assert window.display_name == "王芳" and window.department.code == "ZWFW-SL"
    assert window.password_change_required  # a known password: changed at first login outside demo mode
    assert engine.users.get("公安局").display_name == "李警官"
    # Every lane of every demo process has somebody in it.
    assert all(not org.unstaffed(engine.repository.lanes(d.key)) for d in engine.repository.list("bpmn"))

    proc = tongban(database_url, "deploy", str(ROOT / "tests" / "diagrams" / "organisation" / "lonely.bpmn"))
    assert "lonely v1" in proc.stdout
    assert "无人科室" in proc.stderr and "综合受理窗口" not in proc.stderr

    # The CLI applies the password policy and files people into departments.
    weak = tongban(database_url, "user", "add", "zhou", "--role", "supervisor", "--password", "12345678", check=False)
    assert weak.returncode == 2 and "weak_password" in weak.stderr
    tongban(database_url, "user", "add", "zhou", "--role", "supervisor", "--password", "Jiandu-2026",
            "--display-name", "周督查", "--department", "GAJ")
    zhou = engine.users.get("zhou")
    assert (zhou.display_name, zhou.department.code) == ("周督查", "GAJ")
