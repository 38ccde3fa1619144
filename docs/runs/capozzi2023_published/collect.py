"""Copy the small result files of the as-published runs into docs/runs/capozzi2023_published/
and print mean +- sd per dataset."""
import json, shutil, sys
from pathlib import Path
import numpy as np
src, dst = Path("/work/runs-capozzi"), Path("/work/wt-capozzi/docs/runs/capozzi2023_published")
rows = []
for seed_dir in sorted(src.glob("s[0-9]")):
    seed = int(seed_dir.name[1:])
    for ds in ("mnist", "fashion-mnist", "cifar10"):
        d = seed_dir / ds
        if not (d / "run" / "metrics.json").exists() or not (d / "table2.csv").exists():
            continue
        out = dst / f"{ds}_s{seed}"
        out.mkdir(parents=True, exist_ok=True)
        for name in ("run/metrics.json", "run/config.json", "run/train_log.csv", "run/timing.json",
                     "table2.csv", "capozzi_table.csv"):
            if (d / name).exists():
                shutil.copy(d / name, out / Path(name).name)
        m = json.loads((d / "run" / "metrics.json").read_text())
        # runs made before the count was fixed wrote n // 250; the blocks used are 250..n-1
        n_train = json.loads((d / "run" / "config.json").read_text())["settings"]["train_images"]
        m["n_label_blocks"] = len(range(250, int(n_train), 250))
        (out / "metrics.json").write_text(json.dumps(m, indent=2, sort_keys=True) + "\n")
        t2 = __import__("pandas").read_csv(d / "capozzi_table.csv")
        rows.append(dict(dataset=ds, seed=seed, all=m["accuracy_all"], prop=m["accuracy_proportion"],
                         all_n=m["accuracy_all_published_n"], n=m["published_n"],
                         silent=m["silent_test_images"], spikes=m["mean_test_spikes"],
                         empty_classes=",".join(str(c) for c in t2.loc[t2.n_spiked == 0, "class"])))
import pandas as pd
df = pd.DataFrame(rows)
print(df.to_string(index=False))
if len(df):
    g = df.groupby("dataset")[["all", "prop", "all_n"]].agg(["mean", "std"])
    print((100 * g).round(2).to_string())
    print(df.groupby("dataset").size().to_string())
    df.to_csv(dst / "summary.csv", index=False)
