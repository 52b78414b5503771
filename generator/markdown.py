"""The configured Markdown parser and tetrad's rules on top of it.

CommonMark plus tables, strikethrough, task lists, footnotes, heading anchors,
`$…$`/`$$…$$` math rendered to MathML on the server (no script, no network),
`[[wiki-links]]`, Pygments highlighting, and link rewriting so links between
diary files and to images beside them work inside the built site.

What a page needs to know while rendering (where it lives, how to resolve a
link, the results of its snippets) travels in the `RenderContext` given to
`render_markdown`; the parser itself is built once.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

from latex2mathml.converter import convert as latex_to_mathml
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound


@dataclass
class RenderContext:
    """Per-page knowledge the rules consult while rendering one piece of Markdown.

    ``source`` is the diary file the Markdown comes from (``diary/2022-01.md``)
    and ``first_line`` the file line of the Markdown's first line, so a fence
    can be matched with its snippet. ``resolve_link`` maps a diary-relative
    target (``2022/01/05.md``) to a site URL relative to the page, or None to
    leave it; ``resolve_wiki`` maps ``[[target]]`` to (url, label) or None.
    ``render_fence`` renders a runnable block found at a file line, or None
    for a plain highlighted block.
    """

    source: str
    first_line: int = 1
    base_dir: str = ""  # the Markdown file's folder inside the diary, for relative links
    expected_label: str = "Expected output"  # the caption of an `output` fence, in the site's language
    resolve_link: Callable[[str], str | None] = lambda target: None
    resolve_wiki: Callable[[str], tuple[str, str] | None] = lambda target: None
    render_fence: Callable[[int, str, str], str | None] = lambda line, info, code: None
    unresolved_wiki: list[str] = field(default_factory=list)


_FORMATTER = HtmlFormatter(nowrap=True)


@lru_cache(maxsize=64)
def _lexer(lang: str) -> Lexer | None:
    """A lexer per language, made once: looking one up by name scans Pygments' registry."""
    try:
        return get_lexer_by_name(lang or "text", stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def highlight_code(code: str, lang: str) -> str:
    """HTML for highlighted code (inner markup of a <pre><code>)."""
    found = _prepared.get((code, lang))
    if found is not None:
        return found
    lexer = _lexer(lang)
    if lexer is None:
        return html.escape(code)
    return highlight(code, lexer, _FORMATTER)


_prepared: dict[tuple[str, str], str] = {}


def prepare_highlighting(blocks: Iterable[tuple[str, str]]) -> None:
    """Highlight these (code, language) pairs now, for `highlight_code` to find later; replaces the
    pairs prepared before. A build does it while it waits for torch's import (see `render.prepare`)."""
    _prepared.clear()
    made = {pair: highlight_code(*pair) for pair in dict.fromkeys(blocks)}
    _prepared.update(made)


def _math(content: str, options: dict[str, Any]) -> str:
    return _mathml(content, "block" if options.get("display_mode") else "inline")


@lru_cache(maxsize=4096)
def _mathml(content: str, display: str) -> str:
    """A formula as MathML, once per formula: a diary repeats its formulas, and converting is slow."""
    try:
        return latex_to_mathml(content, display=display)
    except Exception:  # the converter raises many types on odd input; show the source instead
        return f'<code class="math-error" title="math that could not be rendered">{html.escape(content)}</code>'


_WIKI = re.compile(r"\[\[([^\[\]\n|]+)(?:\|([^\[\]\n]+))?\]\]")


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("[[", state.pos):
        return False
    match = _WIKI.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("wikilink", "", 0)
        token.meta = {"target": match.group(1).strip(), "label": (match.group(2) or "").strip()}
        token.content = match.group(0)
    state.pos = match.end()
    return True


def _slugify(title: str) -> str:
    slug = re.sub(r"[^\w\- ]", "", title.lower()).strip().replace(" ", "-")
    return slug or "section"


@lru_cache(maxsize=1)
def build_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(tasklists_plugin)
    md.use(footnote_plugin)
    md.use(anchors_plugin, min_level=1, max_level=6, slug_func=_slugify, permalink=False)
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, renderer=_math)
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    md.add_render_rule("wikilink", _render_wikilink)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("code_block", _render_code_block)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("image", _render_image)
    return md


def _ctx(env: EnvType) -> RenderContext:
    ctx = env.get("tetrad")
    return ctx if isinstance(ctx, RenderContext) else RenderContext(source="")


def _render_wikilink(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    target, label = str(token.meta["target"]), str(token.meta["label"])
    ctx = _ctx(env)
    found = ctx.resolve_wiki(target)
    if found is None:
        ctx.unresolved_wiki.append(target)
        return f'<span class="wikilink missing" title="no such entry or concept">{html.escape(label or target)}</span>'
    url, default_label = found
    return f'<a class="wikilink" href="{html.escape(url)}">{html.escape(label or default_label)}</a>'


def _render_fence(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    ctx = _ctx(env)
    info = token.info.strip()
    if token.map is not None:
        shown = ctx.render_fence(ctx.first_line + token.map[0], info, token.content)
        if shown is not None:
            return shown
    lang = info.split(maxsplit=1)[0] if info else ""
    if lang == "output":
        return (f'<div class="output-expected"><span class="out-label">{html.escape(ctx.expected_label)}</span>'
                f'<pre><code>{html.escape(token.content)}</code></pre></div>\n')
    return f'<pre class="code"><code class="language-{html.escape(lang) or "text"}">{highlight_code(token.content, lang)}</code></pre>\n'


def _render_code_block(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return f'<pre class="code"><code>{html.escape(tokens[idx].content)}</code></pre>\n'


def _rewrite(target: str, ctx: RenderContext) -> str | None:
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith(("#", "/", "//")) or not parts.path:
        return None
    resolved = posixpath.normpath(posixpath.join(ctx.base_dir, unquote(parts.path)))
    url = ctx.resolve_link(resolved)
    if url is None:
        return None
    return url + (f"#{parts.fragment}" if parts.fragment and "#" not in url else "")


def _render_link_open(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    href = token.attrGet("href")
    if isinstance(href, str):
        new = _rewrite(href, _ctx(env))
        if new is not None:
            token.attrSet("href", new)
        elif urlsplit(href).scheme in ("http", "https"):
            token.attrSet("rel", "noopener")
    return self.renderToken(tokens, idx, options, env)


def _render_image(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    src = token.attrGet("src")
    if isinstance(src, str):
        new = _rewrite(src, _ctx(env))
        if new is not None:
            token.attrSet("src", new)
    token.attrSet("loading", "lazy")
    return self.image(tokens, idx, options, env)


def render_markdown(text: str, ctx: RenderContext) -> str:
    """Markdown to an HTML fragment."""
    md = build_parser()
    return md.render(text, {"tetrad": ctx})


def render_markdown_and_text(text: str, ctx: RenderContext) -> tuple[str, str]:
    """Markdown to an HTML fragment and its readable words (`plain_text`), from one parse."""
    md = build_parser()
    env = {"tetrad": ctx}
    tokens = md.parse(text, env)
    readable = _readable(tokens)  # before rendering: the link rules rewrite tokens as they go
    return md.renderer.render(tokens, md.options, env), readable


def plain_text(text: str) -> str:
    """The readable words of a piece of Markdown (no code blocks), for counting and search."""
    return _readable(build_parser().parse(text))


def _readable(tokens: list[Token]) -> str:
    out: list[str] = []
    for tok in tokens:
        if tok.type == "inline":
            for child in tok.children or []:
                if child.type in ("text", "code_inline", "math_inline"):
                    out.append(child.content)
                elif child.type == "wikilink":
                    out.append(str(child.meta["label"] or child.meta["target"]))
                elif child.type in ("softbreak", "hardbreak"):
                    out.append(" ")
            out.append("\n")
    return "".join(out)


_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")


def count_words(text: str) -> int:
    """Words in a piece of Markdown."""
    return count_words_in(plain_text(text))


def count_words_in(readable: str) -> int:
    """Words in text already made readable by `plain_text`."""
    return len(_WORD.findall(readable))
