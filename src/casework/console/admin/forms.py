"""What the administration pages share: who may use them, and how much a page lists."""

from __future__ import annotations

from typing import Annotated

from casework.auth.permissions import Permission
from casework.console.web import Viewer, allowed

PAGE_SIZE = 50
# Enough for the pick lists (roles, acting users, configs) of any real tenant.
CHOICES_LIMIT = 200

AdminViewer = Annotated[Viewer, allowed(Permission.admin)]
ConfigReaderViewer = Annotated[Viewer, allowed(Permission.config_read)]
ConfigManagerViewer = Annotated[Viewer, allowed(Permission.config_manage)]
