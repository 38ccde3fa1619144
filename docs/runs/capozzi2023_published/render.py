"""Fill the results of docs/capozzi2023.md and the section of docs/results.md from
summary.csv and labelling.tsv."""
import pandas as pd
R = "/work/wt-capozzi/docs/runs/capozzi2023_published"
df = pd.read_csv(f"{R}/summary.csv")
lab = pd.read_csv(f"{R}/labelling.tsv", sep="\t", names=["dataset", "seed", "labels", "full", "first"])
paper = {"mnist": 72, "fashion-mnist": 46, "cifar10": 9}
titles = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10 (grey)"}
order = [d for d in paper if d in set(df.dataset)]

def ms(v):
    v = 100 * v
    vals = " / ".join(f"{x:.2f}" for x in v)
    return (f"{v.mean():.2f} +- {v.std(ddof=1):.2f} ({vals})" if len(v) > 1 else f"{v.iloc[0]:.2f}")

rows = ["| dataset | theirs (first N) | seeds | **ours, first N (%)** | ours, full test set (%) | proportion vote, full (%) | silent test images | spikes per test image | empty Table 2 classes (per seed) |",
        "|---|---|---|---|---|---|---|---|---|"]
for d in order:
    g = df[df.dataset == d].sort_values("seed")
    empty = "; ".join(e if isinstance(e, str) and e else "none" for e in g.empty_classes)
    rows.append(f"| {titles[d]} | {paper[d]} % (N = {g.n.iloc[0]:,}) | {', '.join(map(str, g.seed))} | **{ms(g.all_n)}** | {ms(g['all'])} | {ms(g.prop)} | {g.silent.mean():.0f} | {g.spikes.mean():.1f} | {empty} |")
results_table = "\n".join(rows)

lrows = ["| dataset | labels | seeds | full test set | first N |", "|---|---|---|---|---|"]
for d in order:
    for name in ["their block sums", "last 10k (mean per class)", "last block of 250"]:
        g = lab[(lab.dataset == d) & (lab.labels == name)]
        f = lambda c: (f"{g[c].mean():.2f} +- {g[c].std(ddof=1):.2f}" if len(g) > 1 else f"{g[c].iloc[0]:.2f}")
        lrows.append(f"| {titles[d]} | {name} | {len(g)} | {f('full')} | {f('first')} |")
labelling_table = "\n".join(lrows)

fe = df[df.dataset == "fashion-mnist"]
cf = df[df.dataset == "cifar10"]
empties = []
for d, g in (("Fashion-MNIST", fe), ("CIFAR-10", cf)):
    for _, r in g.iterrows():
        e = r.empty_classes if isinstance(r.empty_classes, str) and r.empty_classes else "none"
        empties.append(f"{d} seed {r.seed}: classes {e}")
tmpl = open("/work/runs-capozzi/results_template.md").read()
out = (tmpl.replace("RESULTS_TABLE", results_table).replace("LABELLING_TABLE", labelling_table)
       .replace("FASHION_EMPTY", "; ".join(empties)))
open("/work/wt-capozzi/docs/capozzi2023.md", "w").write(open("/work/runs-capozzi/capozzi_base.md").read() + out)
open("/work/runs-capozzi/results_table.md", "w").write(results_table + "\n\n" + labelling_table + "\n")
print(results_table); print(); print(labelling_table)

# ---- docs/results.md section
def mean(d, col, src=df):
    return 100 * src[src.dataset == d][col].mean()
def lmean(d, name, col):
    g = lab[(lab.dataset == d) & (lab.labels == name)]
    return g[col].mean()
dc = {"mnist": ("80.09 +- 1.32 (5 seeds)", 80.09), "fashion-mnist": ("65.53 +- 1.15 (3 seeds)", 65.53),
      "cifar10": ("16.86 (seed 0, raw pixels); 24.19 +- 0.58 with `--input-transform standardise` (3 seeds)", 16.86)}
side = ["| dataset | Capozzi et al. (their code, first N test images) | their network and protocol here, first N | the same, full test set | the same, labels from the last 10,000 training images, full test set | Diehl & Cook network and protocol here, full test set (above) |",
        "|---|---|---|---|---|---|"]
for d in order:
    g = df[df.dataset == d]
    n = len(g)
    side.append(f"| {titles[d]} | {paper[d]} % (N = {g.n.iloc[0]:,}) | **{ms(g.all_n)}** | {ms(g['all'])} | {lmean(d, 'last 10k (mean per class)', 'full'):.2f} ({n} seed{'s' if n > 1 else ''}) | {dc[d][0]} |")
parts = []
for d in order:
    n = len(df[df.dataset == d])
    subset = mean(d, "all") - mean(d, "all_n")
    labelling = lmean(d, "last 10k (mean per class)", "full") - mean(d, "all")
    rest = dc[d][1] - lmean(d, "last 10k (mean per class)", "full")
    parts.append(f"| {titles[d]} | {n} | {subset:+.2f} | {labelling:+.2f} | {rest:+.2f} |")
decomp = "\n".join(["| dataset | seeds | full test set minus first N | labels from the last 10,000 training images minus their block sums (full test set) | Diehl & Cook protocol minus their protocol with those labels |", "|---|---|---|---|---|", *parts])
section = open("/work/runs-capozzi/results_md_template.md").read().replace("SIDE_TABLE", "\n".join(side)).replace("DECOMP_TABLE", decomp)
res = open("/work/wt-capozzi/docs/results.md").read()
start = res.find("## Capozzi et al. (2023) as published")
anchor = "## Diehl & Cook (2015), 100 neurons, the paper's schedule"
if start >= 0:
    end = res.index(anchor)
    res = res[:start] + section + res[end:]
else:
    res = res.replace(anchor, section + anchor, 1)
open("/work/wt-capozzi/docs/results.md", "w").write(res)
print(section)
