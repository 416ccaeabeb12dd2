"""Text a column cannot hold is refused at flush with the caller's error (422), on SQLite as on
PostgreSQL; a loaded row is judged by what this flush changes in it."""
import pytest
import sqlalchemy as sa

from engine.errors import InvalidInput
from engine.models import User

from .conftest import BACKEND


def test_a_new_row_with_an_over_long_text_is_refused(engine):
    with pytest.raises(InvalidInput) as refused, engine.db.write() as session:
        session.add(User(name="x" * 101, role="clerk"))
    assert refused.value.code == "too_long" and refused.value.details["field"] == "user_account.name"


def test_a_changed_text_of_a_loaded_row_is_judged(engine):
    with engine.db.write() as session:
        session.add(User(name="zhang", role="clerk"))
    with pytest.raises(InvalidInput) as refused, engine.db.write() as session:
        session.scalars(sa.select(User).where(User.name == "zhang")).one().position = "科" * 101
    assert refused.value.details == {"field": "user_account.position", "max_length": 100}
    with pytest.raises(InvalidInput), engine.db.write() as session:
        session.scalars(sa.select(User).where(User.name == "zhang")).one().phone = "\ud800"


@pytest.mark.skipif(BACKEND != "sqlite", reason="PostgreSQL never stores an over-long value")
def test_a_loaded_rows_unchanged_texts_are_not_judged(engine):
    with engine.db.write() as session:  # stored behind the application's back (SQLite keeps it)
        session.execute(sa.insert(User).values(name="li", role="clerk", display_name="李" * 300))
    with engine.db.write() as session:
        session.scalars(sa.select(User).where(User.name == "li")).one().phone = "12345"
    with engine.db.read() as session:
        assert session.scalars(sa.select(User).where(User.name == "li")).one().phone == "12345"
