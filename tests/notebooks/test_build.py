"""A diary mixing Markdown and a notebook, built and checked through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from tests.conftest import build_copy, run_build

DIARY = Path(__file__).resolve().parent / "fixtures" / "diary"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("nb-build")
    done = build_copy(tmp, "--lang", "en", diary=DIARY)
    assert done.returncode == 0, done.stderr
    return tmp


def test_the_notebook_is_an_entry_in_its_place_with_statuses_and_image(built: Path) -> None:
    journal = json.loads((built / "site" / "journal.json").read_text(encoding="utf-8"))
    notebook = [e for e in journal["entries"] if e["source"].endswith(".ipynb")]
    assert len(notebook) == 1
    dates = [e["date"] for e in journal["entries"]]
    assert dates == sorted(dates) and dates[0] < notebook[0]["date"] < dates[-1]
    statuses = [s["status"] for s in notebook[0]["snippets"]]
    assert "passed" in statuses and "failed" in statuses
    page = (built / "site" / notebook[0]["url"]).read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in page and "<math" in page
    timeline = (built / "site" / "timeline.html").read_text(encoding="utf-8")
    assert f'data-date="{notebook[0]["date"]}"' in timeline


def test_downloads_are_valid_notebooks(built: Path) -> None:
    site = built / "site"
    downloads = sorted(site.glob("entries/*.ipynb")) + sorted(site.glob("months/*.ipynb"))
    assert downloads
    for path in downloads:
        nbformat.validate(nbformat.reads(path.read_text(encoding="utf-8"), as_version=4))
    for page in site.glob("entries/*.html"):
        if 'class="downloads"' in page.read_text(encoding="utf-8"):
            assert page.with_suffix(".ipynb").is_file() and page.with_suffix(".py").is_file()


def test_check_reports_the_failing_cell(built: Path) -> None:
    done = run_build(built, "check")
    assert done.returncode == 1
    failing = [line for line in done.stdout.splitlines() if ".ipynb:" in line and ": failed:" in line]
    assert failing and "NameError" in failing[0]
