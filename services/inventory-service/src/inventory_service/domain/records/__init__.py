"""The sample area the template generates: records that admins write and anyone reads."""

from inventory_service.domain.records.controllers import RecordController
from inventory_service.domain.records.services import RecordService

__all__ = ["RecordController", "RecordService"]
