"""The category tree in memory: paths from the root and descendants, from one flat read.

Categories are few (tens, maybe hundreds), so the whole tree is read at once and walked in
Python rather than with recursive SQL on every request.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from product_service.db import models


class CategoryTree:
    def __init__(self, categories: Iterable[models.Category]) -> None:
        self.nodes: dict[UUID, models.Category] = {c.id: c for c in categories}
        self.by_slug: dict[str, models.Category] = {c.slug: c for c in self.nodes.values()}
        self._children: dict[UUID | None, list[models.Category]] = {}
        for category in sorted(self.nodes.values(), key=lambda c: (c.name.lower(), c.slug)):
            self._children.setdefault(category.parent_id, []).append(category)

    def ancestors(self, category_id: UUID) -> list[models.Category]:
        """From the root down to the category itself."""
        chain: list[models.Category] = []
        current: UUID | None = category_id
        while current is not None and current in self.nodes and len(chain) <= len(self.nodes):
            chain.append(self.nodes[current])
            current = self.nodes[current].parent_id
        return list(reversed(chain))

    def path(self, category_id: UUID) -> list[str]:
        return [category.slug for category in self.ancestors(category_id)]

    def descendants(self, category_id: UUID) -> set[UUID]:
        """The category and everything below it."""
        found = {category_id}
        stack = [category_id]
        while stack:
            for child in self._children.get(stack.pop(), []):
                if child.id not in found:
                    found.add(child.id)
                    stack.append(child.id)
        return found

    def ordered(self) -> list[models.Category]:
        """Depth first, parents before their children, siblings by name."""
        result: list[models.Category] = []
        stack = list(reversed(self._children.get(None, [])))
        while stack:
            category = stack.pop()
            result.append(category)
            stack.extend(reversed(self._children.get(category.id, [])))
        return result
