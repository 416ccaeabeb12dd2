"""A browsable, self-contained page of the OpenAPI document (no CDN needed:
government intranets often have no Internet)."""
import json
from html import escape

from flask import Blueprint, current_app

blp = Blueprint("api_docs", __name__)


def _schema_text(schema):
    return escape(json.dumps(schema, ensure_ascii=False, indent=2))


@blp.route("/api/v1/docs")
def docs_page():
    spec = current_app.extensions["tongban_api"].spec.to_dict()
    parts = [f"<h1>{escape(spec['info']['title'])} <small>{escape(spec['info']['version'])}</small></h1>",
             "<p>机器可读的文档：<a href='/api/v1/openapi.json'>/api/v1/openapi.json</a>。"
             "认证：<code>Authorization: Bearer tb_…</code>（<code>tongban token 用户名</code>）"
             "或浏览器会话（改变状态的请求需带 <code>X-CSRF-Token</code>）。"
             "错误统一为 <code>{\"error\", \"message\", \"details\"}</code>。</p>"]
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            if method == "parameters":
                continue
            parts.append(f"<details><summary><b>{method.upper()}</b> <code>{escape(path)}</code> — "
                         f"{escape(op.get('summary', ''))}</summary>")
            if op.get("description"):
                parts.append(f"<p>{escape(op['description'])}</p>")
            for p in op.get("parameters", []):
                parts.append(f"<div>参数 <code>{escape(p['name'])}</code>（{escape(p['in'])}"
                             f"{'，必填' if p.get('required') else ''}）</div>")
            body = op.get("requestBody", {}).get("content", {})
            for media, content in body.items():
                parts.append(f"<div>请求体 {escape(media)}</div><pre>{_schema_text(content.get('schema'))}</pre>")
            for status, response in op.get("responses", {}).items():
                parts.append(f"<div>响应 <b>{escape(str(status))}</b> {escape(response.get('description', ''))}</div>")
            parts.append("</details>")
    parts.append("<h2>Schemas</h2>")
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        parts.append(f"<details><summary>{escape(name)}</summary><pre>{_schema_text(schema)}</pre></details>")
    html = ("<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>通办 API</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}details{margin:.4em 0}"
            "pre{background:#f6f6f6;padding:.5em;overflow:auto}</style></head><body>"
            + "".join(parts) + "</body></html>")
    return html, 200, {"Content-Type": "text/html; charset=utf-8"}
