"""The definitions every stats figure rests on, checked against values worked out by hand.

Nearest-rank percentiles, breaches at the exact target, lengths to the microsecond,
the Summary shape, and the value buckets that let the database find percentiles.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chat_server.stats.buckets import bucket_bounds, locate, ranges
from chat_server.stats.figures import (
    P50,
    P90,
    Figures,
    duration_us,
    figures_of,
    is_breached,
    nearest_rank,
    percentile,
)

SECOND = 1_000_000
OPENED = datetime(2026, 6, 1, 9, 59, 59, 999_999, tzinfo=UTC)


# -- nearest rank ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "q", "rank"),
    [
        (1, P50, 1),
        (1, P90, 1),
        (2, P50, 1),
        (3, P50, 2),
        (4, P50, 2),
        (10, P90, 9),
        (11, P90, 10),
        (19, P90, 18),
        (20, P90, 18),
        (21, P90, 19),
        (5, (1, 1), 5),
    ],
)
def test_the_rank_of_a_percentile_is_ceil_of_q_times_n(
    n: int, q: tuple[int, int], rank: int
) -> None:
    assert nearest_rank(n, q) == rank


def test_the_rank_is_never_below_one() -> None:
    assert nearest_rank(0, P50) == 1


def test_a_single_wait_is_its_own_median_and_p90() -> None:
    assert percentile([7], P50) == 7
    assert percentile([7], P90) == 7


def test_the_median_of_an_even_count_is_the_lower_middle_value_not_an_average() -> None:
    assert percentile([1, 2, 3, 4], P50) == 2


def test_p90_of_one_to_ten_is_nine_and_of_one_to_eleven_is_ten() -> None:
    assert percentile(list(range(1, 11)), P90) == 9
    assert percentile(list(range(1, 12)), P90) == 10


def test_tied_values_give_the_tied_value() -> None:
    ties = [1, 2, 2, 2, 9]
    assert percentile(ties, P50) == 2  # rank 3
    assert percentile(ties, P90) == 9  # rank ceil(4.5) = 5


def test_there_is_no_percentile_of_no_waits() -> None:
    assert percentile([], P50) is None


# -- breaches and lengths ------------------------------------------------------------


def test_a_wait_of_exactly_the_target_is_within_it() -> None:
    assert is_breached(30 * SECOND, 30) is False


def test_a_wait_one_microsecond_over_the_target_is_breached() -> None:
    assert is_breached(30 * SECOND + 1, 30) is True


def test_a_fractional_target_is_compared_to_the_microsecond() -> None:
    assert is_breached(500_000, 0.5) is False
    assert is_breached(500_001, 0.5) is True


def test_a_closed_wait_lasts_from_opening_to_closing_in_whole_microseconds() -> None:
    closed = datetime(2026, 6, 1, 10, 0, 1, 500_000, tzinfo=UTC)
    assert duration_us(OPENED, closed, now=datetime(2030, 1, 1, tzinfo=UTC)) == 1_500_001


def test_an_open_wait_lasts_until_now() -> None:
    now = datetime(2026, 6, 1, 10, 1, 0, tzinfo=UTC)
    assert duration_us(OPENED, None, now) == 60 * SECOND + 1


def test_a_wait_closed_a_hair_before_it_opened_has_a_negative_length() -> None:
    closed = datetime(2026, 6, 1, 9, 59, 59, 999_998, tzinfo=UTC)
    assert duration_us(OPENED, closed, OPENED) == -1


# -- Figures ------------------------------------------------------------------------


def test_no_waits_give_zero_counts_and_no_times() -> None:
    assert Figures().view() == {
        "count": 0,
        "mean": None,
        "p50": None,
        "p90": None,
        "max": None,
        "within_sla": 0,
        "breached": 0,
    }


def test_the_figures_count_answered_waits_and_breaches_of_every_wait() -> None:
    figures = figures_of(
        [
            ("answered", 1 * SECOND, 30),
            ("answered", 31 * SECOND, 30),
            ("unanswered", 45 * SECOND, 30),
            ("open", 10 * SECOND, 30),
            ("answered", 30 * SECOND, 30),
        ]
    )
    assert figures.view() == {
        "count": 3,
        "mean": 20.666667,  # 62 s / 3
        "p50": 30.0,
        "p90": 31.0,
        "max": 31.0,
        "within_sla": 2,
        "breached": 2,  # the 31 s answer and the 45 s wait left unanswered
    }


def test_the_mean_is_rounded_to_the_microsecond() -> None:
    figures = figures_of([("answered", 1, 1), ("answered", 1, 1), ("answered", 2, 1)])
    assert figures.total_us == 4
    assert figures.view()["mean"] == 0.000001  # 1.33 µs


def test_each_wait_is_judged_against_its_own_target() -> None:
    figures = figures_of([("answered", 40 * SECOND, 60), ("answered", 40 * SECOND, 30)])
    assert (figures.within, figures.breached) == (1, 1)


def test_series_figures_leave_the_percentiles_out() -> None:
    view = figures_of([("answered", 2 * SECOND, 30)]).view(percentiles=False)
    assert view == {"count": 1, "mean": 2.0, "max": 2.0, "within_sla": 1, "breached": 0}


def test_merged_figures_add_counts_and_histograms_and_keep_the_longest() -> None:
    merged = Figures(count=2, total_us=30, max_us=20, within=2, breached=1, histogram={0: 2})
    merged.merge(
        Figures(count=1, total_us=50, max_us=50, within=0, breached=1, histogram={0: 1, 3: 1})
    )
    merged.merge(Figures(breached=4))
    assert merged == Figures(
        count=3, total_us=80, max_us=50, within=2, breached=6, histogram={0: 3, 3: 1}
    )


def test_merging_into_empty_figures_takes_the_other_maximum() -> None:
    empty = Figures()
    empty.merge(Figures(count=1, total_us=7, max_us=7))
    assert empty.max_us == 7


# -- value buckets ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bucket", "bounds"),
    [
        (0, (0, 20_000)),  # the first second in 20 ms steps: buckets 0..49
        (49, (980_000, 1_000_000)),
        (50, (1_000_000, 1_100_000)),  # up to 10 s in 100 ms steps: 50..139
        (139, (9_900_000, 10_000_000)),
        (140, (10_000_000, 10_250_000)),  # up to a minute in 250 ms steps: 140..339
        (340, (60_000_000, 62_000_000)),  # up to 10 minutes in 2 s steps: 340..609
        (610, (600_000_000, 615_000_000)),  # up to an hour in 15 s steps: 610..809
        (810, (3_600_000_000, 3_900_000_000)),  # then 5 minutes each, without end
        (811, (3_900_000_000, 4_200_000_000)),
        (-1, (-(2**62), 0)),
    ],
)
def test_each_value_bucket_holds_a_narrow_range_of_lengths(
    bucket: int, bounds: tuple[int, int]
) -> None:
    assert bucket_bounds(bucket) == bounds


def test_adjacent_buckets_are_read_as_one_range() -> None:
    assert ranges([3, 0, 1, 1]) == [(0, 40_000), (60_000, 80_000)]
    assert ranges([49, 50]) == [(980_000, 1_100_000)]


def test_a_rank_is_found_in_its_bucket_with_its_rank_inside_it() -> None:
    histogram = {7: 3, 0: 2, 4: 1}
    assert locate(histogram, 1) == (0, 1)
    assert locate(histogram, 2) == (0, 2)
    assert locate(histogram, 3) == (4, 1)
    assert locate(histogram, 6) == (7, 3)


def test_a_rank_beyond_the_waits_counted_is_an_error() -> None:
    with pytest.raises(AssertionError):
        locate({0: 2}, 3)
