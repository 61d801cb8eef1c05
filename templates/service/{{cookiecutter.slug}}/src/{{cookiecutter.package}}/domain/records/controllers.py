"""HTTP for records: anyone reads, admins write."""

from __future__ import annotations

from uuid import UUID

from advanced_alchemy.filters import LimitOffset
from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from shopkit.auth import requires_admin
from shopkit.db import Page
from shopkit.openapi_problems import problem_responses

from {{ cookiecutter.package }}.domain.records.schemas import Record, RecordCreate, RecordUpdate
from {{ cookiecutter.package }}.domain.records.services import RecordService


class RecordController(Controller):
    path = "{{ cookiecutter.route_prefix }}"
    tags = ["records"]

    @get("/", operation_id="listRecords", security=[{}])
    async def list_records(
        self, records: NamedDependency[RecordService], page: NamedDependency[LimitOffset]
    ) -> Page[Record]:
        items, total = await records.get_many_and_count(page)
        return Page(
            items=records.to_schema(items, schema_type=Record).items,
            total=total,
            limit=page.limit,
            offset=page.offset,
        )

    @get("/{record_id:uuid}", operation_id="getRecord", security=[{}])
    async def get_record(
        self, records: NamedDependency[RecordService], record_id: FromPath[UUID]
    ) -> Record:
        return records.to_schema(await records.get(record_id), schema_type=Record)

    @post(
        "/",
        operation_id="createRecord",
        guards=[requires_admin],
        responses=problem_responses(409, description="A record with this name exists"),
    )
    async def create_record(
        self, records: NamedDependency[RecordService], data: JSONBody[RecordCreate]
    ) -> Record:
        return records.to_schema(await records.create_record(data), schema_type=Record)

    @patch(
        "/{record_id:uuid}",
        operation_id="updateRecord",
        guards=[requires_admin],
        responses=problem_responses(409, description="A record with this name exists"),
    )
    async def update_record(
        self,
        records: NamedDependency[RecordService],
        record_id: FromPath[UUID],
        data: JSONBody[RecordUpdate],
    ) -> Record:
        return records.to_schema(await records.update_record(record_id, data), schema_type=Record)

    @delete("/{record_id:uuid}", operation_id="deleteRecord", guards=[requires_admin])
    async def delete_record(
        self, records: NamedDependency[RecordService], record_id: FromPath[UUID]
    ) -> None:
        await records.delete_record(record_id)
