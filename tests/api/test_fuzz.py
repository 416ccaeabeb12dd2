"""Property-based fuzz of the whole API from its own OpenAPI document
(schemathesis): whatever it sends, the answer is never a 5xx, and every error
has the one error shape. Bounded (TONGBAN_FUZZ_EXAMPLES per operation, 25 by
default) so the suite stays quick, and derandomised so that CI judges every
commit on the same inputs; TONGBAN_FUZZ_RANDOM=1 explores new ones."""
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from .conftest import APPLICANT, PEOPLE, make_app, open_task

EXAMPLES = int(os.environ.get("TONGBAN_FUZZ_EXAMPLES", "25"))
RANDOM = os.environ.get("TONGBAN_FUZZ_RANDOM") == "1"


@pytest.fixture(autouse=True)
def _local_receivers_allowed(monkeypatch):
    """Receivers here listen on 127.0.0.1, which webhooks reach only through the allow-list."""
    monkeypatch.setenv("TONGBAN_WEBHOOK_ALLOW", "127.0.0.1")


@pytest.fixture
def fuzz_target(deployed):
    for name, (role, groups) in PEOPLE.items():
        deployed.users.add(name, role, groups=groups)
    app = make_app(deployed)
    client = app.test_client()
    admin = {"Authorization": f"Bearer {deployed.users.issue_token('admin')}"}
    # Something to find: cases with open and claimed tasks, a subscription with deliveries.
    client.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/", "events": ["case_started"]}, headers=admin)
    for _ in range(2):
        case = client.post("/api/v1/cases", json={"process": "no_criminal_record", "applicant": APPLICANT},
                           headers=admin).get_json()
    client.post(f"/api/v1/tasks/{open_task(case)['id']}/claim", headers=admin)
    return app, admin


def _spec_only_app():
    """The document does not depend on data: read it once from an app on an unused
    database (a lazy per-test schema does not work with pytest 9)."""
    from api import create_app
    from engine import Engine

    return create_app(Engine("sqlite://"), {"SECRET_KEY": "spec-only"})


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _spec_only_app())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, phases=[Phase.explicit, Phase.generate], derandomize=not RANDOM,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, fuzz_target):
    app, admin = fuzz_target
    response = case.call(headers=admin, app=app)  # the real app on this test's database
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code >= 400 and response.status_code != 405:
        body = response.json()
        assert set(body) == {"error", "message", "details"}, body
