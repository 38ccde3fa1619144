#!/bin/bash
# Sequential as-published runs: MNIST, Fashion-MNIST, CIFAR-10, seeds 0-2 each.
export PYTHONPATH=/work/runs-capozzi/src DIEHLSIM_BUILD_DIR=/work/builds-capozzi DIEHLSIM_DATA=/work/shared/data
cd /work/runs-capozzi; git -C /work/wt-capozzi rev-parse HEAD; PYTHONPATH=/work/runs-capozzi/src /work/wt-capozzi/.venv/bin/python -c "import diehlsim; print(diehlsim.__file__)"
for d in mnist fashion-mnist cifar10; do
  for s in 0 1 2; do
    echo "=== $d seed $s $(date -u +%H:%M:%S)"
    /usr/bin/time -f "wall %e s" nice -n 10 /work/wt-capozzi/.venv/bin/diehlsim reproduce capozzi2023 --as-published \
      --datasets $d --seed $s --analysis-samples 1 --out /work/runs-capozzi/s$s
    echo "=== done $d seed $s $(date -u +%H:%M:%S)"
  done
done
