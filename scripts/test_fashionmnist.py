"""Label and test a network trained on Fashion-MNIST (Capozzi et al. 2023, step 2).

    python scripts/test_fashionmnist.py --run runs/fashionmnist [--test-samples N]
"""

import sys

from _steps import test_main

if __name__ == "__main__":
    sys.exit(test_main("fashion-mnist"))
