"""Label and test a network trained on CIFAR-10 (gray, 32x32) (Capozzi et al. 2023, step 2).

    python scripts/test_cifar10.py --run runs/cifar10 [--label-samples N] [--test-samples N]
"""

import sys

from _steps import test_main

if __name__ == "__main__":
    sys.exit(test_main("cifar10"))
