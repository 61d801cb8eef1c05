"""YAML out of Python data, in the layout the hand-written files around it use.

PyYAML does the quoting and nesting. Three additions: `Alias("name")` writes `*name`, an
alias of an anchor the hand-written part of the file defines; `MERGE` as a key writes `<<`
(a merge key); `Flow([...])` writes a one-line `["a", "b"]` list of strings. Block lists are
indented under their key and quoted scalars use double quotes, as the hand-written files have
them.
"""

from __future__ import annotations

from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML has no stubs in the dev venv

__all__ = ["MERGE", "Alias", "Flow", "dump"]


class Alias(str):
    """An alias (`*name`) of an anchor defined outside the generated text."""


class _Merge(str):
    """The merge key `<<`."""


class Flow(list[Any]):
    """A list written on one line."""


MERGE = _Merge("<<")


class _AliasNode(yaml.Node):  # type: ignore[misc]
    id = "alias"


class _Dumper(yaml.SafeDumper):  # type: ignore[misc]
    def ignore_aliases(self, data: Any) -> bool:
        """Data used twice is written twice: the only aliases are `Alias` ones."""
        return True

    def choose_scalar_style(self) -> str:
        """Double quotes where quotes are needed, as the hand-written files have them."""
        style: str = super().choose_scalar_style()
        return '"' if style == "'" else style

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)

    def serialize_node(self, node: Any, parent: Any, index: Any) -> None:
        if isinstance(node, _AliasNode):
            self.emit(yaml.AliasEvent(node.value))
            return
        super().serialize_node(node, parent, index)


def _alias(dumper: _Dumper, data: Alias) -> Any:
    return _AliasNode("", str(data), None, None)


def _merge(dumper: _Dumper, data: _Merge) -> Any:
    return yaml.ScalarNode("tag:yaml.org,2002:merge", "<<")


def _flow(dumper: _Dumper, data: Flow) -> Any:
    """`["a", "b"]`: a list of strings, each quoted (as commands and ports are written)."""
    items = [yaml.ScalarNode("tag:yaml.org,2002:str", str(item), style='"') for item in data]
    return yaml.SequenceNode("tag:yaml.org,2002:seq", items, flow_style=True)


_Dumper.add_representer(Alias, _alias)
_Dumper.add_representer(_Merge, _merge)
_Dumper.add_representer(Flow, _flow)


def dump(data: Any, indent: int = 0) -> str:
    """`data` as block YAML, every line indented by `indent` spaces."""
    text: str = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=1_000
    )
    return "".join(" " * indent + line if line.strip() else line for line in text.splitlines(True))
