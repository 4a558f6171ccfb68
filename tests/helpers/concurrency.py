"""Run work in threads released at the same moment, to test what happens when people act at once."""

import threading


def race(count: int, work) -> list:
    """Run `work(number)` in `count` threads released together; their results (or exceptions)."""
    barrier, results = threading.Barrier(count), [None] * count

    def run(number):
        barrier.wait()
        try:
            results[number] = work(number)
        except Exception as error:  # noqa: BLE001 - returned for the test to see
            results[number] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def race_two(work_a, work_b) -> list:
    """Run two pieces of work released together; their results (or exceptions), in order."""
    return race(2, lambda number: (work_a, work_b)[number]())
