"""Finds every `procountor-loader …` command line the README and docs/*.md show a user.

A command line is taken from a shell code block (```bash / sh / console / cron / none) or from an
inline code span that starts with the command. Synopses (`[--stream S]`, `a | b`, `<file>`, `…`) are
usage patterns, not command lines, and are left out.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SHELL_BLOCKS = {"", "bash", "sh", "shell", "console", "cron"}
_FENCE = re.compile(r"^```(\w*)\s*$")
_INLINE = re.compile(r"`(procountor-loader [^`]+)`")
_COMMAND = re.compile(r"(?:^|[\s/])procountor-loader\s+(\S.*)$")
_SHELL_END = {"|", "||", "&&", ";", ">", ">>", "2>&1", "&"}
_SYNOPSIS = re.compile(r"[\[\]|<>…]|\.\.\.")


@dataclass(frozen=True)
class CommandLine:
    source: str  # file:line
    argv: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.source}: procountor-loader {shlex.join(self.argv)}"


def _argv(rest: str) -> tuple[str, ...] | None:
    rest = rest.split(" #", 1)[0].strip()
    try:
        tokens = shlex.split(rest)
    except ValueError:
        return None
    argv: list[str] = []
    for token in tokens:
        if token in _SHELL_END or token.startswith((">", "2>")):
            break
        argv.append(token)
    return tuple(argv) if argv else None


def _shell_lines(text: str) -> list[tuple[int, str]]:
    """Lines of shell code blocks, with backslash continuations joined."""
    out: list[tuple[int, str]] = []
    lang: str | None = None
    pending, start = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        fence = _FENCE.match(line.strip())
        if fence:
            lang = None if lang is not None else fence.group(1)
            continue
        if lang is None or lang not in SHELL_BLOCKS:
            continue
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        out.append((start, pending + line))
        pending = ""
    return out


def command_lines(paths: list[Path] | None = None) -> list[CommandLine]:
    found: list[CommandLine] = []
    for path in paths or DOCS:
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(REPO).as_posix()
        for number, line in _shell_lines(text):
            match = _COMMAND.search(line)
            if match and not line.lstrip().startswith("#"):
                argv = _argv(match.group(1))
                if argv and not _SYNOPSIS.search(" ".join(argv)):
                    found.append(CommandLine(f"{name}:{number}", argv))
        for match in _INLINE.finditer(text):
            body = " ".join(match.group(1).split())
            if _SYNOPSIS.search(body):
                continue
            argv = _argv(body[len("procountor-loader "):])
            if argv:
                number = text.count("\n", 0, match.start()) + 1
                found.append(CommandLine(f"{name}:{number}", argv))
    return found
