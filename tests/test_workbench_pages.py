"""The workbench's page shells and the vendor files they load (#13a): every file the templates name is
whitelisted and present in node_modules, nothing beside it is served."""
import re

import pytest

from admin import VENDOR_DIRS, VENDOR_FILES

PAGES = ["/workbench", "/workbench/modeler/x", "/workbench/dmn/x", "/workbench/forms/x", "/workbench/trial/x",
         "/workbench/versions/x"]


@pytest.fixture
def client(engine):
    from api import create_app

    return create_app(engine).test_client()


@pytest.mark.skipif(not VENDOR_DIRS["properties-panel"].is_dir(), reason="run `npm ci` first")
def test_workbench_pages_load_only_whitelisted_vendor_files_that_exist(client):
    for path in PAGES:
        html = client.get(path).get_data(as_text=True)
        assert "通办" in html, path
        for package, name in re.findall(r"/ui/vendor/([^/]+)/([^\"']+)", html):
            assert name in VENDOR_FILES[package], (path, package, name)
            response = client.get(f"/ui/vendor/{package}/{name}")
            assert response.status_code == 200, (path, package, name)
            response.close()


@pytest.mark.parametrize("path", ["/ui/vendor/properties-panel/index.esm.js", "/ui/vendor/dmn-js/../package.json",
                                  "/ui/vendor/min-dash/../package.json", "/ui/vendor/bpmn-js-differ/index.cjs"])
def test_nothing_else_is_served(client, path):
    assert client.get(path).status_code == 404
