"""Organisation commands: one class per write an administrator (or a person) makes."""
from .change_password import ChangePassword
from .create_department import CreateDepartment
from .create_group import CreateGroup
from .create_person import CreatePerson
from .end_sessions import EndSessions
from .import_people import ImportPeople
from .reset_password import ResetPassword
from .update_department import UpdateDepartment
from .update_group import UpdateGroup
from .update_person import UpdatePerson

__all__ = ["ChangePassword", "CreateDepartment", "CreateGroup", "CreatePerson", "EndSessions", "ImportPeople",
           "ResetPassword", "UpdateDepartment", "UpdateGroup", "UpdatePerson"]
