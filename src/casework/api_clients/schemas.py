from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from casework.infra.strict import StrictModel
from casework.models import ApiClient
from casework.users.schemas import UserRef


class ApiClientCreate(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    acting_user_id: str = Field(
        min_length=1, max_length=64, description="The active user whose permissions it uses."
    )


class ApiClientOut(BaseModel):
    id: str
    name: str
    client_id: str
    acting_user: UserRef
    revoked_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, client: ApiClient) -> ApiClientOut:
        return cls(
            id=client.id,
            name=client.name,
            client_id=client.client_id,
            acting_user=UserRef.model_validate(client.acting_user, from_attributes=True),
            revoked_at=client.revoked_at,
            created_at=client.created_at,
        )


class ApiClientCreated(BaseModel):
    """The only response that carries the client secret and the API key."""

    id: str
    name: str
    client_id: str
    client_secret: str
    api_key: str
    acting_user: UserRef
    created_at: datetime

    @classmethod
    def of(cls, client: ApiClient, *, client_secret: str, api_key: str) -> ApiClientCreated:
        return cls(
            id=client.id,
            name=client.name,
            client_id=client.client_id,
            client_secret=client_secret,
            api_key=api_key,
            acting_user=UserRef.model_validate(client.acting_user, from_attributes=True),
            created_at=client.created_at,
        )
