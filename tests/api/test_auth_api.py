"""Bearer tokens, browser sessions with CSRF, the shared session key, rate limits."""
from datetime import timedelta

from .conftest import make_app, open_task, start_case, with_password


def test_bearer_tokens_bad_revoked_and_expired(deployed, client, tokens):
    assert client.get("/api/v1/session", headers={"Authorization": "Bearer tb_nope"}).status_code == 401
    assert client.get("/api/v1/session", headers={"Authorization": "Basic abc"}).status_code == 401
    ok = client.get("/api/v1/session", headers={"Authorization": f"Bearer {tokens['window']}"})
    assert ok.get_json() == {"user": "window", "display_name": "window", "department": "综合受理窗口",
                             "role": "clerk", "groups": ["综合受理窗口"], "password_change_required": False,
                             "csrf_token": None, "auth": "token"}
    deployed.users.revoke_token(tokens["window"])
    r = client.get("/api/v1/session", headers={"Authorization": f"Bearer {tokens['window']}"})
    assert r.status_code == 401 and r.get_json()["error"] == "unauthenticated"
    short = deployed.users.issue_token("portal", days=1)
    deployed.clock.travel(timedelta(days=2))
    assert client.get("/api/v1/session", headers={"Authorization": f"Bearer {short}"}).status_code == 401


def test_browser_session_login_csrf_and_logout(deployed, client, tokens, as_):
    with_password(deployed, "window")
    assert client.post("/api/v1/session", json={"name": "window", "password": "wrong"}).status_code == 401
    r = client.post("/api/v1/session", json={"name": "window", "password": "window"})
    assert r.status_code == 200
    who = r.get_json()
    assert who["user"] == "window" and who["role"] == "clerk" and who["groups"] == ["综合受理窗口"]
    csrf = who["csrf_token"]
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/api/v1/session").get_json()["csrf_token"] == csrf
    task = open_task(start_case(as_))
    assert client.get("/api/v1/tasks").get_json()["total"] == 1
    refused = client.post(f"/api/v1/tasks/{task['id']}/claim")
    assert refused.status_code == 403 and refused.get_json()["error"] == "csrf_failed"
    wrong = client.post(f"/api/v1/tasks/{task['id']}/claim", headers={"X-CSRF-Token": csrf + "x"})
    assert wrong.status_code == 403
    ok = client.post(f"/api/v1/tasks/{task['id']}/claim", headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200
    assert client.delete("/api/v1/session").status_code == 403  # logout needs the token too
    assert client.delete("/api/v1/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/v1/session").status_code == 401


def test_logout_with_a_token_is_refused(as_):
    r = as_("portal")("DELETE", "/api/v1/session")
    assert r.status_code == 422 and r.get_json()["error"] == "not_a_session"


def test_a_cookie_from_one_process_works_in_another(deployed, tokens):
    """Two apps on one database share the stored session key, as two waitress processes would."""
    with_password(deployed, "auditor")
    one, two = make_app(deployed).test_client(), make_app(deployed).test_client()
    one.post("/api/v1/session", json={"name": "auditor", "password": "auditor"})
    cookie = one.get_cookie("tongban_session")
    two.set_cookie("tongban_session", cookie.value)
    assert two.get("/api/v1/session").get_json()["user"] == "auditor"


def test_disabled_user_session_ends(deployed, client, tokens):
    with_password(deployed, "analyst")
    client.post("/api/v1/session", json={"name": "analyst", "password": "analyst"})
    from engine.models import User
    with deployed.db.write() as s:
        s.query(User).filter_by(name="analyst").one().active = False
    assert client.get("/api/v1/session").status_code == 401


def test_login_rate_limit(deployed, tokens):
    with_password(deployed, "admin")
    client = make_app(deployed, TONGBAN_LOGIN_RATE_LIMIT="3/60").test_client()
    deployed.clock.freeze(deployed.clock.now().replace(second=0, microsecond=0))
    codes = [client.post("/api/v1/session", json={"name": "admin", "password": "guess"}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    r = client.post("/api/v1/session", json={"name": "admin", "password": "admin"})
    assert r.status_code == 429 and r.get_json()["error"] == "rate_limited"
    assert 0 < int(r.headers["Retry-After"]) <= 60
    deployed.clock.travel(timedelta(seconds=61))
    assert client.post("/api/v1/session", json={"name": "admin", "password": "admin"}).status_code == 200


def test_api_rate_limit_is_per_caller(deployed, tokens):
    client = make_app(deployed, TONGBAN_RATE_LIMIT="5/60").test_client()
    deployed.clock.freeze(deployed.clock.now().replace(second=0, microsecond=0))
    portal = {"Authorization": f"Bearer {tokens['portal']}"}
    codes = [client.get("/api/v1/definitions", headers=portal).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert client.get("/api/v1/definitions",
                      headers={"Authorization": f"Bearer {tokens['window']}"}).status_code == 200
    deployed.clock.travel(timedelta(seconds=60))
    assert client.get("/api/v1/definitions", headers=portal).status_code == 200


def test_rate_limit_is_shared_between_processes(deployed, tokens):
    one = make_app(deployed, TONGBAN_RATE_LIMIT="4/60").test_client()
    two = make_app(deployed, TONGBAN_RATE_LIMIT="4/60").test_client()
    deployed.clock.freeze(deployed.clock.now().replace(second=0, microsecond=0))
    h = {"Authorization": f"Bearer {tokens['auditor']}"}
    codes = [(one if i % 2 else two).get("/api/v1/matters", headers=h).status_code for i in range(5)]
    assert codes == [200, 200, 200, 200, 429]


def test_anonymous_failures_are_rate_limited(deployed, tokens):
    client = make_app(deployed, TONGBAN_ANON_RATE_LIMIT="2/60").test_client()
    deployed.clock.freeze(deployed.clock.now().replace(second=0, microsecond=0))
    codes = [client.get("/api/v1/cases", headers={"Authorization": "Bearer tb_guess"}).status_code
             for _ in range(3)]
    assert codes == [401, 401, 429]


def test_tokens_over_the_api_are_shown_once_expire_and_revoke(client, as_):
    window = as_("window")
    r = window("POST", "/api/v1/tokens", json={"days": 1})
    assert r.status_code == 201
    new = r.get_json()
    assert new["token"].startswith("tb_") and new["expires_at"]
    bearer = {"Authorization": f"Bearer {new['token']}"}
    assert client.get("/api/v1/session", headers=bearer).get_json()["user"] == "window"
    listed = window("GET", "/api/v1/tokens").get_json()["items"]
    assert new["id"] in [t["id"] for t in listed] and all("token" not in t for t in listed)
    assert as_("police")("DELETE", f"/api/v1/tokens/{new['id']}").status_code == 404
    assert window("DELETE", f"/api/v1/tokens/{new['id']}").status_code == 204
    assert client.get("/api/v1/session", headers=bearer).status_code == 401
    assert window("POST", "/api/v1/tokens", json={"user": "police"}).status_code == 403
    assert as_("admin")("POST", "/api/v1/tokens", json={"user": "police", "days": 0}).get_json()["expires_at"] is None


def test_logout_ends_the_session_on_the_server_even_for_a_copied_cookie(deployed, client, app, tokens):
    with_password(deployed, "window")
    who = client.post("/api/v1/session", json={"name": "window", "password": "window"}).get_json()
    copy = app.test_client()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    copy.set_cookie(cookie.key, cookie.value)
    assert copy.get("/api/v1/session").status_code == 200  # the stolen cookie works …
    assert client.delete("/api/v1/session", headers={"X-CSRF-Token": who["csrf_token"]}).status_code == 204
    assert copy.get("/api/v1/session").status_code == 401  # … until its owner logs out


def test_a_session_expires_on_the_server(deployed, client, tokens):
    with_password(deployed, "window")
    client.post("/api/v1/session", json={"name": "window", "password": "window"})
    deployed.clock.travel(timedelta(hours=9))
    assert client.get("/api/v1/session").status_code == 401
