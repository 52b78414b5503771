"""On a machine with CUDA: entry processes forked from the worker can use the GPU.

The worker imports torch without initialising CUDA, so each entry's process
initialises it itself after the fork. Skipped where there is no CUDA.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.execute import execute_entries
from generator.execute.environment import resolve_device
from generator.model import Status
from tests.execute.conftest import TODAY, make_entry, settings_for

pytestmark = pytest.mark.skipif(resolve_device("auto") != "cuda", reason="needs CUDA")

GPU_ENTRY = """
    ```python
    import torch
    x = torch.ones(3, device=device)
    print(x.sum().item(), x.device.type, torch.cuda.is_available())
    ```

    ```python gpu
    y = torch.ones(2).cuda() * 2
    y.sum().item()
    ```
    """


def test_entries_run_on_the_gpu_in_parallel(tmp_path: Path) -> None:
    entries = [make_entry("2022-05-01", GPU_ENTRY), make_entry("2022-05-02", GPU_ENTRY)]
    report = execute_entries(entries, settings_for(tmp_path, jobs=2), today=TODAY)
    for key in ("2022-05-01", "2022-05-02"):
        first, second = report.results[f"{key}-1"], report.results[f"{key}-2"]
        assert first.status is Status.PASSED, first
        assert first.stdout == "3.0 cuda True\n"
        assert first.device == "cuda"
        assert second.status is Status.PASSED and second.shown == "4.0", second


def test_device_cpu_hides_the_gpu(tmp_path: Path) -> None:
    report = execute_entries([make_entry("2022-05-03", GPU_ENTRY)], settings_for(tmp_path, device="cpu"), today=TODAY)
    first, second = report.results["2022-05-03-1"], report.results["2022-05-03-2"]
    assert first.status is Status.PASSED and first.stdout == "3.0 cpu False\n"
    assert second.status is Status.NEEDS_GPU


def test_unmarked_cuda_code_hidden_from_the_gpu_is_needs_gpu(tmp_path: Path) -> None:
    entry = make_entry("2022-05-04", "```python\nimport torch\ntorch.ones(3).cuda()\n```\n")
    report = execute_entries([entry], settings_for(tmp_path, device="cpu"), today=TODAY)
    result = report.results["2022-05-04-1"]
    assert result.status is Status.NEEDS_GPU, result


def test_the_memory_limit_holds_with_cuda(tmp_path: Path) -> None:
    entry = make_entry(
        "2022-05-05",
        """
        ```python
        import torch
        on_gpu = torch.ones(2**28, device="cuda")  # 1 GB on the GPU is not host memory
        hoard = [bytearray(2**20) for _ in range(3_000)]
        ```

        ```python
        print(on_gpu.sum().item())
        ```
        """,
    )
    report = execute_entries([entry], settings_for(tmp_path, memory_limit_mb=300), today=TODAY)
    bomb = report.results["2022-05-05-1"]
    assert bomb.status is Status.CRASHED, bomb
    assert report.results["2022-05-05-2"].stdout == f"{2.0**28}\n"
