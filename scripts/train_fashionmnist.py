"""Train on Fashion-MNIST for one epoch (Capozzi et al. 2023, step 1).

    python scripts/train_fashionmnist.py --out runs/fashionmnist [--neurons 100]
"""

import sys

from _steps import train_main

if __name__ == "__main__":
    sys.exit(train_main("fashion-mnist"))
