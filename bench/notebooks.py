"""The Jupyter Book / Quarto method: one fresh kernel per entry, through nbclient.

``python3 bench/notebooks.py BLOCKS.json --entries M`` runs M entries spread
evenly over the file, each as an nbformat notebook of its code cells executed
by ``nbclient.NotebookClient(nb, kernel_name="python3").execute()`` (kernel
start, ``import torch`` again, the cells, shutdown), and prints a JSON object
with every entry's wall time. A cell that raises fails the process.
"""

import argparse
import json
import tempfile
import time

import nbformat
from nbclient import NotebookClient


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("blocks")
    parser.add_argument("--entries", type=int, default=10)
    args = parser.parse_args()
    with open(args.blocks, encoding="utf-8") as stream:
        entries = json.load(stream)
    m = min(args.entries, len(entries))
    picked = [i * len(entries) // m for i in range(m)]
    seconds = []
    with tempfile.TemporaryDirectory(prefix="bench-nb-") as workdir:
        for i in picked:
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code) for code in entries[i]])
            client = NotebookClient(nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": workdir}})
            started = time.perf_counter()
            client.execute()
            seconds.append(time.perf_counter() - started)
            errors = [o for cell in nb.cells for o in cell.outputs if o.get("output_type") == "error"]
            if errors:
                raise SystemExit(f"entry {i}: {errors[0]['ename']}: {errors[0]['evalue']}")
    print(json.dumps({"entries": picked, "seconds": seconds}))


if __name__ == "__main__":
    main()
