"""A renderer for the subset of Helm's Go templates the chart under deploy/helm/asysta uses,
so the tests can render it where no `helm` binary is installed (none is packaged for this
machine's Debian, nor on PyPI).

The subset: `{{ .Values.a.b }}`, `{{ $.Values.a }}`, `{{ .Release.Name }}`, variables bound by
`range $key, $value := <expr>` (maps in sorted key order, as Go does; `.` becomes the value),
`if` / `else if` / `else` / `end` with Go's truthiness, whitespace trimming (`{{-`, `-}}`),
comments, and the functions `toYaml`, `nindent`, `indent`, `quote`, `default`, `required`,
`eq`, `upper`, `printf "%s"`. Anything else is an error, so the chart cannot drift outside
what is tested.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

import yaml

_TAG = re.compile(r"\{\{(-?)\s*(.*?)\s*(-?)\}\}", re.DOTALL)


class TemplateError(Exception):
    pass


@dataclass
class _Node:
    kind: str  # text, expr, range, if
    text: str = ""
    body: list[_Node] = field(default_factory=list)
    # if: [(condition, body), ...] with condition None for else
    branches: list[tuple[str | None, list[_Node]]] = field(default_factory=list)


def _tokens(source: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    trim_next = False
    for match in _TAG.finditer(source):
        text = source[pos : match.start()]
        if trim_next:
            text = text.lstrip()
        if match.group(1):
            text = text.rstrip()
        out.append(("text", text))
        out.append(("tag", match.group(2)))
        trim_next = bool(match.group(3))
        pos = match.end()
    tail = source[pos:]
    out.append(("text", tail.lstrip() if trim_next else tail))
    return out


def _parse(tokens: list[tuple[str, str]]) -> list[_Node]:
    root: list[_Node] = []
    stack: list[tuple[_Node, list[_Node]]] = []
    current = root
    for kind, value in tokens:
        if kind == "text":
            if value:
                current.append(_Node("text", value))
            continue
        if value.startswith("/*"):
            continue
        word = value.split(" ", 1)[0]
        if word == "range":
            node = _Node("range", value[len("range") :].strip())
            current.append(node)
            stack.append((node, current))
            current = node.body
        elif word == "if":
            node = _Node("if")
            node.branches.append((value[2:].strip(), []))
            current.append(node)
            stack.append((node, current))
            current = node.branches[-1][1]
        elif word == "else":
            node = stack[-1][0]
            if node.kind != "if":
                raise TemplateError("else outside if")
            rest = value[4:].strip()
            condition = rest[2:].strip() if rest.startswith("if ") else None
            node.branches.append((condition, []))
            current = node.branches[-1][1]
        elif word == "end":
            _, current = stack.pop()
        else:
            current.append(_Node("expr", value))
    if stack:
        raise TemplateError("unclosed block")
    return root


@dataclass
class _Scope:
    root: dict[str, Any]
    dot: Any
    variables: dict[str, Any]


def _lookup(path: str, scope: _Scope) -> Any:
    if path.startswith("$."):
        value, parts = scope.root, path[2:].split(".")
    elif path == "$":
        return scope.root
    elif path.startswith("$"):
        name, _, rest = path.partition(".")
        if name not in scope.variables:
            raise TemplateError(f"undefined variable {name}")
        value, parts = scope.variables[name], rest.split(".") if rest else []
    elif path == ".":
        return scope.dot
    elif path.startswith("."):
        value, parts = scope.dot, path[1:].split(".")
    else:
        raise TemplateError(f"not a value: {path}")
    for part in parts:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _atom(token: str, scope: _Scope) -> Any:
    if token.startswith('"'):
        return token[1:-1]
    if re.fullmatch(r"-?\d+", token):
        return int(token)
    if token in ("true", "false"):
        return token == "true"
    return _lookup(token, scope)


def _to_yaml(value: Any) -> str:
    return str(yaml.safe_dump(value, default_flow_style=False, sort_keys=True)).rstrip("\n")


def _call(name: str, args: list[Any]) -> Any:
    if name == "toYaml":
        return _to_yaml(args[0])
    if name in ("nindent", "indent"):
        pad = " " * int(args[0])
        lines = "\n".join(pad + line if line else line for line in str(args[1]).split("\n"))
        return "\n" + lines if name == "nindent" else lines
    if name == "quote":
        return '"' + str("" if args[0] is None else args[0]).replace('"', '\\"') + '"'
    if name == "default":
        return args[1] if _truthy(args[1]) else args[0]
    if name == "required":
        if not _truthy(args[1]):
            raise TemplateError(str(args[0]))
        return args[1]
    if name == "upper":
        return str(args[0]).upper()
    if name == "eq":
        return args[0] == args[1]
    if name == "printf":
        return str(args[0]) % tuple(args[1:])
    raise TemplateError(f"function not in the subset: {name}")


def _evaluate(expression: str, scope: _Scope) -> Any:
    value: Any = None
    for i, command in enumerate(part.strip() for part in _split_pipes(expression)):
        words = shlex.split(command, posix=False)
        args = [_atom(w, scope) for w in words[1:]]
        if i:
            args.append(value)
        if words[0].startswith((".", "$", '"')) or re.fullmatch(r"-?\d+", words[0]):
            if len(words) > 1 or i:
                raise TemplateError(f"cannot apply a value: {command}")
            value = _atom(words[0], scope)
        else:
            value = _call(words[0], args)
    return value


def _split_pipes(expression: str) -> list[str]:
    parts, current, quoted = [], "", False
    for char in expression:
        if char == '"':
            quoted = not quoted
        if char == "|" and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "") and not (isinstance(value, dict | list) and not value)


def _render(nodes: list[_Node], scope: _Scope) -> str:
    out: list[str] = []
    for node in nodes:
        if node.kind == "text":
            out.append(node.text)
        elif node.kind == "expr":
            value = _evaluate(node.text, scope)
            out.append("" if value is None else str(value))
        elif node.kind == "if":
            for condition, body in node.branches:
                if condition is None or _truthy(_evaluate(condition, scope)):
                    out.append(_render(body, scope))
                    break
        elif node.kind == "range":
            match = re.fullmatch(r"(\$\w+)\s*,\s*(\$\w+)\s*:=\s*(.+)", node.text)
            if not match:
                raise TemplateError(f"range form not in the subset: {node.text}")
            key_var, value_var, source = match.groups()
            collection = _evaluate(source, scope)
            items = (
                sorted(collection.items())
                if isinstance(collection, dict)
                else list(enumerate(collection or []))
            )
            for key, item in items:
                inner = _Scope(scope.root, item, {**scope.variables, key_var: key, value_var: item})
                out.append(_render(node.body, inner))
        else:
            raise TemplateError(node.kind)
    return "".join(out)


def render(
    source: str, values: dict[str, Any], release: dict[str, Any], chart: dict[str, Any]
) -> str:
    root = {"Values": values, "Release": release, "Chart": chart}
    return _render(_parse(_tokens(source)), _Scope(root, root, {}))


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Helm's merge of a values file over the chart's values.yaml."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
