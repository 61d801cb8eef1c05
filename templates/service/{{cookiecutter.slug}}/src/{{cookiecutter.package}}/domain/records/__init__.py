"""The sample area the template generates: records that admins write and anyone reads."""

from {{ cookiecutter.package }}.domain.records.controllers import RecordController
from {{ cookiecutter.package }}.domain.records.services import RecordService

__all__ = ["RecordController", "RecordService"]
