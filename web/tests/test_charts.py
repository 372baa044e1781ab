"""The geometry of the server-drawn charts."""

from web.charts import BAR_AREA_WIDTH, LINE_HEIGHT, LINE_LEFT, bar_chart, line_chart, nice_ceiling


def test_it_scales_bars_to_the_maximum_and_leaves_missing_values_without_a_bar():
    chart = bar_chart(
        [("工信局", 90.0, "90.00", ""), ("商务局", 45.0, "45.00", "/x"), ("新华街道", None, "—", "")], maximum=100
    )
    assert [bar.width for bar in chart.bars] == [BAR_AREA_WIDTH * 0.9, BAR_AREA_WIDTH * 0.45, 0]
    assert [bar.has_value for bar in chart.bars] == [True, True, False]
    assert chart.bars[1].y > chart.bars[0].y and chart.height > chart.bars[2].y


def test_it_rounds_the_scale_up_to_a_readable_top():
    assert [nice_ceiling(value) for value in (0, 1, 3, 7, 12, 48, 51)] == [1, 1, 5, 10, 20, 50, 100]


def test_it_draws_the_line_from_left_to_right_with_the_highest_point_at_the_top():
    chart = line_chart([("11-02", 0), ("11-09", 5), ("11-16", 10)])
    assert [point.x for point in chart.points][0] == LINE_LEFT
    assert chart.points[0].y == chart.baseline and chart.points[2].y < chart.points[1].y < chart.points[0].y
    assert chart.path == "M48.0,220.0 L372.0,122.0 L696.0,24.0"
    assert [tick.value for tick in chart.ticks] == [0, 5, 10]
    assert chart.height == LINE_HEIGHT
