"""Diaries written the way learners write them, built once; every block's status against the sidecar.

``tests/fixtures/real/`` holds month and day files in English, Russian,
Korean and Chinese: REPL transcripts, fragments, blocks blocked by a failure
above, packages that are not installed, IPython magics and shell escapes,
shell sessions and pasted output in python fences, and genuine bugs.
``expected.toml`` beside them gives each block's expected status (and what
its result should say) keyed by ``FILE:LINE`` of its opening fence. Each test
collects every mismatch and reports them at once.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, run_build

REAL = FIXTURES / "real"
FENCE = re.compile(r"^```(python|py|python3)\b")


def read_expected() -> tuple[dict[str, dict[str, Any]], dict[str, str], list[str]]:
    """The sidecar as {FILE:LINE: expectation}, {FILE:LINE: cause}, and the keys named twice."""
    tables = tomllib.loads((REAL / "expected.toml").read_text(encoding="utf-8"))
    expected: dict[str, dict[str, Any]] = {}
    causes: dict[str, str] = {}
    twice: list[str] = []
    for cause, blocks in tables.items():
        for place, value in blocks.items():
            if place in expected:
                twice.append(place)
            expected[place] = value if isinstance(value, dict) else {"status": value}
            causes[place] = cause
    return expected, causes, twice


EXPECTED, CAUSES, TWICE = read_expected()


def python_fences() -> list[str]:
    """FILE:LINE of every python fence opening in the fixture files."""
    places = []
    for path in sorted(REAL.rglob("*.md")):
        inside = False
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.startswith("```"):
                if not inside and FENCE.match(line):
                    places.append(f"{path.relative_to(REAL).as_posix()}:{n}")
                inside = not inside
    return places


@dataclass(frozen=True)
class Block:
    """One snippet of the built diary: its journal item and its stored result."""

    place: str  # FILE:LINE, relative to the diary
    id: str
    status: str
    error: str | None
    result: Mapping[str, Any]  # the stored result's JSON ({} if there is none)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Block]:
    """The fixture diary built once through the command line; its blocks by FILE:LINE."""
    tmp = tmp_path_factory.mktemp("real")
    shutil.copytree(REAL, tmp / "diary", ignore=shutil.ignore_patterns("expected.toml"))
    (tmp / "snippets").mkdir()
    done = run_build(tmp, "--diary", "diary", "--snippets", "snippets", "--out", "site", "--jobs", "2")
    assert done.returncode == 0, done.stderr
    journal = json.loads((tmp / "site" / "journal.json").read_text(encoding="utf-8"))
    blocks: dict[str, Block] = {}
    for entry in journal["entries"]:
        source = entry["source"].removeprefix("diary/")
        for s in entry["snippets"]:
            place = f"{source}:{s['line']}"
            blocks[place] = Block(place, s["id"], s["status"], s["error"], stored_result(tmp / "snippets", s["id"]))
    return blocks


def stored_result(snippets: Path, snippet_id: str) -> Mapping[str, Any]:
    """The stored result of a block (`snippets/results/<entry key>.json`, by snippet id), or {}."""
    path = snippets / "results" / (snippet_id.rsplit("-", 1)[0] + ".json")
    stored = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    result = stored.get("results", {}).get(snippet_id, {})
    return result if isinstance(result, dict) else {}


def test_the_sidecar_names_every_python_block_once() -> None:
    fences = python_fences()
    assert TWICE == [], f"named in two tables: {TWICE}"
    assert sorted(set(fences) - set(EXPECTED)) == [], "python blocks the sidecar lacks"
    assert sorted(set(EXPECTED) - set(fences)) == [], "sidecar keys that are no python fence's line"


def test_every_block_has_its_expected_status(built: dict[str, Block]) -> None:
    wrong: dict[str, str] = {}
    for place, want in EXPECTED.items():
        block = built.get(place)
        got = block.status if block else "(no such block in site/journal.json)"
        if got != want["status"]:
            error = f"  [{(block.error or '').splitlines()[0][:100]}]" if block and block.error else ""
            wrong[place] = f"{place} ({CAUSES[place]}): expected {want['status']}, got {got}{error}"
    unexpected = [f"{p}: a block the sidecar does not name" for p in sorted(set(built) - set(EXPECTED))]
    agree = len(EXPECTED) - len(wrong)
    by_cause: dict[str, list[int]] = {}
    for place, cause in CAUSES.items():
        counts = by_cause.setdefault(cause, [0, 0])
        counts[0] += place not in wrong
        counts[1] += 1
    summary = (f"statuses: {agree}/{len(EXPECTED)} agree ({agree / len(EXPECTED):.0%}); by cause: "
               + ", ".join(f"{cause} {ok}/{n}" for cause, (ok, n) in by_cause.items()))
    print(summary)
    if wrong or unexpected:
        pytest.fail("\n".join([summary, *wrong.values(), *unexpected]), pytrace=False)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def detail_mismatches(place: str, want: Mapping[str, Any], block: Block, ids: Mapping[str, str]) -> list[str]:
    """What the block's stored result says against the sidecar's other fields."""
    r = block.result
    found: list[str] = []

    def differ(field: str, expected: object, got: object) -> None:
        found.append(f"{place} ({CAUSES[place]}): {field}: expected {expected!r}, got {got!r}")

    error, note = _text(r.get("error")), _text(r.get("note"))
    if "error" in want and want["error"] not in error:
        differ("error contains", want["error"], error[:200])
    if "message" in want and want["message"] not in error + "\n" + note:
        differ("error or note contains", want["message"], (error + " | " + note)[:200])
    if "names" in want and sorted(r.get("names") or ()) != sorted(want["names"]):
        differ("names", sorted(want["names"]), r.get("names"))
    if "package" in want and r.get("package") != want["package"]:
        differ("package", want["package"], r.get("package"))
    if "blocked_by" in want and r.get("blocked_by") != ids.get(want["blocked_by"]):
        differ("blocked_by", f"{ids.get(want['blocked_by'])} ({want['blocked_by']})", r.get("blocked_by"))
    if "shown" in want:
        shown = r.get("shown")
        if (shown is None) if want["shown"] is True else shown != want["shown"]:
            differ("shown", want["shown"], shown)
    if "stdout" in want and want["stdout"] not in _text(r.get("stdout")):
        differ("stdout contains", want["stdout"], _text(r.get("stdout"))[:200])
    if "images" in want:
        images = sum(1 for o in r.get("outputs") or () if any(m.startswith("image/") for m in o.get("data", {})))
        if images != want["images"]:
            differ("images", want["images"], images)
    if want.get("note") and not note:
        differ("note", "a note", r.get("note"))
    return found


def test_results_say_why_they_have_their_status(built: dict[str, Block]) -> None:
    # Only blocks with the expected status: a wrong status is the test above's to report.
    ids = {place: block.id for place, block in built.items()}
    mismatches = []
    for place, want in EXPECTED.items():
        if place in built and built[place].status == want["status"]:
            mismatches += detail_mismatches(place, want, built[place], ids)
    if mismatches:
        pytest.fail(f"{len(mismatches)} results say something else:\n" + "\n".join(mismatches), pytrace=False)


STEP_FIELDS = {"line": int, "code": str, "pasted": str, "actual": str, "differs": bool}


def transcript_mismatches(place: str, want: Mapping[str, Any], steps: Any) -> list[str]:
    """A transcript's per-statement records against the sidecar and the diary's text."""
    if not isinstance(steps, list):
        return [f"{place}: transcript is {type(steps).__name__}, not a list"]
    found = []
    if len(steps) != want["statements"]:
        found.append(f"{place}: {len(steps)} statement records, expected {want['statements']}")
    path, fence_line = place.rsplit(":", 1)
    lines = (REAL / path).read_text(encoding="utf-8").splitlines()
    for n, step in enumerate(steps, start=1):
        wrong = [k for k, kind in STEP_FIELDS.items() if not isinstance(step.get(k), kind)]
        if wrong:
            found.append(f"{place}: statement {n} lacks or mistypes {wrong}: {step}")
            continue
        first = step["code"].splitlines()[0].strip() if step["code"].strip() else ""
        at = step["line"]
        if not (int(fence_line) < at <= len(lines) and first and first in lines[at - 1]):
            found.append(f"{place}: statement {n} {first!r} says line {at}, which holds "
                         f"{lines[at - 1] if 0 < at <= len(lines) else '(no such line)'!r}")
    if "differs" in want and steps and any(s.get("differs") for s in steps) != want["differs"]:
        differing = [(s.get("line"), s.get("pasted"), s.get("actual")) for s in steps if s.get("differs")]
        found.append(f"{place}: differs expected {want['differs']}, statements marked differing: {differing}")
    return found


def test_transcripts_carry_a_record_per_statement(built: dict[str, Block]) -> None:
    mismatches = []
    for place, want in EXPECTED.items():
        if "statements" in want and place in built:
            mismatches += transcript_mismatches(place, want, built[place].result.get("transcript", []))
    if mismatches:
        pytest.fail("\n".join(mismatches), pytrace=False)
