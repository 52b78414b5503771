"""Captured output as a terminal shows it (generator/terminal.py), and where it is used: the
captured streams, the page's ``ansi`` filter and `build-site check`'s plain lines."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.execute.capture import Sink
from generator.model import Entry, Result, Snippet, Source, Status
from generator.render import _environment
from generator.terminal import RESET, collapse, plain, to_html

ESC = "\x1b"
RED, GREEN, BOLD = f"{ESC}[31m", f"{ESC}[32m", f"{ESC}[1m"


@pytest.mark.parametrize(("text", "shown"), [
    pytest.param("no control characters\n", "no control characters\n", id="as-is"),
    pytest.param(
        "\r  0%|          | 0/10 [00:00<?, ?it/s]\r 10%|#         | 1/10 [00:00<00:09,  1.00it/s]"
        "\r100%|##########| 10/10 [00:10<00:00,  1.00it/s]\n",
        "100%|##########| 10/10 [00:10<00:00,  1.00it/s]\n", id="tqdm"),
    pytest.param("long line\rshort\n", "shortline\n", id="shorter-overwrite"),
    pytest.param("one\r\ntwo\r\n", "one\ntwo\n", id="crlf"),
    pytest.param("done\r", "done", id="trailing-cr"),
    pytest.param("abc\b\bX\n", "aXc\n", id="backspace"),
    pytest.param("\b\bab", "ab", id="backspace-at-0"),
    pytest.param("ab\b\b\b\bcd", "cd", id="backspace-not-past-0"),
    pytest.param("_\bA", "A", id="overstrike"),
    pytest.param("downloading 10 MB\r\x1b[Kdone\n", "done\n", id="erase-line"),
    pytest.param(f"{GREEN} 10%{RESET}\r{GREEN} 20%{RESET}", f"{GREEN} 20%{RESET}", id="coloured-bar"),
    pytest.param(f"{RED}red{RESET}\rX", f"X{RED}ed{RESET}", id="overwrite-keeps-colour-of-rest"),
    pytest.param(f"abc\r{RED}X{RESET}", f"{RED}X{RESET}bc", id="coloured-overwrite"),
    pytest.param(f"{RED}red{RESET}\r\n{GREEN}ok{RESET}\r\n", f"{RED}red{RESET}\n{GREEN}ok{RESET}\n",
                 id="coloured-crlf-unchanged"),
    pytest.param(f"{RED}red\r\nstill{RESET}\r\n", f"{RED}red\nstill{RESET}\n", id="colour-across-lines"),
    pytest.param("cut \r\x1b[3", "cut \x1b[3", id="unterminated-escape-kept"),
])
def test_collapse(text: str, shown: str) -> None:
    assert collapse(text) == shown


def test_collapse_returns_text_without_cr_or_backspace_as_is() -> None:
    text = f"{BOLD}{RED}E   assert 1 == 2{RESET}\n"
    assert collapse(text) is text


def test_collapse_keeps_the_last_of_many_redraws() -> None:
    text = "".join(f"\r{i:3d}%|{'#' * (i // 10):<10}|" for i in range(101)) + "\n"
    assert collapse(text) == "100%|##########|\n"


@pytest.mark.parametrize(("text", "html"), [
    pytest.param("a < b & \"c\" 'd'", "a &lt; b &amp; &#34;c&#34; &#39;d&#39;", id="plain-as-autoescape"),
    pytest.param(f"{RED}FAILED{RESET} x", '<span class="ansi-red-fg">FAILED</span> x', id="red"),
    pytest.param(f"{ESC}[1;32m1 passed{ESC}[0m", '<span class="ansi-green-intense-fg ansi-bold">1 passed</span>',
                 id="bold-is-intense"),
    pytest.param(f"{ESC}[92mok{ESC}[39m.", '<span class="ansi-green-intense-fg">ok</span>.', id="bright"),
    pytest.param(f"{ESC}[3mi{ESC}[23m{ESC}[4mu{ESC}[24m", '<span class="ansi-italic">i</span><span class="ansi-underline">u</span>',
                 id="italic-underline"),
    pytest.param(f"{ESC}[41;37m!{ESC}[0m", '<span class="ansi-white-fg ansi-red-bg">!</span>', id="background"),
    pytest.param(f"{ESC}[38;5;208mo{ESC}[38;5;9mr{ESC}[38;5;244mg{ESC}[0m",
                 '<span style="color: rgb(255,135,0)">o</span><span class="ansi-red-intense-fg">r</span>'
                 '<span style="color: rgb(128,128,128)">g</span>', id="256-colours"),
    pytest.param(f"{ESC}[38;2;1;2;3;48;2;250;250;250mx{ESC}[m",
                 '<span style="color: rgb(1,2,3); background-color: rgb(250,250,250)">x</span>', id="24-bit"),
    pytest.param(f"{ESC}[38;5;999mx", "x", id="invalid-colour-ignored"),
    pytest.param(f"a{ESC}[Kb{ESC}[2Ac{ESC}]8;;https://x.org{ESC}\\d{ESC}]0;title\x07e", "abcde",
                 id="other-escapes-dropped"),
    pytest.param(f"{RED}cut{ESC}[3", '<span class="ansi-red-fg">cut</span>', id="unterminated-at-end"),
    pytest.param(f"{RED}cut{ESC}[3\n… output cut", '<span class="ansi-red-fg">cut</span><span class="ansi-red-fg">\n… output cut</span>',
                 id="unterminated-before-newline"),
    pytest.param(f"x{ESC}", "x", id="lone-escape"),
])
def test_to_html(text: str, html: str) -> None:
    assert to_html(text) == html


def test_to_html_escapes_markup_inside_colours() -> None:
    html = to_html(f"{RED}<script>alert('x')</script>{RESET}")
    assert html == '<span class="ansi-red-fg">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</span>'


def test_plain() -> None:
    pytest_line = f"{BOLD}{RED}E       assert 1 == 2{RESET}\n{ESC}[32m1 passed{ESC}[0m in 0.01s{ESC}[K{ESC}[3"
    assert plain(pytest_line) == "E       assert 1 == 2\n1 passed in 0.01s"
    assert plain("no escapes") == "no escapes"


def test_page_filter_colours_and_keeps_plain_text_bytes() -> None:
    env = _environment()
    coloured = env.from_string("<pre>{{ text|ansi }}</pre>")
    escaped = env.from_string("<pre>{{ text }}</pre>")
    plain_text = "x = \"<tensor>\" & 'y'\n"
    assert coloured.render(text=plain_text) == escaped.render(text=plain_text)
    traceback = f"{RED}NameError{RESET}: name {GREEN}'<x>'{RESET} is not defined"
    assert coloured.render(text=traceback) == (
        '<pre><span class="ansi-red-fg">NameError</span>: name '
        '<span class="ansi-green-fg">&#39;&lt;x&gt;&#39;</span> is not defined</pre>'
    )


def test_captured_stream_is_collapsed_and_a_cut_colour_is_closed_before_the_note() -> None:
    sink = Sink(limit=1000)
    sink.write("".join(f"\r{i}%" for i in range(101)).encode() + b"\n")
    assert sink.text() == ("100%\n", None)
    cut = Sink(limit=8)
    cut.write(f"{RED}red and more".encode())
    text, note = cut.text()
    assert note is not None and text == f"{RED}red{RESET}\n{note}\n"


def test_check_lines_and_junit_are_plain() -> None:
    from generator.check import FAILING, Case, annotation, failure_line, junit_xml  # imports the runner's modules

    source = Source("diary/2022-01.md", 12)
    snippet = Snippet("2022-01-05-1", source, "python", "x")
    entry = Entry("2022-01-05", dt.date(2022, 1, 5), "Day", Source("diary/2022-01.md", 10), "", 11, snippets=(snippet,))
    result = Result(Status.FAILED, stdout=f"{GREEN}ok{RESET}\n", error=f"{RED}NameError{RESET}: name 'x' is not defined",
                    traceback=f"{RED}NameError{RESET}: name 'x' is not defined")
    case = Case(entry, snippet, result)
    assert failure_line(case) == "diary/2022-01.md:12: failed: NameError: name 'x' is not defined"
    assert ESC not in annotation(case, "error")
    testcase = junit_xml([case], FAILING).getroot().find("testsuite/testcase")
    assert testcase is not None
    failure = testcase.find("failure")
    assert failure is not None and failure.text == "NameError: name 'x' is not defined"
    assert failure.get("message") == "NameError: name 'x' is not defined"
    assert testcase.findtext("system-out") == "ok\n"
