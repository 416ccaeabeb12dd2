"""The organisation in the engine: migration 0005 over existing people, the
password policy, supervisors' scope through the engine's case query."""
import pytest
import sqlalchemy as sa

from engine import Actor, Engine
from engine.errors import InvalidInput
from engine.identity import passwords

from .conftest import BACKEND, ROOT

APPLICANT = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}


@pytest.mark.skipif(BACKEND != "sqlite", reason="one backend is enough to replay the upgrade")
def test_migration_turns_existing_group_names_into_groups(tmp_path):
    from alembic import command
    from alembic.config import Config

    url = f"sqlite:///{tmp_path}/old.sqlite"
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    engine = Engine(url)
    try:
        with engine.db.engine.begin() as conn:  # the schema as it was before the organisation
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0003")
            conn.exec_driver_sql("INSERT INTO user_account (id, name, display_name, role, active, created_at) "
                                 "VALUES (1, 'li', 'li', 'clerk', 1, '2026-01-01 00:00:00')")
            conn.exec_driver_sql("INSERT INTO user_group (user_id, group_name) VALUES (1, '公安局')")
        engine.migrate()
        user = engine.users.get("li")
        assert user.group_names == ["公安局"] and user.department is None and user.position == ""
        assert [(g.name, g.kind) for g in engine.organisation.groups()] == [("公安局", "team")]
    finally:
        engine.close()


@pytest.mark.parametrize("password,ok", [("short", False), ("password", False), ("Password123", False),
                                         ("zhangsan-2026", False), ("aaaaaaaaaaaa", False),
                                         ("Guangming-Rd-7", True)])
def test_password_policy(password, ok):
    assert (passwords.problem(password, "zhangsan") is None) is ok


def test_generated_passwords_pass_the_policy():
    for _ in range(50):
        generated = passwords.generate()
        assert passwords.problem(generated) is None and len(generated) == 12


def test_supervisor_scope_follows_the_department_tree(deployed):
    org = deployed.organisation
    org.create_department("ZX", "政务服务中心")
    org.create_department("GAJ", "公安局", "ZX")
    org.create_department("GAJ-HZ", "户政科", "GAJ")
    org.create_group("户政组", "户政组", "section", "GAJ-HZ")
    org.create_group("综合受理窗口", "综合受理窗口", "section", "ZX")
    case = deployed.runtime.start("no_criminal_record", APPLICANT)  # a task in the window's lane
    sees = {}
    for code in ("ZX", "GAJ", "GAJ-HZ"):
        supervisor = Actor(f"s-{code}", "supervisor", department=code)
        sees[code] = [c.id for c in deployed.runtime.query(supervisor).page(1, 10)[0]]
    assert sees == {"ZX": [case.id], "GAJ": [], "GAJ-HZ": []}
    # Moving the window's group under the police brings its cases into the police's view.
    org.update_group("综合受理窗口", {"department": "GAJ-HZ"})
    assert deployed.runtime.query(Actor("s", "supervisor", department="GAJ")).first().id == case.id


def test_a_supervisor_needs_a_department(deployed):
    with pytest.raises(InvalidInput) as err:
        deployed.organisation.create_person({"name": "s", "display_name": "督查", "role": "supervisor"})
    assert "department" in err.value.details
    with sa.create_engine(deployed.db.url).connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM user_account").scalar() == 0
