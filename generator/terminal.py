"""Captured output as a terminal shows it: carriage returns, backspaces and ANSI escapes.

`collapse` applies ``\\r`` and ``\\b`` the way a terminal does, so a tqdm bar
redrawn ten thousand times is stored as its final state; `to_html` renders
ANSI colours as the ``ansi-*`` classes Jupyter's nbconvert uses; `plain`
strips every escape (terminal lines, JUnit). Pure functions over strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from markupsafe import escape

# Any escape sequence, also one cut short by the output limit: a CSI (ESC [ params final), a
# string command (OSC, DCS, ...) ended by BEL or ESC \, another escape (ESC ( B, ESC 7), or a lone ESC.
_ESCAPE = r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|[\]P^_X][^\x07\x1b\n]*(?:\x07|\x1b\\)?|[ -/]*[0-~]|)"
_SPLIT = re.compile(f"({_ESCAPE})")  # text and escapes alternate in its split
_STRIP = re.compile(_ESCAPE)
_SGR = re.compile(r"\x1b\[([0-9;:]*)m")  # Select Graphic Rendition: colours, bold, ...
RESET = "\x1b[0m"

Colour = int | tuple[int, int, int] | None  # one of the 16 named colours, an RGB triple, or the default
_NAMES = tuple(f"{name}{shade}" for shade in ("", "-intense")
               for name in ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"))


def plain(text: str) -> str:
    """``text`` without its ANSI escape sequences."""
    return _STRIP.sub("", text) if "\x1b" in text else text


def collapse(text: str) -> str:
    """``text`` as a terminal leaves it: in each line ``\\r`` returns to column 0 and ``\\b`` moves one
    column left, what is written next overwrites, and ``ESC[K`` erases to the end. Escapes take no
    column; colours are kept per character, so an overwritten one takes the colour it is written in."""
    if "\r" not in text and "\b" not in text:
        return text
    pen = shown = ""  # the colour escapes in force while reading, and in the text made so far
    lines: list[str] = []
    for line in text.split("\n"):
        if "\x1b" not in line and "\b" not in line:
            lines.append(_overlay(line.split("\r")))
            continue
        cells: list[tuple[str, str, str]] = []  # (colour escapes, other escapes, character) per column
        column, waiting = 0, ""  # waiting: non-colour escapes that go before the next character
        for i, piece in enumerate(_SPLIT.split(line)):
            if i % 2:
                if _SGR.fullmatch(piece):
                    pen = _pen_after(pen, piece)
                elif piece in ("\x1b[K", "\x1b[0K"):  # erase to the end of the line (rich, pip)
                    del cells[column:]
                elif piece == "\x1b[2K":  # erase the line, the cursor stays
                    cells[:] = [(pen, "", " ")] * column
                else:
                    waiting += piece
                continue
            for char in piece:
                if char == "\r":
                    column = 0
                elif char == "\b":
                    column = max(0, column - 1)
                else:
                    cells[column:column + 1] = [(pen, waiting, char)]
                    column, waiting = column + 1, ""
        made: list[str] = []
        for colour, other, char in cells:
            made.append(_switch(shown, colour) + other + char)
            shown = colour
        made.append(_switch(shown, pen) + waiting)
        shown = pen
        lines.append("".join(made))
    return "\n".join(lines)


def _overlay(writes: list[str]) -> str:
    """Each write from column 0 over the ones before it."""
    line = ""
    for write in writes:
        line = write + line[len(write):]
    return line


def _params(sgr: str) -> list[str]:
    return sgr[2:-1].replace(":", ";").split(";")


def _pen_after(pen: str, sgr: str) -> str:
    """The colour escapes in force after ``sgr``: it adds to ``pen`` unless it starts with a reset."""
    if not _starts_with_reset(sgr):
        return pen + sgr
    return "" if _is_reset(sgr) else sgr


def _starts_with_reset(sgr: str) -> bool:
    return _params(sgr)[0] in ("", "0")


def _is_reset(sgr: str) -> bool:
    return all(p in ("", "0") for p in _params(sgr))


def _switch(shown: str, pen: str) -> str:
    """The escapes that take the text from colours ``shown`` to ``pen``."""
    if pen == shown:
        return ""
    if pen.startswith(shown):
        return pen[len(shown):]
    return pen if pen and _starts_with_reset(pen) else RESET + pen


@dataclass
class _Style:
    fg: Colour = None
    bg: Colour = None
    bold: bool = False
    italic: bool = False
    underline: bool = False

    def apply(self, params: list[str]) -> None:
        """Follow one SGR sequence's parameters (unknown ones are ignored)."""
        codes = iter(int(p) if p.isdigit() else 0 for p in params)
        for n in codes:
            if n == 0:
                self.fg = self.bg = None
                self.bold = self.italic = self.underline = False
            elif n in (1, 22):
                self.bold = n == 1
            elif n in (3, 23):
                self.italic = n == 3
            elif n in (4, 24):
                self.underline = n == 4
            elif 30 <= n <= 37 or 90 <= n <= 97:
                self.fg = n - 30 if n < 90 else n - 82
            elif 40 <= n <= 47 or 100 <= n <= 107:
                self.bg = n - 40 if n < 100 else n - 92
            elif n in (39, 49):
                setattr(self, "fg" if n == 39 else "bg", None)
            elif n in (38, 48) and (colour := _extended(codes)) is not None:
                setattr(self, "fg" if n == 38 else "bg", colour)

    def span(self, html: str) -> str:
        """``html`` in a span of this style (bare in the default one), as nbconvert's ``ansi2html``."""
        fg = self.fg + 8 if self.bold and isinstance(self.fg, int) and self.fg < 8 else self.fg
        classes: list[str] = []
        styles: list[str] = []
        for colour, layer, prop in ((fg, "fg", "color"), (self.bg, "bg", "background-color")):
            if isinstance(colour, int):
                classes.append(f"ansi-{_NAMES[colour]}-{layer}")
            elif colour is not None:
                styles.append(f"{prop}: rgb({colour[0]},{colour[1]},{colour[2]})")
        classes += [name for name, on in (("ansi-bold", self.bold), ("ansi-italic", self.italic),
                                          ("ansi-underline", self.underline)) if on]
        if not classes and not styles:
            return html
        attrs = (f' class="{" ".join(classes)}"' if classes else "") + (f' style="{"; ".join(styles)}"' if styles else "")
        return f"<span{attrs}>{html}</span>"


def _extended(codes: Iterator[int]) -> Colour:
    """The colour of ``5;N`` (256 colours) or ``2;R;G;B`` after a 38 or 48; None if invalid."""
    kind = next(codes, None)
    if kind == 5:
        n = next(codes, -1)
        if 0 <= n < 16:
            return n
        if 16 <= n < 232:  # the 6×6×6 cube, as xterm draws it
            r, g, b = (0 if v == 0 else 55 + 40 * v for v in ((n - 16) // 36, (n - 16) // 6 % 6, (n - 16) % 6))
            return r, g, b
        if 232 <= n < 256:  # the grays
            gray = 8 + 10 * (n - 232)
            return gray, gray, gray
    elif kind == 2:
        rgb = (next(codes, -1), next(codes, -1), next(codes, -1))
        if all(0 <= c <= 255 for c in rgb):
            return rgb
    return None


def to_html(text: str) -> str:
    """``text`` HTML-escaped (exactly as Jinja's autoescape does), its ANSI colours as ``ansi-*`` spans;
    other escape sequences (cursor moves, ``ESC[K``, OSC) are dropped."""
    if "\x1b" not in text:
        return str(escape(text))
    style = _Style()
    out: list[str] = []
    for i, piece in enumerate(_SPLIT.split(text)):
        if i % 2:
            if _SGR.fullmatch(piece):
                style.apply(_params(piece))
        elif piece:
            out.append(style.span(str(escape(piece))))
    return "".join(out)
