"""The CI workflows users copy: valid YAML that runs the check on CPU, caches results, publishes pages."""

from __future__ import annotations

import re
from typing import Any

import yaml  # type: ignore[import-untyped, unused-ignore]

from tests.conftest import ROOT


def sharded_workflow() -> dict[str, Any]:
    """The matrix example in docs/ci.md."""
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
    data: dict[str, Any] = yaml.safe_load(block)
    return data


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = job["steps"]
    return found


def commands(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in steps(job))


def uses(job: dict[str, Any]) -> set[str]:
    return {str(step["uses"]).split("@")[0] for step in steps(job) if "uses" in step}


def test_the_ready_workflow_checks_caches_and_publishes() -> None:
    flow = yaml.safe_load((ROOT / "examples" / "github-workflow.yml").read_text(encoding="utf-8"))
    check, deploy = flow["jobs"]["check"], flow["jobs"]["deploy"]
    assert "download.pytorch.org/whl/cpu" in commands(check)
    assert re.search(r"^build-site check --device cpu --junit report\.xml$", commands(check), re.MULTILINE)
    cached = [s for s in steps(check) if str(s.get("uses", "")).startswith("actions/cache")]
    assert cached and all(s["with"]["path"] == "snippets/results" for s in cached)
    assert "actions/upload-pages-artifact" in uses(check) and "actions/deploy-pages" in uses(deploy)
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}


def test_the_matrix_example_covers_every_shard_and_merges_them() -> None:
    flow = sharded_workflow()
    check, site = flow["jobs"]["check"], flow["jobs"]["site"]
    shards = check["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, len(shards) + 1))
    assert f"--shard ${{{{ matrix.shard }}}}/{len(shards)}" in commands(check)
    assert "actions/download-artifact" in uses(site) and "build-site check" in commands(site)
    assert flow["jobs"]["deploy"]["needs"] == "site"


def merge_script() -> str:
    """The shell lines docs/ci.md gives for merging the shards' results."""
    (step,) = [s for s in steps(sharded_workflow()["jobs"]["site"]) if s.get("name") == "Merge the shards' results"]
    return str(step["run"])
