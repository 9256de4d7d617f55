from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, SecretStr

from casework.auth.permissions import Permission
from casework.infra.lookalikes import normalise_email
from casework.infra.schemas import not_null
from casework.infra.strict import StrictModel
from casework.infra.validation import slug
from casework.models import Role, User

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PASSWORD_MIN = 12
PASSWORD_MAX = 200


class UserRef(BaseModel):
    id: str
    first_name: str
    last_name: str
    email: str

    @classmethod
    def of(cls, user: User | None) -> UserRef | None:
        if user is None:
            return None
        return cls(
            id=user.id, first_name=user.first_name, last_name=user.last_name, email=user.email
        )


def email_address(value: str) -> str:
    """The address in its one stored form (see casework.infra.lookalikes), if it is one."""
    value = normalise_email(value)
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("must be an email address such as name@example.com")
    return value


def password_text(value: str) -> str:
    if not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        raise ValueError(f"must be {PASSWORD_MIN} to {PASSWORD_MAX} characters")
    if not value.strip():
        raise ValueError("must not be only whitespace")
    return value


def _password(value: Any) -> Any:
    # Wrapped before str_strip_whitespace can reach it: a password is kept exactly as typed.
    return SecretStr(password_text(value)) if isinstance(value, str) else value


Email = Annotated[str, Field(min_length=3, max_length=254), AfterValidator(email_address)]
Password = Annotated[
    SecretStr,
    BeforeValidator(_password),
    Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX),
]
PersonName = Annotated[str, Field(min_length=1, max_length=100)]
Slug = Annotated[str, Field(min_length=1, max_length=63), AfterValidator(slug)]
RoleName = Annotated[str, Field(min_length=1, max_length=200)]
PermissionName = Annotated[
    str,
    Field(min_length=1, max_length=60, json_schema_extra={"enum": [p.value for p in Permission]}),
]


class UserCreate(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: Email
    first_name: PersonName
    last_name: PersonName
    role: str = Field(min_length=1, max_length=63, description="The slug of a role")
    password: Password | None = None


class UserUpdate(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    first_name: PersonName | None = Field(default=None, json_schema_extra=not_null)
    last_name: PersonName | None = Field(default=None, json_schema_extra=not_null)
    role: str | None = Field(default=None, min_length=1, max_length=63, json_schema_extra=not_null)
    is_active: bool | None = Field(default=None, json_schema_extra=not_null)
    password: Password | None = Field(default=None, json_schema_extra=not_null)


class UserOut(BaseModel):
    id: str
    email: str
    first_name: str
    last_name: str
    role: str
    permissions: list[str]
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            role=user.role.slug,
            permissions=sorted(user.role.permissions),
            is_active=user.is_active,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


class AssigneeOut(BaseModel):
    """A colleague a case can be assigned to: ``id`` is what ``assignee_id`` takes."""

    id: str
    name: str
    email: str
    role: str = Field(description="The slug of the user's role")

    @classmethod
    def of(cls, user: User) -> AssigneeOut:
        return cls(id=user.id, name=user.full_name, email=user.email, role=user.role.slug)


class RoleCreate(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    slug: Slug
    name: RoleName
    permissions: list[PermissionName] = Field(max_length=50)


class RoleUpdate(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: RoleName | None = Field(default=None, json_schema_extra=not_null)
    permissions: list[PermissionName] | None = Field(
        default=None, max_length=50, json_schema_extra=not_null
    )


class RoleOut(BaseModel):
    id: str
    slug: str
    name: str
    permissions: list[str]
    is_builtin: bool

    @classmethod
    def of(cls, role: Role) -> RoleOut:
        return cls(
            id=role.id,
            slug=role.slug,
            name=role.name,
            permissions=sorted(role.permissions),
            is_builtin=role.is_builtin,
        )
