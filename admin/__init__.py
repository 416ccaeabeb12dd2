"""Tongban's web UI: page shells for clerks, auditors and analysts.

Every page is an HTML shell plus a small ES module; the module reads and
changes data only through the public REST API (/api/v1/...), the same one
integrators use. The app factory registers ``blueprint``.

Front-end libraries (bpmn-js, form-js, ECharts) come from npm (``npm ci`` in the repo
root) and are served straight from their own ``dist`` folders in
node_modules; nothing third-party is copied into this package.
"""
from pathlib import Path

from flask import Blueprint, abort, render_template, send_from_directory

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"

# The only vendor files the UI loads: URL name -> (package dist folder, file inside it).
# A whitelist, so the route can never serve anything else out of node_modules.
VENDOR_DIRS = {
    "bpmn-js": NODE_MODULES / "bpmn-js" / "dist",
    "form-js": NODE_MODULES / "@bpmn-io" / "form-js" / "dist",
    "echarts": NODE_MODULES / "echarts" / "dist",
    # Analyst workbench (#13): modeler, properties panel, DMN and form editors, differ.
    "properties-panel": NODE_MODULES / "bpmn-js-properties-panel" / "dist",
    "properties-panel-css": NODE_MODULES / "@bpmn-io" / "properties-panel" / "dist" / "assets",
    "dmn-js": NODE_MODULES / "dmn-js" / "dist",
    "bpmn-js-differ": NODE_MODULES / "bpmn-js-differ" / "dist",
    "min-dash": NODE_MODULES / "min-dash" / "dist",
}
VENDOR_FILES = {
    "bpmn-js": {
        "bpmn-navigated-viewer.production.min.js",
        "assets/diagram-js.css",
        "assets/bpmn-js.css",
    },
    "form-js": {
        "form-viewer.umd.js",
        "assets/form-js.css",
    },
    "echarts": {
        "echarts.min.js",
    },
}
VENDOR_FILES["bpmn-js"] |= {"bpmn-modeler.production.min.js", "assets/bpmn-font/css/bpmn-embedded.css"}
VENDOR_FILES["form-js"] |= {"form-editor.umd.js", "assets/form-js-editor.css", "assets/properties-panel.css"}
VENDOR_FILES.update({
    "properties-panel": {"bpmn-js-properties-panel.umd.js"},  # bundles @bpmn-io/properties-panel and preact
    "properties-panel-css": {"properties-panel.css"},
    "dmn-js": {"dmn-modeler.production.min.js", "assets/diagram-js.css", "assets/dmn-js-shared.css",
               "assets/dmn-js-drd.css", "assets/dmn-js-decision-table.css",
               "assets/dmn-js-decision-table-controls.css", "assets/dmn-js-literal-expression.css",
               "assets/dmn-font/css/dmn-embedded.css"},
    # ES modules: the differ imports min-dash by name, resolved by the page's import map.
    "bpmn-js-differ": {"index.esm.js"},
    "min-dash": {"index.js"},
})

blueprint = Blueprint("admin", __name__, template_folder="templates",
                      static_folder="static", static_url_path="/ui/static")


@blueprint.route("/ui/vendor/<package>/<path:name>")
def vendor(package, name):
    if name not in VENDOR_FILES.get(package, ()):
        abort(404)
    return send_from_directory(VENDOR_DIRS[package], name, max_age=3600)


@blueprint.route("/")
def home():
    """Each role lands where it works; the page knows the role once the session is loaded."""
    return render_template("admin/home.html")


@blueprint.route("/login")
def login():
    return render_template("admin/login.html")


@blueprint.route("/inbox")
def inbox():
    return render_template("admin/inbox.html")


@blueprint.route("/tasks/<task_id>")
def task(task_id):
    return render_template("admin/task.html", task_id=task_id)


@blueprint.route("/cases")
def cases():
    return render_template("admin/cases.html")


@blueprint.route("/cases/<case_id>")
def case(case_id):
    return render_template("admin/case.html", case_id=case_id)


@blueprint.route("/cases/<int:case_id>/replay")
def replay(case_id):
    return render_template("admin/replay.html", case_id=case_id)


@blueprint.route("/cases/<int:case_id>/report")
def report(case_id):
    return render_template("admin/report.html", case_id=case_id)


@blueprint.route("/cases/<case_id>/correction-notice")
def correction_notice(case_id):
    return render_template("admin/correction_notice.html", case_id=case_id)


@blueprint.route("/definitions")
def definitions():
    return render_template("admin/definitions.html")


@blueprint.route("/definitions/<key>")
def definition(key):
    return render_template("admin/definition.html", key=key)


@blueprint.route("/dashboard")
def dashboard():
    return render_template("admin/dashboard.html")


@blueprint.route("/overdue")
def overdue():
    """超期公示: public, no login."""
    return render_template("admin/overdue.html")


@blueprint.route("/password")
def password():
    return render_template("admin/password.html")


@blueprint.route("/people")
def people():
    return render_template("admin/people.html")


@blueprint.route("/people/import")
def people_import():
    return render_template("admin/import.html")


@blueprint.route("/departments")
def departments():
    return render_template("admin/departments.html")


@blueprint.route("/staffing")
def staffing():
    return render_template("admin/staffing.html")


# ---------------------------------------------------------------- analyst workbench (#13)

@blueprint.route("/workbench")
def workbench():
    """草稿、批量部署: the analyst's desk."""
    return render_template("admin/workbench.html")


@blueprint.route("/workbench/modeler/<key>")
def modeler(key):
    return render_template("admin/modeler.html", key=key)


@blueprint.route("/workbench/dmn/<key>")
def dmn_editor(key):
    return render_template("admin/dmn_editor.html", key=key)


@blueprint.route("/workbench/forms/<key>")
def form_editor(key):
    return render_template("admin/form_editor.html", key=key)


@blueprint.route("/workbench/trial/<key>")
def trial(key):
    return render_template("admin/trial.html", key=key)


@blueprint.route("/workbench/versions/<key>")
def versions(key):
    return render_template("admin/versions.html", key=key)

# ---- applicants (#10b): registration, own cases, online application, blacklist -----------

@blueprint.route("/register")
def register():
    """申请人注册: public."""
    return render_template("admin/register.html")


@blueprint.route("/my")
def my_cases():
    return render_template("admin/my.html")


@blueprint.route("/my/cases/<int:case_id>")
def my_case(case_id):
    return render_template("admin/my_case.html", case_id=case_id)


@blueprint.route("/apply/<any(process,theme):kind>/<key>")
def apply(kind, key):
    return render_template("admin/apply.html", kind=kind, key=key)


@blueprint.route("/blacklist")
def blacklist():
    return render_template("admin/blacklist.html")

# ---- public service pages (no login): the guide (办事指南) and the progress query (进度查询) ----

@blueprint.route("/guide")
def guide_list():
    return render_template("admin/guide.html", code="")


@blueprint.route("/guide/<code>")
def guide(code):
    return render_template("admin/guide.html", code=code)


@blueprint.route("/progress")
def progress():
    return render_template("admin/progress.html")

# ---- front window (#9) ----------------------------------------------------------------

@blueprint.route("/intake")
def intake():
    """收件: a window clerk registers a walk-in application."""
    return render_template("admin/intake.html")


@blueprint.route("/cases/<int:case_id>/notices/<any(acceptance, tolerance, refusal, correction):kind>")
def window_notice(case_id, kind):
    """受理通知书、容缺受理告知书、不予受理决定书、补正告知书 as print views."""
    return render_template("admin/window_notice.html", case_id=case_id, kind=kind)
