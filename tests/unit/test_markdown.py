"""Markdown rendering: the extensions, math without a network, links rewritten inside the site."""

from __future__ import annotations

from generator import markdown
from generator.markdown import (
    RenderContext,
    count_words,
    highlight_code,
    prepare_highlighting,
    render_markdown,
)


def render(text: str, **kw: object) -> str:
    return render_markdown(text, RenderContext(source="diary/x.md", **kw))  # type: ignore[arg-type]


def test_gfm_extensions() -> None:
    out = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~\n\n- [x] done\n- [ ] open\n\nnote[^1]\n\n[^1]: the note\n")
    assert "<table>" in out and "<td>1</td>" in out
    assert "<s>gone</s>" in out
    assert out.count('type="checkbox"') == 2 and "checked" in out
    assert 'class="footnote-ref"' in out and "the note" in out


def test_heading_anchors_keep_cyrillic() -> None:
    assert '<h2 id="обратное-распространение">' in render("## Обратное распространение\n")


def test_math_inline_and_display_become_mathml() -> None:
    out = render("Inline $h_\\theta(x)$ and\n\n$$\n\\sum_{i=1}^n x_i\n$$\n")
    assert out.count("<math") == 2 and 'display="block"' in out and "$" not in out


def test_math_inside_blockquote_in_a_list_as_in_the_seed() -> None:
    text = "4. Регрессия:  \n   \n    > $Cost(h_\\theta(x), y) = -y log(h_\\theta(x))$ - пример\n"
    out = render(text)
    assert "<blockquote>" in out and "<math" in out and "$Cost" not in out


def test_prices_are_not_math() -> None:
    assert "<math" not in render("It cost $5 and then $6.\n")


def test_bad_math_shows_its_source() -> None:
    out = render("$\\frac{1}{$ ok\n\n$$\\begin{nothing}$$\n")
    assert "<math" in out or "math-error" in out


def test_code_is_highlighted_by_pygments() -> None:
    out = render("```python\nimport torch\n```\n")
    assert '<span class="kn">import</span>' in out


def test_links_to_diary_files_and_images_are_rewritten() -> None:
    ctx = RenderContext(
        source="diary/2022/01/05.md", base_dir="2022/01",
        resolve_link=lambda target: {"2022/01/06.md": "../entries/2022-01-06.html", "2022/img/a.png": "../files/2022/img/a.png"}.get(target),
    )
    out = render_markdown("[next](06.md#top) ![pic](../img/a.png) [web](https://pytorch.org/) [x](missing.md)", ctx)
    assert 'href="../entries/2022-01-06.html#top"' in out
    assert 'src="../files/2022/img/a.png"' in out
    assert 'href="https://pytorch.org/"' in out
    assert 'href="missing.md"' in out


def test_wikilinks_resolve_or_are_reported() -> None:
    ctx = RenderContext(source="diary/x.md", resolve_wiki=lambda t: ("../entries/2022-01-05.html", "5 января 2022") if t == "05.01.2022" else None)
    out = render_markdown("see [[05.01.2022]] and [[Nowhere]]", ctx)
    assert '<a class="wikilink" href="../entries/2022-01-05.html">5 января 2022</a>' in out
    assert ctx.unresolved_wiki == ["Nowhere"]


def test_words_are_counted_without_code() -> None:
    assert count_words("Привет, мир! It's `x` here.\n\n```python\nlots of code words here\n```\n") == 5


def test_the_sitemap_is_what_elementtree_writes() -> None:
    import xml.etree.ElementTree as ET

    from generator.feed import SITEMAP_NS, sitemap

    for urls in ([], ["index.html"], ["entries/2022-01-05.html", "tags/r&d.html", "concepts/тензор.html", "a<b>.html"]):
        ET.register_namespace("", SITEMAP_NS)
        root = ET.Element(f"{{{SITEMAP_NS}}}urlset")
        for url in sorted(urls):
            ET.SubElement(ET.SubElement(root, f"{{{SITEMAP_NS}}}url"), f"{{{SITEMAP_NS}}}loc").text = url
        assert sitemap(urls) == ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def test_code_highlighted_ahead_is_the_code_highlighted_when_needed() -> None:
    blocks = [("x = torch.ones(2)\nprint(x @ x)\n", "python"), (">>> 1 + 1\n2\n", "pycon"), ("<raw>", "no-such-language")]
    plain = [highlight_code(code, lang) for code, lang in blocks]
    try:
        prepare_highlighting(blocks)
        assert set(markdown._prepared) == set(blocks)
        assert [highlight_code(code, lang) for code, lang in blocks] == plain
        assert highlight_code(*blocks[0]) is markdown._prepared[blocks[0]]  # found, not made again
        prepare_highlighting(blocks[:1])  # a later build's blocks replace the earlier ones
        assert set(markdown._prepared) == set(blocks[:1])
    finally:
        prepare_highlighting(())
    assert plain[2] == "&lt;raw&gt;"
    assert '<span class="n">torch</span>' in plain[0]
