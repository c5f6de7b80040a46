from timesheet import overtime, weekly_hours

TEXT = "8 | 2024-03-04\n9.5 | 2024-03-05\n30 | 2024-03-06\n4 | 2024-03-11\n"


def test_weekly():
    assert weekly_hours(TEXT) == {10: 47.5, 11: 4.0}


def test_overtime():
    assert overtime({10: 47.5, 11: 4.0}) == {10: 7.5}
