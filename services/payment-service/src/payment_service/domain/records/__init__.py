"""The sample area the template generates: records that admins write and anyone reads."""

from payment_service.domain.records.controllers import RecordController
from payment_service.domain.records.services import RecordService

__all__ = ["RecordController", "RecordService"]
