"""Import names to pip distributions, and the summary line of the missing ones."""

from __future__ import annotations

import pytest

from generator.model import Result, Status
from generator.packages import DISTRIBUTIONS, distribution, needs_package_line


def missing(module: str) -> Result:
    return Result(Status.NEEDS_PACKAGE, package=module)


@pytest.mark.parametrize("module, dist", [
    ("cv2", "opencv-python"), ("sklearn", "scikit-learn"), ("PIL", "Pillow"), ("yaml", "PyYAML"),
    ("mpl_toolkits", "matplotlib"), ("google.protobuf", "protobuf"), ("sklearn.metrics", "scikit-learn"),
    ("torchvision", "torchvision"), ("torch_geometric", "torch_geometric"), ("google", "google"),
])
def test_distribution(module: str, dist: str) -> None:
    assert distribution(module) == dist


def test_the_table_holds_only_names_that_differ() -> None:
    def normal(name: str) -> str:
        return name.replace("_", "-").replace(".", "-").lower()

    assert all(normal(module) != normal(dist) for module, dist in DISTRIBUTIONS.items())


def test_needs_package_line_counts_by_distribution_most_first() -> None:
    results = [missing("torchvision"), missing("fastai"), missing("torchvision"), Result(Status.PASSED),
               Result(Status.FAILED, package="ignored")]
    assert needs_package_line(results) == "3 blocks need packages: torchvision (2), fastai (1); pip install torchvision fastai"


def test_needs_package_line_names_the_distribution_where_it_differs() -> None:
    assert needs_package_line([missing("cv2")]) == "1 block needs a package: cv2 → opencv-python (1); pip install opencv-python"
    assert needs_package_line([missing("b"), missing("a"), missing("PIL"), missing("PIL")]) == (
        "4 blocks need packages: PIL → Pillow (2), a (1), b (1); pip install Pillow a b"
    )
    assert needs_package_line([missing("timm"), missing("timm")]) == "2 blocks need a package: timm (2); pip install timm"


def test_no_line_without_missing_packages() -> None:
    assert needs_package_line([]) is None
    assert needs_package_line([Result(Status.PASSED), Result(Status.NEEDS_PACKAGE)]) is None
