"""Full collections deferred while bulk loads run, and the threshold given back when the last one ends."""

from __future__ import annotations

import gc

import pytest

from graph.bulk_gc import DEFERRED_THRESHOLD, full_collections_deferred


def oldest_threshold() -> int:
    return gc.get_threshold()[2]


def test_the_oldest_threshold_is_raised_inside_and_given_back_after() -> None:
    young, middle, oldest = gc.get_threshold()
    with full_collections_deferred():
        assert gc.get_threshold() == (young, middle, DEFERRED_THRESHOLD)
    assert gc.get_threshold() == (young, middle, oldest)


def test_loads_side_by_side_keep_it_deferred_until_the_last_one_ends() -> None:
    before = oldest_threshold()
    first, second = full_collections_deferred(), full_collections_deferred()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first load ends while the second still runs
    assert oldest_threshold() == DEFERRED_THRESHOLD
    second.__exit__(None, None, None)
    assert oldest_threshold() == before


def test_a_failing_load_gives_the_threshold_back() -> None:
    before = oldest_threshold()
    with pytest.raises(RuntimeError, match="the file ends early"), full_collections_deferred():
        raise RuntimeError("the file ends early")
    assert oldest_threshold() == before
