"""Label and test a network trained on MNIST (Capozzi et al. 2023, step 2).

    python scripts/test_mnist.py --run runs/mnist [--label-samples N] [--test-samples N]
"""

import sys

from _steps import test_main

if __name__ == "__main__":
    sys.exit(test_main("mnist"))
