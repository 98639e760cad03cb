"""YAML that remembers where things are, so every problem can name its file and line.

A course package is an upload from anyone who may write a course: its YAML may have no alias (`*name`:
a few lines of aliases to aliases stand for billions of values, the "billion laughs") and no nesting
deeper than MAX_DEPTH levels (PyYAML composes nested values recursively). Its time is then linear in
the length of the file, whose size the reader bounds.
"""
from __future__ import annotations

import yaml

MAX_DEPTH = 20


class LineDict(dict):
    """A mapping from a YAML file; `line` is where it starts, `lines[key]` where each key is."""

    line: int = 0
    lines: dict

    def line_of(self, key) -> int:
        return self.lines.get(key, self.line)


class LineList(list):
    """A sequence from a YAML file; `line` is where it starts, `lines[i]` where each item is."""

    line: int = 0
    lines: list

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


class _Loader(yaml.SafeLoader):
    """SafeLoader (no arbitrary objects) that builds LineDict and LineList, and refuses aliases and
    nesting deeper than MAX_DEPTH."""

    depth = 0

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML's
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, f"aliases (*{event.anchor}) are not allowed in a course "
                                              "package: write the value out", event.start_mark)
        if self.depth >= MAX_DEPTH:
            raise yaml.composer.ComposerError(None, None, f"nesting deeper than {MAX_DEPTH} levels",
                                              event.start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            key = str(key)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class YamlError(ValueError):
    """A file that is not valid YAML; `line` is where the parser stopped."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


def load(text: str, first_line: int = 1):
    """Parse YAML text into LineDict/LineList values; `first_line` offsets the line numbers."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else None
        raise YamlError(f"not valid YAML: {exc.problem or exc}", line) from exc
    except yaml.YAMLError as exc:
        raise YamlError(f"not valid YAML: {exc}", None) from exc
    if first_line != 1:
        _shift(data, first_line - 1)
    return data


def _shift(value, offset: int) -> None:
    if isinstance(value, LineDict):
        value.line += offset
        value.lines = {k: v + offset for k, v in value.lines.items()}
        for item in value.values():
            _shift(item, offset)
    elif isinstance(value, LineList):
        value.line += offset
        value.lines = [v + offset for v in value.lines]
        for item in value:
            _shift(item, offset)


def dump(data) -> str:
    """Canonical YAML for export: keys in the given order, block style, Unicode kept, and never an alias
    (which the package check refuses), even for a value that appears twice."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)


class _Dumper(yaml.SafeDumper):
    """Writes multi-line strings as block scalars, so exported Markdown stays readable."""

    def ignore_aliases(self, data) -> bool:  # noqa: D102 - PyYAML's
        return True


def _str_representer(dumper: yaml.SafeDumper, value: str):
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str_representer)
_Dumper.add_representer(LineDict, _Dumper.represent_dict)
_Dumper.add_representer(LineList, _Dumper.represent_list)
