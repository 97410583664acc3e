#!/usr/bin/env python3
"""A policy of R rules for scripts/bench.sh's compile-time target (compiling 10R rules must
cost at most 10 times compiling R). Each rule has two requires and a let, in the style of a
hand-written pack, over a one-object fact file.

    gen_rules.py R --out FILE
"""
import argparse

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("rules", type=int)
ap.add_argument("--out", required=True)
args = ap.parse_args()
with open(args.out, "w", encoding="utf-8") as f:
    f.write(f"policy generated \"{args.rules} generated rules\"\n\n")
    for i in range(args.rules):
        f.write(
            f"rule r{i:06} {{\n"
            f"  controls A.8.{9 + i % 20}\n"
            f"  let limit_{i} = {i % 97}\n"
            f"  require enabled == true else \"rule {i}: not enabled\"\n"
            f"  require limit_{i} >= 0 and name != \"{i}\" else \"rule {i}: limit\"\n"
            f"}}\n\n"
        )
