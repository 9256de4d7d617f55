from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from casework.models import Document, User
from casework.users.schemas import UserRef


class DocumentOut(BaseModel):
    id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    customer_id: str | None
    created_at: datetime
    delete_after: datetime | None = Field(description="When the document is deleted; null: kept")
    uploaded_by: UserRef | None

    @classmethod
    def of(cls, document: Document, uploaded_by: User | None) -> DocumentOut:
        return cls(
            id=document.id,
            filename=document.filename,
            content_type=document.content_type,
            size=document.size,
            sha256=document.sha256,
            customer_id=document.customer_id,
            created_at=document.created_at,
            delete_after=document.delete_after,
            uploaded_by=UserRef.of(uploaded_by),
        )
