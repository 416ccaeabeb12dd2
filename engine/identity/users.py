"""Identity service: users, their role and groups, passwords and API tokens.

Tokens are random, shown once, and stored only as their SHA-256; they expire
and can be revoked.
"""
import functools
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from . import credentials
from .actor import Actor
from .organisation import NAME_RE, ROLES, ensure_groups
from engine.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from engine.models import ApiToken, User, UserGroup, WebSession, utcnow

TOKEN_PREFIX = "tb_"
DEFAULT_TOKEN_DAYS = 90


@functools.lru_cache(maxsize=1)
def _dummy_hash():
    """A hash made like every stored one, checked when the name is unknown."""
    return generate_password_hash(secrets.token_urlsafe(16))


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def actor_of(user):
    return Actor(user.name, user.role, frozenset(user.group_names),
                 department=user.department.code if user.department else None,
                 password_change_required=user.password_change_required,
                 id_number=user.id_number if user.role == "applicant" else None)


class UserService:
    def __init__(self, engine):
        self.engine = engine
        self._tokens = credentials.CredentialCache()    # see engine.identity.credentials
        self._sessions = credentials.CredentialCache()

    def add(self, name, role, groups=(), password=None, display_name=None, password_change_required=False):
        """A person, as the CLI and tests make them: unknown groups become plain teams.
        (Administrators use ``engine.organisation``, which checks everything.)"""
        if not NAME_RE.match(name or ""):
            raise InvalidInput("用户名只能包含字母、数字、下划线、点、连字符", details={"name": name})
        if role not in ROLES:
            raise InvalidInput(f"角色必须是 {', '.join(ROLES)} 之一", details={"role": role})
        with self.engine.db.write() as session:
            if session.scalar(sa.select(User).where(User.name == name)):
                raise Conflict("用户已存在", details={"name": name})
            user = User(name=name, role=role, display_name=display_name or name,
                        password_hash=generate_password_hash(password) if password else None,
                        password_change_required=password_change_required)
            ensure_groups(session, list(dict.fromkeys(groups)))
            user.groups = [UserGroup(group_name=g) for g in dict.fromkeys(groups)]
            session.add(user)
            session.flush()
            return user

    def set_groups(self, name, groups):
        with self.engine.db.write() as session:
            user = self._get(session, name)
            ensure_groups(session, list(dict.fromkeys(groups)))
            user.groups = [UserGroup(group_name=g) for g in dict.fromkeys(groups)]
            return user

    def set_password(self, name, password):
        with self.engine.db.write() as session:
            self._get(session, name).password_hash = generate_password_hash(password)

    def get(self, name):
        with self.engine.db.read() as session:
            return self._get(session, name)

    def list(self):
        with self.engine.db.read() as session:
            return session.scalars(sa.select(User).order_by(User.name)).all()

    @staticmethod
    def _get(session, name):
        user = session.scalar(sa.select(User).where(User.name == name))
        if user is None:
            raise NotFound("用户不存在", details={"name": name})
        return user

    def authenticate(self, name, password):
        with self.engine.db.read() as session:
            user = session.scalar(sa.select(User).where(User.name == name))
            # An unknown name costs one hash too: the answer's timing does not tell who exists.
            known = user is not None and user.active and user.password_hash
            if not check_password_hash(user.password_hash if known else _dummy_hash(), password or "") or not known:
                raise Unauthenticated("用户名或密码错误")
            return actor_of(user)

    def issue_token(self, name, days=DEFAULT_TOKEN_DAYS):
        """A new bearer token for ``name``; returns the token text (shown once)."""
        return self.create_token(name, days)[0]

    def create_token(self, name, days=DEFAULT_TOKEN_DAYS):
        """Returns (token text, its row); only the row is kept."""
        if days is not None and not 0 <= days <= 3650:
            raise InvalidInput("有效天数应在 0–3650 之间（0 表示不过期）", details={"days": days})
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.engine.db.write() as session:
            user = self._get(session, name)
            row = ApiToken(user_id=user.id, token_hash=hash_token(token),
                           expires_at=utcnow() + timedelta(days=days) if days else None)
            session.add(row)
            session.flush()
            return token, row

    def tokens(self, name=None):
        """Token rows (never the tokens) of one user, or of everyone."""
        with self.engine.db.read() as session:
            q = sa.select(ApiToken).order_by(ApiToken.id)
            if name is not None:
                q = q.where(ApiToken.user_id == self._get(session, name).id)
            return session.scalars(q).all()

    def revoke_token_id(self, token_id, name=None):
        """Revoke a token by its id; with ``name``, only if it is that user's."""
        with self.engine.db.write() as session:
            row = session.get(ApiToken, token_id)
            if row is None or (name is not None and row.user.name != name):
                raise NotFound("令牌不存在", details={"token_id": token_id})
            if row.revoked_at is None:
                row.revoked_at = utcnow()
            return row

    def verify_token(self, token):
        if not token or not token.startswith(TOKEN_PREFIX):
            raise Unauthenticated("令牌无效")
        now = utcnow()
        key = hash_token(token)
        with self.engine.db.read() as session:
            generation = credentials.current(session)  # read first: a change after it bumps it
            actor = self._tokens.get(key, generation, now)
            if actor is not None:
                return actor
            row = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == key))
            if row is None or row.revoked_at or (row.expires_at and row.expires_at < now) or not row.user.active:
                raise Unauthenticated("令牌无效或已过期")
            actor = actor_of(row.user)
            self._tokens.put(key, actor, generation, row.expires_at)
            return actor

    # ---- browser sessions: revocable on the server, unlike a bare signed cookie ----

    def open_session(self, name, hours=8):
        """A new session id for ``name`` (goes into the signed cookie)."""
        sid = secrets.token_urlsafe(32)
        with self.engine.db.write() as session:
            user = self._get(session, name)
            session.add(WebSession(id_hash=hash_token(sid), user_id=user.id,
                                   expires_at=utcnow() + timedelta(hours=hours)))
        return sid

    def session_actor(self, sid):
        now, key = utcnow(), hash_token(sid or "")
        with self.engine.db.read() as session:
            generation = credentials.current(session)
            actor = self._sessions.get(key, generation, now)
            if actor is not None:
                return actor
            row = session.get(WebSession, key)
            if row is None or row.revoked_at or row.expires_at < now or not row.user.active:
                raise Unauthenticated("登录已失效，请重新登录")
            actor = actor_of(row.user)
            self._sessions.put(key, actor, generation, row.expires_at)
            return actor

    def close_session(self, sid):
        with self.engine.db.write() as session:
            row = session.get(WebSession, hash_token(sid or ""))
            if row is not None and row.revoked_at is None:
                row.revoked_at = utcnow()

    def revoke_token(self, token):
        with self.engine.db.write() as session:
            row = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
            if row is None:
                raise NotFound("令牌不存在")
            row.revoked_at = utcnow()
