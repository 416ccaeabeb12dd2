"""The real Flask app over a real, migrated and deployed database, and one
token per role. Rate limits are off unless a test turns them on."""
import pytest

from engine.webhooks import deliver_due  # noqa: F401  (imported early: registers its tables)

APPLICANT = {"kind": "person", "id_number": "11010519491231002X", "name": "张三"}
WINDOW_GROUP = "综合受理窗口"
POLICE_GROUP = "公安局"

# name: (role, groups)
PEOPLE = {
    "admin": ("admin", []),
    "analyst": ("analyst", []),
    "auditor": ("auditor", []),
    "portal": ("integrator", []),
    "hotline": ("integrator", []),
    "window": ("clerk", [WINDOW_GROUP]),
    "police": ("clerk", [POLICE_GROUP]),
    "supervisor": ("supervisor", []),
}
# A small organisation: the centre with its window, and the police with its section.
DEPARTMENTS = [("ZX", "政务服务中心", None), ("ZX-SL", "综合受理窗口", "ZX"), ("GAJ", "公安局", "ZX"),
               ("GAJ-HZ", "户政科", "GAJ")]
GROUPS = [(WINDOW_GROUP, "section", "ZX-SL"), (POLICE_GROUP, "department", "GAJ")]
PLACES = {"window": "ZX-SL", "police": "GAJ-HZ", "supervisor": "GAJ", "admin": "ZX"}


def make_app(engine, **config):
    from api import create_app

    settings = {"TESTING": True, "TONGBAN_RATE_LIMIT": "", "TONGBAN_LOGIN_RATE_LIMIT": "",
                "TONGBAN_ANON_RATE_LIMIT": ""}
    settings.update(config)
    return create_app(engine, settings)


@pytest.fixture
def app(deployed):
    return make_app(deployed)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def tokens(deployed):
    """name -> bearer token, for every person in PEOPLE (no passwords: hashing is slow; see with_password)."""
    org = deployed.organisation
    for code, name, parent in DEPARTMENTS:
        org.create_department(code, name, parent)
    for name, kind, department in GROUPS:
        org.create_group(name, name, kind, department)
    out = {}
    for name, (role, groups) in PEOPLE.items():
        deployed.users.add(name, role, groups=groups)
        if name in PLACES:
            org.update_person(name, {"department": PLACES[name]})
        out[name] = deployed.users.issue_token(name)
    return out


def with_password(engine, *names):
    """Give users their name as password, for the tests that log in."""
    for name in names:
        engine.users.set_password(name, name)


class Caller:
    """A client speaking as one user with their bearer token."""

    def __init__(self, client, token):
        self.client, self.token = client, token

    def __call__(self, method, path, json=None, headers=None, **kwargs):
        h = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        h.update(headers or {})
        return self.client.open(path, method=method, json=json, headers=h, **kwargs)


@pytest.fixture
def as_(client, tokens):
    """as_("window")("GET", "/api/v1/tasks")"""
    return lambda name: Caller(client, tokens[name])


def start_case(as_, process="no_criminal_record", data=None, who="portal"):
    r = as_(who)("POST", "/api/v1/cases", json={"process": process, "applicant": APPLICANT, "data": data or {}})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def open_task(case, name=None):
    return next(t for t in case["tasks"] if t["state"] == "READY" and (name is None or t["name"] == name))
