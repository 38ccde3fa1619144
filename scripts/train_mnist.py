"""Train on MNIST for one epoch (Capozzi et al. 2023, step 1).

    python scripts/train_mnist.py --out runs/mnist [--neurons 100] [--device cpp_standalone]
"""

import sys

from _steps import train_main

if __name__ == "__main__":
    sys.exit(train_main("mnist"))
