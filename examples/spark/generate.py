#!/usr/bin/env python3
"""Write N fact documents for the Spark example, deterministically.

Each document is one of the repository's own example or corpus files (an ML pipeline fact
document, a Kubernetes manifest, a CloudFormation template) with seeded text mutations that
plant the problems a real estate of pipelines has: an admin without MFA, a weak cipher, a
public bucket, an unpinned image, a missing owner. Mutations work on the text, line by line,
so the output keeps the hand-written layout (and the line numbers stay meaningful), and every
replacement swaps one scalar for another of the same shape, so each document stays valid YAML.

Same N and seed, same bytes: only `random.Random(seed)` decides, and files are written in
order. Standard library only, so it runs before any virtual environment exists.

    python3 examples/spark/generate.py --out target/spark/docs --count 10000
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# (kind, weight, base files). Weights give a mix like a platform team's repositories: mostly
# pipeline fact documents, then the manifests and templates that deploy them.
BASES: list[tuple[str, int, list[str]]] = [
    (
        "pipeline",
        55,
        [
            "examples/compliant/ml-pipeline.yaml",
            "examples/pipelines/fraud-tabular.yaml",
            "examples/pipelines/llm-finetune-vendor.yaml",
            "examples/pipelines/vision-open-data.yaml",
        ],
    ),
    (
        "k8s",
        30,
        [
            "examples/repo/k8s/serving.yaml",
            "examples/repo/k8s/monitoring.yaml",
            "examples/repo/k8s/training-job.yaml",
            "tests/corpus/real/kserve/s3-secret-and-serviceaccount.yaml",
            "tests/corpus/real/kserve/clusterservingruntime-sklearnserver-hardened.yaml",
            "tests/corpus/real/argo/artifact-repositories-configmap-minio-insecure.yaml",
            "tests/corpus/real/kubeflow/kfp-k8s-security-context-platform-spec.yaml",
        ],
    ),
    (
        "cfn",
        15,
        [
            "examples/repo/infra/notebook.yaml",
            "tests/corpus/real/sagemaker/cfn-sagemaker-notebook-kms-and-wildcard-role.yaml",
            "tests/corpus/real/iam/cfn-sagemaker-multitenant-iam-roles.yaml",
        ],
    ),
]

# (pattern, replacement, probability per matching line). A replacement of None deletes the
# line; only lines that are a plain `key: value` member (no `- ` item marker) are deleted, so
# the mapping around them stays well formed.
Mutation = tuple[re.Pattern[str], str | None, float]


def _m(pattern: str, replacement: str | None, p: float) -> Mutation:
    return (re.compile(pattern), replacement, p)


MUTATIONS: dict[str, list[Mutation]] = {
    "pipeline": [
        _m(r"mfa: true", "mfa: false", 0.08),
        _m(r"algorithm: AES-256(-GCM)?\b", "algorithm: 3DES", 0.04),
        _m(r"public: false", "public: true", 0.03),
        _m(r"pinned: true", "pinned: false", 0.08),
        _m(r"scanned: true", "scanned: false", 0.05),
        _m(r"region: eu-west-1", "region: us-east-1", 0.04),
        _m(r'version: "1\.3"', 'version: "1.0"', 0.05),
        _m(r"approved: true", "approved: false", 0.04),
        _m(r"segregated: true", "segregated: false", 0.03),
        _m(r"immutable: true", "immutable: false", 0.05),
        _m(r"serialization: onnx", "serialization: pickle", 0.1),
        _m(r"^( +)owner: .*$", None, 0.08),
        _m(r"^( +)retention: .*$", None, 0.05),
        # An absent classification leaves the filters on it undecided: an evidence gap.
        _m(r"^( +)classification: .*$", None, 0.04),
    ],
    "k8s": [
        _m(r"privileged: false", "privileged: true", 0.2),
        _m(r"privileged: true", "privileged: false", 0.3),
        _m(r"runAsNonRoot: true", "runAsNonRoot: false", 0.2),
        _m(r"readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", 0.2),
        _m(r"allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true", 0.2),
        _m(r"(image: \S+):latest\b", r"\1:1.4.2", 0.5),
    ],
    "cfn": [
        _m(r'Action: "\*"', 'Action: "s3:GetObject"', 0.3),
        _m(r"Status: Enabled", "Status: Suspended", 0.2),
        _m(r"^( +)KmsKeyId: .*$", None, 0.2),
    ],
}

FILE_STEM = {"pipeline": "pipeline", "k8s": "deploy", "cfn": "stack"}


def mutate(text: str, kind: str, rng: random.Random) -> str:
    """Apply the kind's mutations line by line, each with its probability."""
    out: list[str] = []
    for line in text.split("\n"):
        keep = True
        for pattern, replacement, p in MUTATIONS[kind]:
            if not pattern.search(line):
                continue
            # Draw only on a match: the stream of draws then depends on the base text alone.
            if rng.random() >= p:
                continue
            if replacement is None:
                if not line.lstrip().startswith("- "):
                    keep = False
            else:
                line = pattern.sub(replacement, line, count=1)
        if keep:
            out.append(line)
    return "\n".join(out)


def rename(text: str, kind: str, tag: str) -> str:
    """Give the document its own identity, so findings differ by more than the file name."""
    if kind == "pipeline":
        # The pipeline's own name is the first `  name:` line (two spaces: under `pipeline:`).
        return re.sub(r"^(  name: )(\S+)", rf"\g<1>\g<2>-{tag}", text, count=1, flags=re.M)
    if kind == "k8s":
        return re.sub(r"^(  name: )(\S+)", rf"\g<1>\g<2>-{tag}", text, count=1, flags=re.M)
    return text


def generate(out: Path, count: int, seed: int, teams: int) -> dict[str, int]:
    """Write `count` documents under `out` (emptied first); return the count per kind."""
    rng = random.Random(seed)
    bases = [(kind, weight, [(REPO / p).read_text(encoding="utf-8") for p in paths])
             for kind, weight, paths in BASES]
    kinds = [kind for kind, _, _ in bases]
    weights = [weight for _, weight, _ in bases]
    texts = {kind: files for kind, _, files in bases}
    if out.exists():
        shutil.rmtree(out)
    counts = {kind: 0 for kind in kinds}
    for i in range(count):
        kind = rng.choices(kinds, weights)[0]
        base = rng.randrange(len(texts[kind]))
        team = rng.randrange(teams)
        tag = f"t{team:03d}-{i:05d}"
        header = f"# generated: team {team:03d}, document {i:05d}, base {kind}/{base}, seed {seed}\n"
        body = rename(mutate(texts[kind][base], kind, rng), kind, tag)
        path = out / f"team-{team:03d}" / f"{FILE_STEM[kind]}-{i:05d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header + body, encoding="utf-8")
        counts[kind] += 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to (re)create")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=27001)
    parser.add_argument("--teams", type=int, default=100)
    args = parser.parse_args()
    if args.count < 1 or args.teams < 1:
        parser.error("--count and --teams must be positive")
    counts = generate(args.out, args.count, args.seed, args.teams)
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    print(f"generated {args.count} documents in {args.out}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
