"""The category tree: paths from the root and descendants for the list filter."""

import uuid

import pytest

from product_service.db import models
from product_service.domain.catalog._tree import CategoryTree

pytestmark = pytest.mark.unit


def node(slug: str, parent: models.Category | None = None) -> models.Category:
    return models.Category(
        id=uuid.uuid4(), slug=slug, name=slug.title(), parent_id=parent.id if parent else None
    )


def test_paths_descendants_and_order() -> None:
    audio = node("audio")
    headphones = node("headphones", audio)
    earbuds = node("earbuds", headphones)
    home = node("home")
    tree = CategoryTree([earbuds, home, headphones, audio])

    assert tree.path(earbuds.id) == ["audio", "headphones", "earbuds"]
    assert tree.descendants(audio.id) == {audio.id, headphones.id, earbuds.id}
    assert tree.descendants(home.id) == {home.id}
    assert [c.slug for c in tree.ordered()] == ["audio", "headphones", "earbuds", "home"]
