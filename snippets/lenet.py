"""Setup for diary fragments about LeNet-5 (```python setup=lenet```).

Defines ``net`` (LeNet-5 for 1×32×32 images, 10 classes), a seeded batch
``data`` of 8 images with class indices ``target``, and ``criterion``
(cross-entropy), so a fragment such as ``loss = criterion(net(data), target)``
runs and shows a real loss.
"""

import torch
import torch.nn.functional as F
from torch import nn


class LeNet(nn.Module):
    """LeCun et al. (1998): two convolutions with pooling, then three linear layers."""

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5)  # 1×32×32 -> 6×28×28
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)  # 6×14×14 -> 16×10×10
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # -> 6×14×14
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # -> 16×5×5
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


torch.manual_seed(0)
net = LeNet()
data = torch.randn(8, 1, 32, 32)
target = torch.randint(0, 10, (8,))
criterion = nn.CrossEntropyLoss()
