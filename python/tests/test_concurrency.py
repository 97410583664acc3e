"""One Engine shared by many threads, with the GIL released while it works."""

from __future__ import annotations

import pathlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import annexa

from conftest import NOW_SECONDS
from policies import BUCKETS


def test_eight_threads_sharing_one_engine_get_identical_reports(in_root: pathlib.Path) -> None:
    engine = annexa.Engine(policies=["examples/policies"], now=NOW_SECONDS)
    expected = engine.check_files(["examples/facts/pipeline.yaml"]).to_json()
    barrier = threading.Barrier(8)

    def work(_: int) -> list:
        barrier.wait()
        return [engine.check_files(["examples/facts/pipeline.yaml"]).to_json() for _ in range(5)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        outputs = [out for batch in pool.map(work, range(8)) for out in batch]
    assert len(outputs) == 40
    assert all(out == expected for out in outputs)


def big_facts(n: int) -> str:
    lines = ["buckets:"]
    for i in range(n):
        lines.append(f"  - name: b{i}\n    encrypted: {'true' if i % 7 else 'false'}")
    return "\n".join(lines) + "\n"


def test_the_gil_is_released_during_a_check() -> None:
    engine = annexa.Engine(sources={"s.policy": BUCKETS}, params={"max_buckets": 10**9})
    text = big_facts(200_000)
    done = threading.Event()
    ticks = 0
    report_holder = []

    def check() -> None:
        try:
            report_holder.append(engine.check_text(text, name="big.yaml"))
        finally:
            done.set()

    worker = threading.Thread(target=check)
    # count only while the check runs: a check holding the GIL would leave this loop still
    start = time.perf_counter()
    worker.start()
    while not done.is_set():
        ticks += 1
    elapsed = time.perf_counter() - start
    worker.join()
    (report,) = report_holder
    assert report.summary.violations > 0
    # Python's switch interval is 5 ms: with the GIL held for the whole check, this thread would
    # get a handful of slices at most; released, it spins freely the whole time
    assert elapsed > 0.05, f"the check took only {elapsed:.3f}s: too small to observe"
    assert ticks > 10_000, f"only {ticks} ticks in {elapsed:.3f}s: the GIL was held"
