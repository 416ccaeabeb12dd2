"""Calls to the workbench API from inside a logged-in page, for the browser tests to set up drafts and
read back what the pages saved (through the API, as any client would)."""


def call(page, method, path, json=None, files=None):
    """An API call from inside the page, as its logged-in user (session cookie and CSRF token):
    ``{"status", "body"}``. ``files`` is ``{name: text}`` sent as repeated multipart ``file``."""
    return page.evaluate("""async ([method, path, json, files]) => {
      const session = await (await fetch("/api/v1/session")).json();
      const init = { method, headers: { Accept: "application/json", "X-CSRF-Token": session.csrf_token } };
      if (files) {
        init.body = new FormData();
        for (const [name, text] of Object.entries(files)) init.body.append("file", new Blob([text]), name);
      } else if (json !== null) {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(json);
      }
      const response = await fetch("/api/v1" + path, init);
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    }""", [method, path, json, files])


def draft_sources(page, key):
    answer = call(page, "GET", f"/drafts/{key}")
    assert answer["status"] == 200, answer
    return answer["body"]["sources"]
