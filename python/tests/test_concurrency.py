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
    # every bucket passes: the check is long (parsing, evaluating) and its report is short, so
    # nothing but the check itself can keep the GIL for long
    lines = ["buckets:"]
    for i in range(n):
        lines.append(f"  - name: b{i}\n    encrypted: true")
    return "\n".join(lines) + "\n"


def test_the_gil_is_released_during_a_check() -> None:
    engine = annexa.Engine(sources={"s.policy": BUCKETS}, params={"max_buckets": 10**9})
    text = big_facts(200_000)
    done = threading.Event()
    holder = []

    def check() -> None:
        try:
            holder.append(engine.check_text(text, name="big.yaml"))
        finally:
            done.set()

    worker = threading.Thread(target=check)
    start = last = time.perf_counter()
    worker.start()
    # the longest stretch this thread could not run Python code while the check ran: with the
    # GIL held by the check it is the whole check; released, a few switch intervals at most
    longest = 0.0
    while not done.is_set():
        now = time.perf_counter()
        longest = max(longest, now - last)
        last = now
    elapsed = time.perf_counter() - start
    worker.join()
    (report,) = holder
    assert report.ok is True and report.summary.passed == 2
    assert elapsed > 0.05, f"the check took only {elapsed:.3f}s: too short to observe"
    assert longest < elapsed / 2, (
        f"this thread was stopped for {longest:.3f}s of a {elapsed:.3f}s check: the GIL was held"
    )
