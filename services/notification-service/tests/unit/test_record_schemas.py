"""What a caller may send for a record, decided before any I/O."""

import msgspec
import pytest

from notification_service.domain.records.schemas import RecordCreate, RecordUpdate

pytestmark = pytest.mark.unit


def test_a_record_needs_a_name() -> None:
    with pytest.raises(msgspec.ValidationError, match="name"):
        msgspec.json.decode(b'{"name": ""}', type=RecordCreate)


def test_unknown_fields_are_refused_rather_than_silently_dropped() -> None:
    with pytest.raises(msgspec.ValidationError, match="colour"):
        msgspec.json.decode(b'{"name": "a", "colour": "red"}', type=RecordCreate)


def test_an_update_carries_only_what_was_sent() -> None:
    update = msgspec.json.decode(b'{"description": "new"}', type=RecordUpdate)
    assert update.name is msgspec.UNSET
    assert update.description == "new"
