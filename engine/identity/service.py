"""Organisation service: departments, groups and people as administrators manage
them (see ``organisation`` for the rules). Every write is one command
(``engine/identity/commands``); reads are the queries below."""
import sqlalchemy as sa

from engine.errors import NotFound
from engine.models import Department, OrgGroup, User, UserGroup, WebSession

from . import credentials
from .commands import (ChangePassword, CreateDepartment, CreateGroup, CreatePerson, EndSessions, ImportPeople,
                       ResetPassword, UpdateDepartment, UpdateGroup, UpdatePerson)
from .organisation import subtree_ids


# Prebuilt: every response that shows people asks it (a Core select, no ORM rows).
NAMES = (sa.select(User.name, User.display_name, Department.name)
         .outerjoin(Department, Department.id == User.department_id)
         .where(User.name.in_(sa.bindparam("logins", expanding=True))))


class OrganisationService:
    def __init__(self, engine):
        self.engine = engine
        self._names = credentials.CredentialCache()  # logins -> names, under the credentials counter

    # ---- writes: one command each ------------------------------------------

    def create_department(self, code, name, parent=None, actor=None):
        return self.engine.execute(CreateDepartment(code, name, parent, actor))

    def update_department(self, code, changes, actor=None):
        return self.engine.execute(UpdateDepartment(code, changes, actor))

    def create_group(self, name, display_name="", kind="team", department=None, actor=None):
        return self.engine.execute(CreateGroup(name, display_name, kind, department, actor))

    def update_group(self, name, changes, actor=None):
        return self.engine.execute(UpdateGroup(name, changes, actor))

    def create_person(self, fields, actor=None):
        """Returns (user, password shown once or None when the caller chose it)."""
        return self.engine.execute(CreatePerson(fields, actor))

    def update_person(self, name, changes, actor=None):
        """Edit, move, change groups, disable (claimed tasks return to their group) or enable."""
        return self.engine.execute(UpdatePerson(name, changes, actor))

    def reset_password(self, name, actor=None):
        """A new generated password (shown once), to be changed at the next login."""
        return self.engine.execute(ResetPassword(name, actor))

    def change_password(self, name, old, new):
        return self.engine.execute(ChangePassword(name, old, new))

    def end_sessions(self, name, actor=None):
        """Log out everywhere: every browser session of ``name`` ends now."""
        return self.engine.execute(EndSessions(name, actor))

    def import_people(self, text, dry_run=True, actor=None):
        """CSV import; a dry run (or any bad line) writes nothing and reports every problem line."""
        command = ImportPeople(text, actor)
        if dry_run:
            command.prepare(self.engine)
            return command.report(dry_run=True)
        return self.engine.execute(command)

    # ---- reads ----------------------------------------------------------------

    def departments(self):
        with self.engine.db.read() as session:
            return session.scalars(sa.select(Department).order_by(Department.code)).all()

    def department(self, code):
        with self.engine.db.read() as session:
            dept = session.scalar(sa.select(Department).where(Department.code == code))
            if dept is None:
                raise NotFound("部门不存在", details={"code": code})
            return dept

    def groups(self):
        """Every group with its number of active members."""
        with self.engine.db.read() as session:
            counts = dict(session.execute(
                sa.select(UserGroup.group_name, sa.func.count()).join(User, User.id == UserGroup.user_id)
                .where(User.active.is_(True)).group_by(UserGroup.group_name)).all())
            rows = session.scalars(sa.select(OrgGroup).order_by(OrgGroup.name)).all()
            for row in rows:
                row.member_count = counts.get(row.name, 0)
            return rows

    def group(self, name):
        with self.engine.db.read() as session:
            row = session.get(OrgGroup, name)
            if row is None:
                raise NotFound("办理组不存在", details={"name": name})
            return row

    def members(self, group_names, active=True):
        """People in any of ``group_names`` (the 转办/委派 picker), by name."""
        with self.engine.db.read() as session:
            q = (sa.select(User).join(UserGroup, UserGroup.user_id == User.id)
                 .where(UserGroup.group_name.in_(list(group_names))).distinct().order_by(User.name))
            if active:
                q = q.where(User.active.is_(True))
            return session.scalars(q).all()

    def people(self, search=None, department=None, group=None, role=None, active=None, limit=50, offset=0):
        """(people, total) matching the filters; ``department`` includes its subtree."""
        q = sa.select(User)
        if search:
            like = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            q = q.where(sa.or_(User.name.ilike(like, escape="\\"), User.display_name.ilike(like, escape="\\"),
                               User.phone.ilike(like, escape="\\"), User.position.ilike(like, escape="\\")))
        if department:
            q = q.where(User.department_id.in_(subtree_ids(department)))
        if group:
            q = q.where(User.id.in_(sa.select(UserGroup.user_id).where(UserGroup.group_name == group)))
        if role:
            q = q.where(User.role == role)
        if active is not None:
            q = q.where(User.active.is_(active))
        with self.engine.db.read() as session:
            total = session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
            rows = session.scalars(q.order_by(User.name).limit(limit).offset(offset)).all()
            return rows, total

    def person(self, name):
        with self.engine.db.read() as session:
            user = session.scalar(sa.select(User).where(User.name == name))
            if user is None:
                raise NotFound("用户不存在", details={"name": name})
            return user

    def names(self, logins):
        """login -> {"name": real name, "department": department name} in one query.

        Names are looked up when shown, never copied into trail events or tasks:
        the trail keeps the login, which never changes."""
        logins = frozenset(n for n in logins if n)
        if not logins:
            return {}
        with self.engine.db.read() as session:
            # Cached only where the counter is known without a statement of its own: a response read
            # in one session with its auth (``Database.reading``); elsewhere the one query is as cheap.
            generation = credentials.known(session)
            hit = None if generation is None else self._names.get(logins, generation, None)
            if hit is not None:
                return dict(hit)
            rows = session.execute(NAMES, {"logins": sorted(logins)}).all()
        found = {login: {"name": display or login, "department": dept} for login, display, dept in rows}
        # A login nobody has yet may become a person later, and a new person bumps no counter.
        if generation is not None and len(found) == len(logins):
            self._names.put(logins, found, generation, None)
        return dict(found)

    def sessions(self, name):
        """Browser sessions of ``name``, newest first (open, ended and expired)."""
        with self.engine.db.read() as session:
            user = self._user(session, name)
            return session.scalars(sa.select(WebSession).where(WebSession.user_id == user.id)
                                   .order_by(WebSession.created_at.desc()).limit(100)).all()

    def unstaffed(self, lanes):
        """The lanes among ``lanes`` whose group has no active member."""
        lanes = [lane for lane in dict.fromkeys(lanes) if lane]
        if not lanes:
            return []
        with self.engine.db.read() as session:
            staffed = set(session.scalars(
                sa.select(UserGroup.group_name).join(User, User.id == UserGroup.user_id)
                .where(UserGroup.group_name.in_(lanes), User.active.is_(True))))
        return [lane for lane in lanes if lane not in staffed]

    def staffing(self):
        """For each deployed process (latest version): its lanes, their groups and who is in them."""
        repository = self.engine.repository
        processes = [(d.key, d.name, repository.lanes(d.key)) for d in repository.list("bpmn")]
        wanted = sorted({lane for _, _, lanes in processes for lane in lanes})
        with self.engine.db.read() as session:
            groups = {g.name: g for g in session.scalars(sa.select(OrgGroup).where(OrgGroup.name.in_(wanted)))}
        people = {}
        for user in self.members(wanted):
            for g in user.group_names:
                people.setdefault(g, []).append(user)
        out = []
        for key, name, lanes in processes:
            out.append({"key": key, "name": name, "lanes": [
                {"lane": lane, "group": groups.get(lane), "members": people.get(lane, [])} for lane in lanes]})
        return out

    @staticmethod
    def _user(session, name):
        user = session.scalar(sa.select(User).where(User.name == name))
        if user is None:
            raise NotFound("用户不存在", details={"name": name})
        return user


