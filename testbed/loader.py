"""YAML in, validated pydantic model out, with line numbers in every error.

Scenario files are written by hand, so everything that can go wrong with one (a missing file, a
tab in the wrong place, a misspelt key, a value in the wrong unit) ends up as an ``InputError``
that names the file, the line, the field, what is wrong and what is allowed.
"""

from __future__ import annotations

import difflib
import os
import re
import types
from collections.abc import Hashable, Mapping, Sequence
from typing import Annotated, Any, Literal, TypeAlias, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, Tag, ValidationError
from pydantic_core import ErrorDetails

from testbed.errors import InputError, Problem, shorten

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "LineMap",
    "load_document",
    "load_model",
    "validate_document",
]

MAX_FILE_BYTES = 5_000_000
"""Largest file we read: far above any real scenario, far below what would exhaust memory."""
MAX_DEPTH = 50
"""Deepest nesting of lists and mappings we accept; real scenarios stay under ten."""

LineMap: TypeAlias = dict[tuple[Hashable, ...], int]
"""Path of keys and list indices, e.g. ``("shop", "machines", 2)``, to its 1-based line.

For a mapping entry the line is that of its key; ``()`` is the line where the document starts.
"""

M = TypeVar("M", bound=BaseModel)

_EXPECTED = "expected a mapping of keys to values, one 'key: value' per line"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Refused(Exception):
    """A document we will not read, found while parsing; becomes an InputError."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message, line)
        self.message = message
        self.line = line


def _line_of(mark: Any) -> int:
    # PyYAML counts lines from 0; editors and people count from 1.
    return int(mark.line) + 1


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses anchors, aliases, merge keys, duplicate keys and deep nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        # Aliases are how "billion laughs" documents blow up; refusing the first anchor stops
        # one before any expansion happens.
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(
                "aliases and anchors (&name, *name) are not supported in testbed documents; "
                "write the values out",
                _line_of(event.start_mark),
            )
        if not isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(
                f"the document is nested more than {MAX_DEPTH} levels deep; testbed documents "
                f"may nest lists and mappings at most {MAX_DEPTH} levels deep",
                _line_of(event.start_mark),
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as error:
            # Plain-looking scalars such as 2024-13-45 (read as a date) or a 5000-digit number
            # fail inside PyYAML with a bare ValueError and no position.
            raise _Refused(
                f"cannot read the value {shorten(repr(node.value))}: {error}; write it in quotes "
                "if it is meant as text",
                _line_of(node.start_mark),
            ) from None

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:
                    raise _Refused(
                        "merge keys (<<) are not supported in testbed documents; "
                        "write the values out",
                        _line_of(key_node.start_mark),
                    )
        mapping = super().construct_mapping(node, deep)
        if len(mapping) < len(node.value):
            _refuse_duplicate_key(self, node)
        return mapping


def _refuse_duplicate_key(loader: _Loader, node: Any) -> None:
    # PyYAML silently keeps the last of two equal keys; for a hand-written file that is almost
    # always a mistake, and a silent one.
    first_lines: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        line = _line_of(key_node.start_mark)
        if key in first_lines:
            raise _Refused(
                f"the key {shorten(repr(key))} appears twice in this mapping (first on line "
                f"{first_lines[key]}); each key may appear only once",
                line,
            )
        first_lines[key] = line


def _fail(file: str, message: str, line: int | None = None) -> InputError:
    return InputError(file, [Problem("", message, line)])


def _read(file: str) -> bytes:
    try:
        with open(file, "rb") as stream:
            # Read one byte past the limit rather than trusting stat(): pipes and special files
            # report no size.
            raw = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise _fail(file, "file not found; expected the path of an existing YAML file") from None
    except IsADirectoryError:
        raise _fail(file, "this is a directory; expected the path of a YAML file") from None
    except PermissionError:
        raise _fail(file, "permission denied; expected a YAML file you may read") from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise _fail(file, f"cannot be read ({reason}); expected a readable YAML file") from None
    if len(raw) > MAX_FILE_BYTES:
        raise _fail(
            file,
            f"the file is larger than {MAX_FILE_BYTES // 1_000_000} MB, the limit for testbed "
            "documents; split it into smaller files",
        )
    return raw


def _decode(file: str, raw: bytes) -> str:
    try:
        # utf-8-sig: editors on Windows often start UTF-8 files with a byte-order mark.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # error.object is what the decoder saw: the bytes after any byte-order mark.
        undecoded = bytes(error.object)
        line = undecoded[: error.start].count(b"\n") + 1
        raise _fail(
            file,
            f"the file is not UTF-8 text (byte 0x{undecoded[error.start]:02x} cannot be read); "
            "save it with UTF-8 encoding",
            line,
        ) from None


def _compose_and_construct(file: str, text: str) -> tuple[Any, Any]:
    try:
        # PyYAML checks the whole text for unprintable characters up front.
        loader = _Loader(text)
    except yaml.reader.ReaderError as error:
        raise _fail(
            file,
            f"the file contains the control character #x{error.character:04x}, which YAML does "
            "not allow; remove it (only printable characters, tabs and line breaks may appear)",
            text[: error.position].count("\n") + 1,
        ) from None
    try:
        if not loader.check_node():
            raise _fail(file, f"the file is empty; {_EXPECTED}")
        node = loader.get_node()
        if loader.check_node():
            raise _fail(
                file,
                "the file holds more than one YAML document (separated by '---'); "
                "expected exactly one document",
                _line_of(loader.peek_event().start_mark),
            )
        return node, loader.construct_document(node)
    except _Refused as refused:
        raise _fail(file, refused.message, refused.line) from None
    except yaml.constructor.ConstructorError as error:
        raise _fail(
            file,
            f"cannot read this value: {error.problem}; testbed documents use plain YAML values "
            "(text, numbers, true/false, lists and mappings) without tags such as !!python",
            _mark_line(error),
        ) from None
    except yaml.MarkedYAMLError as error:
        context = f" {error.context}" if error.context else ""
        raise _fail(
            file,
            f"this is not valid YAML ({error.problem}{context}); check the indentation, that "
            "each key is followed by ': ', and that every quote and bracket is closed",
            _mark_line(error),
        ) from None
    except yaml.YAMLError as error:
        raise _fail(file, f"this is not valid YAML ({error})") from None
    finally:
        loader.dispose()


def _mark_line(error: Any) -> int | None:
    return None if error.problem_mark is None else _line_of(error.problem_mark)


def _describe_kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a single text value"
    return "a single value"


def _line_map(root: Any, data: Any) -> LineMap:
    lines: LineMap = {(): _line_of(root.start_mark)}

    def visit(node: Any, value: Any, path: tuple[Hashable, ...]) -> None:
        if isinstance(node, yaml.MappingNode) and isinstance(value, dict):
            # Duplicate and merge keys are refused, so the dict's keys are exactly the node's
            # keys in the same order.
            for (key_node, value_node), key in zip(node.value, value, strict=False):
                lines[(*path, key)] = _line_of(key_node.start_mark)
                visit(value_node, value[key], (*path, key))
        elif isinstance(node, yaml.SequenceNode) and isinstance(value, list):
            for index, (item_node, item) in enumerate(zip(node.value, value, strict=False)):
                lines[(*path, index)] = _line_of(item_node.start_mark)
                visit(item_node, item, (*path, index))

    visit(root, data, ())
    return lines


def load_document(path: str | os.PathLike[str]) -> tuple[Any, LineMap]:
    """Read one YAML mapping from ``path`` safely, with the line of every key and list item.

    Raises ``InputError`` for anything that is not a readable, plain YAML mapping.
    """
    file = os.fspath(path)
    text = _decode(file, _read(file))
    root, data = _compose_and_construct(file, text)
    if data is None:
        raise _fail(file, f"the file is empty; {_EXPECTED}")
    if not isinstance(data, dict):
        raise _fail(
            file,
            f"the top level of the file is {_describe_kind(data)}; {_EXPECTED}",
            _line_of(root.start_mark),
        )
    return data, _line_map(root, data)


def load_model(model: type[M], path: str | os.PathLike[str]) -> M:
    """Load ``path`` and validate it as ``model``; every problem is an ``InputError``."""
    data, lines = load_document(path)
    return validate_document(model, data, path, lines)


# ---------------------------------------------------------------------------------------------
# Validation errors, rewritten for people


def validate_document(
    model: type[M],
    data: Any,
    file: str | os.PathLike[str] | None,
    lines: LineMap | None,
) -> M:
    """Validate ``data`` as ``model``, turning pydantic's errors into one ``InputError``."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = [_problem(model, data, lines, details) for details in error.errors()]
        # Stable sort: problems on the same line and field keep pydantic's order.
        unique = list(dict.fromkeys(problems))
        unique.sort(key=lambda p: (p.line is None, p.line or 0, p.field))
        raise InputError(file, unique) from None


_ABSENT = object()


def _child(value: Any, element: str | int) -> Any:
    if isinstance(value, dict):
        return value.get(element, _ABSENT)
    if isinstance(value, list) and isinstance(element, int) and 0 <= element < len(value):
        return value[element]
    return _ABSENT


def _locate(data: Any, loc: tuple[str | int, ...], keep_last: bool) -> tuple[list[Any], Any]:
    """The part of ``loc`` that names real keys in ``data``, and the value it leads to.

    Pydantic puts labels into ``loc`` that are not in the data: the tag of a discriminated
    union member (``'cnc-1990s'``) or the name of a plain union member (``'function-after[...]'``,
    ``'str'``). Walking the data tells them apart from real keys. The last element is kept
    when it is a required key that is missing from the data.
    """
    path: list[Any] = []
    value = data
    for position, element in enumerate(loc):
        child = _child(value, element)
        if child is not _ABSENT:
            path.append(element)
            value = child
        elif keep_last and position == len(loc) - 1:
            path.append(element)
    return path, value


_PLAIN_KEY = re.compile(r"[\w-]+")


def _render_path(path: list[Any]) -> str:
    text = ""
    for element in path:
        if isinstance(element, int) and not isinstance(element, bool):
            text += f"[{element}]"
        elif isinstance(element, str) and _PLAIN_KEY.fullmatch(element):
            text += f".{element}" if text else element
        else:
            text += f"[{shorten(repr(element))}]"
    return text


def _line(lines: LineMap | None, path: list[Any]) -> int | None:
    if lines is None:
        return None
    for end in range(len(path), -1, -1):
        line = lines.get(tuple(path[:end]))
        if line is not None:
            return line
    return None


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "an empty value"
    return shorten(repr(value))


def _discriminator(details: ErrorDetails) -> str | None:
    # Pydantic gives the discriminator quoted, e.g. "'kind'"; a callable one is not a key name.
    quoted = str(details.get("ctx", {}).get("discriminator", ""))
    name = quoted.strip("'")
    return name if name.isidentifier() else None


def _problem(
    model: type[BaseModel], data: Any, lines: LineMap | None, details: ErrorDetails
) -> Problem:
    kind, loc, message = details["type"], details["loc"], details["msg"]
    path, value = _locate(data, loc, keep_last=kind == "missing")
    discriminator = _discriminator(details)
    if kind == "missing":
        message = "required field is missing"
    elif kind == "extra_forbidden":
        message = _unknown_field(model, loc)
    elif kind == "union_tag_not_found" and discriminator is not None:
        path.append(discriminator)
        tags = _union_tags(_type_at(model, loc), discriminator)
        allowed = f"; allowed values: {', '.join(map(repr, tags))}" if tags else ""
        message = f"required field is missing{allowed}"
    elif kind == "union_tag_invalid" and discriminator is not None:
        if _child(value, discriminator) is not _ABSENT:
            path.append(discriminator)
        context = details.get("ctx", {})
        tag = shorten(repr(context.get("tag")))
        message = f"unknown value {tag}; allowed values: {context.get('expected_tags')}"
    elif kind == "value_error":
        # Our own validators (units, for one) already quote the bad value in their message.
        message = message.removeprefix("Value error, ")
    elif isinstance(details["input"], str | int | float | bool | None):
        message = f"{message} (got {_show(details['input'])})"
    return Problem(_render_path(path), message, _line(lines, path))


# ---------------------------------------------------------------------------------------------
# Walking the model's type annotations along an error's loc, to list what is allowed there


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated[...]`` and ``Optional[...]`` down to the type that matters."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        elif _is_union(annotation):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _union_tags(annotation: Any, discriminator: str | None) -> list[Any]:
    """Tag values that select members of a union: ``Tag(...)`` or the members' Literal fields."""
    if not _is_union(annotation):
        return []
    tags: list[Any] = []
    for member in get_args(annotation):
        tags.extend(_member_tags(member, discriminator))
    return tags


def _member_tags(member: Any, discriminator: str | None) -> list[Any]:
    tags: list[Any] = [
        meta.tag for meta in getattr(member, "__metadata__", ()) if isinstance(meta, Tag)
    ]
    model = _unwrap(member)
    if _is_model(model):
        for name, field in model.model_fields.items():
            named = discriminator is None or discriminator in (name, field.alias)
            if named and get_origin(field.annotation) is Literal:
                tags.extend(get_args(field.annotation))
    return tags


def _step(annotation: Any, element: str | int) -> Any:
    """The type one ``loc`` element further in, or None when it cannot be told."""
    if _is_model(annotation):
        for name, field in annotation.model_fields.items():
            if element in (name, field.alias, field.validation_alias):
                return field.annotation
        return None
    origin, args = get_origin(annotation), get_args(annotation)
    if _is_union(annotation):
        for member in args:
            label = getattr(_unwrap(member), "__name__", None)
            if element == label or element in _member_tags(member, None):
                return member
        return None
    if not isinstance(origin, type) or not args:
        return None
    if issubclass(origin, Mapping):
        return args[-1]
    if issubclass(origin, tuple) and isinstance(element, int):
        if args[-1] is Ellipsis:
            return args[0]
        return args[element] if element < len(args) else None
    if issubclass(origin, Sequence | set | frozenset):
        return args[0]
    return None


def _type_at(model: type[BaseModel], loc: Sequence[str | int]) -> Any:
    annotation: Any = model
    for element in loc:
        annotation = _step(_unwrap(annotation), element)
        if annotation is None:
            return None
    return _unwrap(annotation)


def _unknown_field(model: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    owner = _type_at(model, loc[:-1])
    if not _is_model(owner):
        return "unknown field"
    allowed = sorted(
        field.alias if isinstance(field.alias, str) else name
        for name, field in owner.model_fields.items()
    )
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    guess = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown field; allowed fields here: {', '.join(allowed)}{guess}"
