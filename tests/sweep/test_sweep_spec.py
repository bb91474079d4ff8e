"""Seeds, grids and summaries of a sweep (no Dask needed)."""

import pytest

from sdssim.sweep import grid_points, parse_grid, parse_seeds, percentile, summarise, to_csv_text
from sdssim.sweep.spec import check_overrides


@pytest.mark.parametrize(("text", "seeds"), [
    ("0:5", [0, 1, 2, 3, 4]),
    ("7", [7]),
    ("1,5,9", [1, 5, 9]),
    ("0:10:4", [0, 4, 8]),
    ("0:2, 10", [0, 1, 10]),
    (3, [3]),
    (range(2), [0, 1]),
])
def test_seeds(text, seeds):
    assert parse_seeds(text) == seeds


@pytest.mark.parametrize("text", ["", "a", "1:", "5:5", "0:10:0", "1,1", "-1", "1:2:3:4", "1,,2"])
def test_bad_seeds(text):
    with pytest.raises(ValueError):
        parse_seeds(text)


def test_grid_items_are_yaml_values_split_outside_brackets():
    grid = parse_grid(["cycle_interval=PT20M,PT40M",
                       "initial_minutes_per_object=[0.01, 0.02],[0.05, 0.05]",
                       "escrow_proportion=0.3"])
    assert grid == {"cycle_interval": ["PT20M", "PT40M"],
                    "initial_minutes_per_object": [[0.01, 0.02], [0.05, 0.05]],
                    "escrow_proportion": [0.3]}
    points = grid_points(grid)
    assert len(points) == 4
    assert points[0] == {"cycle_interval": "PT20M", "initial_minutes_per_object": [0.01, 0.02],
                         "escrow_proportion": 0.3}
    assert [p["cycle_interval"] for p in points] == ["PT20M", "PT20M", "PT40M", "PT40M"]
    assert grid_points({}) == [{}]
    assert parse_grid({"status_lag": ["0s", "10m"]}) == {"status_lag": ["0s", "10m"]}


@pytest.mark.parametrize(("items", "message"), [
    (["cycle_interval"], "KEY=V1"),
    (["nope=1"], "unknown SimConfig setting 'nope'"),
    (["cycle_interval=soon"], "bad setting"),
    (["status_lag=0s", "status_lag=1m"], "given twice"),
])
def test_bad_grid(items, message):
    with pytest.raises(ValueError, match=message):
        parse_grid(items)


def test_overrides_are_checked_against_the_scenario_config():
    check_overrides({"status_lag": "PT10M"}, {"cycle_interval": "PT1H"})
    with pytest.raises(ValueError):
        check_overrides({"status_lag": "later"}, {})


def test_percentile_interpolates_between_ranks():
    assert percentile([], 50) is None
    assert percentile([4.0], 90) == 4.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([0.0, 10.0], 90) == 9.0
    assert percentile([1.0, 2.0, 3.0], 100) == 3.0


def _row(point, seed, **kw):
    row = {"point": point, "k": f"v{point}", "seed": seed, "passed": True, "checks": 3,
           "failures": 0, "quarantined": False, "job_quarantines": 0, "sync_quarantines": 0,
           "disabled": False, "disablements": 0, "time_to_steady_h": None, "cycles": 4, "events": 5,
           "errors": 0, "error": ""}
    row.update(kw)
    return row


def test_summary_per_grid_point():
    rows = [
        _row(0, 0, quarantined=True, job_quarantines=2, time_to_steady_h=1.0),
        _row(0, 1, passed=False, failures=1, time_to_steady_h=3.0),
        _row(0, 2, quarantined=True, disabled=True, job_quarantines=1, disablements=1),
        _row(0, 3, passed=False, quarantined=False, error="RuntimeError: boom"),
        _row(1, 0, time_to_steady_h=2.0),
    ]
    s0, s1 = summarise(rows, ["k"])
    assert s0["point"] == 0 and s0["k"] == "v0"
    assert s0["runs"] == 4 and s0["run_errors"] == 1
    assert s0["pass_rate"] == round(2 / 3, 6)
    assert s0["p_quarantine"] == round(2 / 3, 6)
    assert s0["p_disabled"] == round(1 / 3, 6)
    assert s0["mean_job_quarantines"] == 1.0
    assert s0["mean_cycles"] == 4.0
    assert s0["steady_runs"] == 2
    assert (s0["time_to_steady_h_min"], s0["time_to_steady_h_p50"],
            s0["time_to_steady_h_max"]) == (1.0, 2.0, 3.0)
    assert s0["time_to_steady_h_p90"] == 2.8
    assert s1["runs"] == 1 and s1["p_quarantine"] == 0.0 and s1["time_to_steady_h_mean"] == 2.0


def test_csv_text():
    text = to_csv_text([_row(0, 4, time_to_steady_h=1.5)], ["seed", "passed", "time_to_steady_h",
                                                             "error", "disabled"])
    assert text == "seed,passed,time_to_steady_h,error,disabled\n4,true,1.5,,false\n"
