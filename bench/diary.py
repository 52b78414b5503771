"""A deterministic synthetic diary for the benchmark.

``python3 -m bench.diary OUT --entries N --snippets K --layout month|day [--seed S]``
writes ``OUT/diary/`` (N entries on consecutive days from 2022-01-01) and an
empty ``OUT/snippets/``. Each entry has about 250 words of mixed Russian and
English prose with ``$…$`` math, a list, a link to the day before, and K small
torch blocks of 5–50 ms each, the later ones using names the earlier ones
define, as a notebook would. Entry i is the same whatever N is, so a small
diary is a prefix of a big one.

`entry_blocks` gives an entry's code alone: the floor and the nbclient
measurements in `bench.run` run exactly what the diary holds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

START = dt.date(2022, 1, 1)

# Three recipes, each a chain of blocks; block k > len(chain) repeats the last
# block's continuation. The SGD recipe matters: the first optimizer step in a
# process imports torch._dynamo (about a second), which the floor pays once.
_MATMUL = (
    """import torch
torch.manual_seed({seed})
a = torch.randn({n}, {n})
b = torch.randn({n}, {n})
c = a @ b
for _ in range({r}):
    c = torch.tanh(c @ b / {n} ** 0.5)
print(c.shape, round(c.mean().item(), 4))""",
    """w = torch.randn({n}, {n}, requires_grad=True)
for _ in range({r}):
    loss = torch.tanh(c @ w).pow(2).mean()
    loss.backward()
print(round(loss.item(), 3), bool(w.grad.norm() > 0))""",
    """c = torch.relu(c @ b / {n} ** 0.5)
for _ in range({r}):
    c = torch.tanh(c @ b / {n} ** 0.5)
round(c.norm().item(), 2)""",
)
_LINEAR = (
    """import torch
from torch import nn
torch.manual_seed({seed})
layer = nn.Linear({d_in}, {d_out})
x = torch.randn({batch}, {d_in})
y = layer(x)
y.shape""",
    """target = torch.randn({batch}, {d_out})
loss = nn.functional.mse_loss(y, target)
loss.backward()
for _ in range({r}):
    nn.functional.mse_loss(layer(x), target).backward()
print(f"loss = {{loss.item():.4f}}", tuple(layer.weight.grad.shape))""",
    """for _ in range({r}):
    layer.zero_grad()
    loss = nn.functional.mse_loss(layer(x), target)
    loss.backward()
print(f"grad norm {{layer.weight.grad.norm().item():.3f}}")""",
)
_SGD = (
    """import torch
from torch import nn
torch.manual_seed({seed})
model = nn.Sequential(nn.Linear({features}, {hidden}), nn.ReLU(), nn.Linear({hidden}, 1))
X = torch.randn({samples}, {features})
y_true = X[:, :1] * 2 - 1
with torch.no_grad():
    for _ in range({r} * 5):
        out = model(X)
print(sum(p.numel() for p in model.parameters()), "parameters")""",
    """opt = torch.optim.SGD(model.parameters(), lr=0.05)
for step in range({steps}):
    opt.zero_grad()
    loss = ((model(X) - y_true) ** 2).mean()
    loss.backward()
    opt.step()
print(f"step {{step}}: loss {{loss.item():.4f}}")""",
    """for step in range({steps}):
    opt.zero_grad()
    loss = ((model(X) - y_true) ** 2).mean()
    loss.backward()
    opt.step()
loss.item() < 10""",
)
RECIPES = (_MATMUL, _LINEAR, _SGD)

_RU = (
    "Сегодня разбирался с тем, как автоград строит граф вычислений прямо во время прямого прохода.",
    "Оказалось, что тензор в PyTorch почти то же самое, что массив NumPy, только умеет считать градиенты.",
    "Долго не мог понять, почему функция потерь не уменьшается, пока не заметил слишком большой шаг обучения.",
    "Перечитал конспект лекции про обратное распространение ошибки и наконец понял правило цепочки.",
    "Попробовал поменять размер батча и посмотреть, как меняется шум в оценке градиента.",
    "Записываю сюда, чтобы не забыть: перед каждым шагом оптимизатора нужно обнулять градиенты.",
    "Нормализация входных данных заметно ускорила сходимость даже на такой маленькой модели.",
    "Завтра хочу сравнить обычный стохастический спуск с моментом и посмотреть на кривые обучения.",
    "Инициализация весов влияет сильнее, чем я думал: с нулями сеть вообще не учится.",
    "Полезно печатать форму каждого тензора, пока не привыкнешь к размерностям.",
    "Курс по машинному обучению от МФТИ идёт медленно, но каждая неделя даёт что-то новое.",
    "Матричное умножение на видеокарте быстрее, но для таких маленьких примеров процессора хватает.",
)
_EN = (
    "The key idea is that every operation records how to compute its own derivative.",
    "I rewrote the training loop from scratch to make sure I understand each line.",
    "Broadcasting rules still surprise me when one of the shapes has a trailing dimension of one.",
    "A tiny linear layer is enough to see how the weights move after a single optimizer step.",
    "Reading the documentation for nn.Module cleared up how parameters are registered.",
    "Mean squared error is a fine loss for regression, but classification wants cross-entropy.",
    "The learning rate schedule matters less than I expected on this toy problem.",
    "Gradient checking with finite differences confirmed that my manual backward pass was right.",
    "Detaching a tensor cuts it out of the graph, which is exactly what the target needs.",
    "Next time I want to try a small convolutional network on a synthetic image batch.",
)
_MATH = (
    r"$\nabla_w L = \frac{2}{n} X^T (X w - y)$",
    r"$L = \frac{1}{n} \sum_{i=1}^{n} (y_i - \hat{y}_i)^2$",
    r"$w_{t+1} = w_t - \eta \nabla L(w_t)$",
    r"$\sigma(x) = \frac{1}{1 + e^{-x}}$",
    r"$\tanh'(x) = 1 - \tanh^2(x)$",
)
_ITEMS = (
    "повторить **автоград** и `requires_grad`",
    "check the shapes after every `matmul`",
    "сравнить SGD и Adam на одной задаче",
    "read about weight decay",
    "нарисовать график функции потерь",
    "try a larger batch and compare the noise",
    "разобраться с `zero_grad()`",
    "write down the chain rule for two layers",
)
_TOPICS = ("автоград", "matmul", "линейный слой", "SGD", "функция потерь", "broadcasting", "инициализация", "backward")


@dataclass(frozen=True)
class SyntheticEntry:
    day: dt.date
    topic: str
    text: str  # the Markdown body, code included


def _rng(seed: int, index: int, part: str) -> random.Random:
    return random.Random(f"{seed}:{index}:{part}")  # str seeds are stable across runs


def entry_blocks(index: int, snippets: int, seed: int = 0) -> list[str]:
    """The code of entry ``index``'s blocks, in order."""
    rng = _rng(seed, index, "code")
    recipe = RECIPES[rng.randrange(len(RECIPES))]
    params = {
        "seed": index,
        "n": rng.choice((384, 448, 512)),
        "r": rng.choice((3, 4, 5)),
        "d_in": rng.choice((256, 512)),
        "d_out": rng.choice((32, 64)),
        "batch": rng.choice((4096, 8192)),
        "features": rng.choice((64, 128)),
        "samples": rng.choice((1024, 2048)),
        "hidden": rng.choice((64, 128)),
        "steps": rng.choice((20, 25, 30)),
    }
    blocks = [recipe[min(k, len(recipe) - 1)] for k in range(snippets)]
    return [block.format(**params) for block in blocks]


def make_entry(index: int, snippets: int, seed: int = 0) -> SyntheticEntry:
    """Entry ``index`` (day ``START + index``): about 250 words of prose around its blocks."""
    rng = _rng(seed, index, "text")
    day = START + dt.timedelta(days=index)
    topic = rng.choice(_TOPICS)
    paragraphs: list[str] = []
    words = 0
    while words < 200:
        pool = _RU if rng.random() < 0.6 else _EN
        sentences = [rng.choice(pool) for _ in range(rng.randint(3, 5))]
        if not paragraphs:
            sentences.insert(1, f"Формула дня: {rng.choice(_MATH)}, и она объясняет весь шаг.")
        if index and len(paragraphs) == 1:
            sentences.append(f"See also [[{(day - dt.timedelta(days=1)).isoformat()}]].")
        paragraph = " ".join(sentences)
        words += len(paragraph.split())
        paragraphs.append(paragraph)
    items = "\n".join(f"- {item}" for item in rng.sample(_ITEMS, 4))
    blocks = [f"```python\n{code}\n```" for code in entry_blocks(index, snippets, seed)]
    parts = [paragraphs[0], "План на завтра / plan:", items]
    for k, block in enumerate(blocks):
        parts.append(block)
        if k + 1 < len(paragraphs):
            parts.append(paragraphs[k + 1])
    parts.extend(paragraphs[len(blocks) + 1 :])
    return SyntheticEntry(day, topic, "\n\n".join(parts) + "\n")


def write_diary(out: Path, entries: int, snippets: int, layout: str, seed: int = 0) -> Path:
    """Write ``out/diary`` and an empty ``out/snippets``; return the diary folder."""
    diary = out / "diary"
    if diary.exists():
        shutil.rmtree(diary)
    diary.mkdir(parents=True)
    (out / "snippets").mkdir(exist_ok=True)
    months: dict[str, list[str]] = {}
    for i in range(entries):
        e = make_entry(i, snippets, seed)
        if layout == "day":
            path = diary / f"{e.day:%Y}" / f"{e.day:%m}" / f"{e.day:%d}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"# {e.topic}\n\n{e.text}", encoding="utf-8")
        else:
            months.setdefault(f"{e.day:%Y-%m}", []).append(f"## {e.day:%d.%m.%Y}\n\n{e.text}")
    for month, sections in months.items():
        (diary / f"{month}.md").write_text("\n".join(sections), encoding="utf-8")
    return diary


def entry_path(diary: Path, layout: str, index: int) -> tuple[Path, str]:
    """The file holding entry ``index`` and the heading line its text starts under."""
    day = START + dt.timedelta(days=index)
    if layout == "day":
        path = diary / f"{day:%Y}" / f"{day:%m}" / f"{day:%d}.md"
        return path, path.read_text(encoding="utf-8").split("\n", 1)[0]
    return diary / f"{day:%Y-%m}.md", f"## {day:%d.%m.%Y}"


def edit_entry(diary: Path, layout: str, index: int, kind: str, mark: int) -> None:
    """Edit entry ``index`` as an author would: ``text`` adds a sentence, ``code`` changes a seed.

    ``mark`` makes each edit differ from the ones before, so each one counts.
    """
    path, heading = entry_path(diary, layout, index)
    text = path.read_text(encoding="utf-8")
    start = text.index(heading + "\n") + len(heading) + 1
    if kind == "text":
        text = f"{text[:start]}\nПравка {mark}: перечитал запись и добавил фразу.\n{text[start:]}"
    elif kind == "code":
        seed = re.compile(r"torch\.manual_seed\(\d+\)")
        found = seed.search(text, start)
        assert found is not None, f"{path}: no block to edit in entry {index}"
        text = f"{text[: found.start()]}torch.manual_seed({100_000 * (mark + 1) + index}){text[found.end():]}"
    else:
        raise ValueError(f"edit kind must be text or code, not {kind!r}")
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python3 -m bench.diary", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write diary/ and snippets/ into")
    parser.add_argument("--entries", type=int, default=100)
    parser.add_argument("--snippets", type=int, default=2, help="python blocks per entry")
    parser.add_argument("--layout", choices=("month", "day"), default="month")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    diary = write_diary(args.out, args.entries, args.snippets, args.layout, args.seed)
    print(f"wrote {args.entries} entries × {args.snippets} snippets ({args.layout} layout) to {diary}")


if __name__ == "__main__":
    main()
