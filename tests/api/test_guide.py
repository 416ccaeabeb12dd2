"""docs/integrator-guide.md runs as written: its `sh` blocks, in order, in bash
with `set -euo pipefail`, against `tongban serve` on 127.0.0.1 over a real database."""
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from ..conftest import ROOT

GUIDE = ROOT / "docs" / "integrator-guide.md"


def sh_blocks(text):
    return re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def demo(database_url, tmp_path):
    """`tongban init --demo`, then `tongban serve` on an ephemeral port; yields (base url, env)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "tongban"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m api.cli "$@"\n')
    shim.chmod(0o755)
    env = {**os.environ, "TONGBAN_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT),
           "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(["tongban", "init", "--demo"], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(["tongban", "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # readiness poll, not a timing assertion
            if server.poll() is not None:
                raise RuntimeError(server.stdout.read().decode())
            try:
                urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        yield base, env
    finally:
        server.terminate()
        server.wait()


def test_the_guide_has_the_whole_journey():
    script = "\n".join(sh_blocks(GUIDE.read_text(encoding="utf-8")))
    for step in ("/api/v1/cases", "/api/v1/tasks", "/complete", "/trail", "Idempotency-Key", "/webhooks"):
        assert step in script


def test_the_guide_runs_against_a_live_server(demo):
    base, env = demo
    script = "set -euo pipefail\n" + "\n".join(sh_blocks(GUIDE.read_text(encoding="utf-8")))
    result = subprocess.run(["bash", "-c", script], env={**env, "TB": base}, cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert re.search(r"^case \d+$", out, flags=re.M)
    assert "\ncompleted\n" in out          # the case's status after the last task
    assert "\n409\n" in out                # the repeated complete and the unwaited message
    assert "whsec_" in out
    assert '"error":"not_found"' in out.replace(" ", "")
