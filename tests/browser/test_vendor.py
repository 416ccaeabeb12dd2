"""The vendor route serves only the whitelisted dist files out of node_modules."""
import pytest

from admin import VENDOR_DIRS


@pytest.fixture
def client(engine):
    from api import create_app

    return create_app(engine).test_client()


@pytest.mark.skipif(not VENDOR_DIRS["bpmn-js"].is_dir(), reason="run `npm ci` first")
def test_vendor_serves_whitelisted_dist_files(client):
    response = client.get("/ui/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js")
    assert response.status_code == 200
    assert b"BpmnJS" in response.data[:2000]
    assert client.get("/ui/vendor/form-js/assets/form-js.css").status_code == 200


@pytest.mark.parametrize("path", [
    "/ui/vendor/bpmn-js/../package.json",
    "/ui/vendor/bpmn-js/bpmn-modeler.development.js",
    "/ui/vendor/form-js/%2e%2e/package.json",
    "/ui/vendor/preact/dist/preact.js",
])
def test_vendor_refuses_anything_else(client, path):
    assert client.get(path).status_code == 404


def test_pages_are_shells_that_need_no_login(client):
    # The pages hold no data; their scripts ask the API, which checks the session.
    for path in ["/", "/login", "/inbox", "/tasks/1", "/cases", "/cases/1", "/definitions", "/definitions/x",
                 "/people", "/people/import", "/departments", "/staffing", "/password"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "通办" in response.get_data(as_text=True)
    # The home page sends each role where it works, once its script knows the role.
    assert "js/home.js" in client.get("/").get_data(as_text=True)
