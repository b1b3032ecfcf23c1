"""The one exception the readers raise: a stable machine code plus a bilingual message."""

from __future__ import annotations

READ_ERROR_CODES = frozenset(
    {
        "empty_file",
        "not_a_table",
        "wrong_type",
        "truncated",
        "encoding",
        "no_header",
        "sheet_not_found",
        "too_large",
    }
)


class ReadError(Exception):
    """The file cannot be read as a table.

    `code` is stable (callers branch on it, audit records it); `message` is for the data officer:
    Bahasa Indonesia first, English after " / ".
    """

    code: str
    message: str

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
