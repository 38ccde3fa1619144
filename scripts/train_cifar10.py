"""Train on CIFAR-10 (gray, 32x32) for one epoch (Capozzi et al. 2023, step 1).

    python scripts/train_cifar10.py --out runs/cifar10 [--neurons 100] [--device cpp_standalone]
                                    [--input-transform standardise]
"""

import sys

from _steps import train_main

if __name__ == "__main__":
    sys.exit(train_main("cifar10"))
