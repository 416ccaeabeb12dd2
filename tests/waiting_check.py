"""Every ``engine.window.waiting`` in a test also restores the workflow and must give the same
list: the stored-state reading (``engine.window.waiting.from_state``) is checked wherever a test
asks what a case waits for."""
import pytest

from engine.window import waiting
from engine.window.service import WindowService


@pytest.fixture
def waiting_checked(monkeypatch):
    """The answers of ``from_state`` in this test (None: it could not tell and the workflow was restored)."""
    answers = []
    read, fast = waiting.from_state, WindowService.waiting

    def recording(state, table):
        answers.append(read(state, table))
        return answers[-1]

    def both(self, case):
        items = fast(self, case)
        assert items == self.waiting_restored(case)
        return items
    monkeypatch.setattr(waiting, "from_state", recording)
    monkeypatch.setattr(WindowService, "waiting", both)
    return answers
