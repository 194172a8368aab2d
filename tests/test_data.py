"""Digit arithmetic, split ranges and dataset files."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnadd.core.data import DatasetError, add_digits, digits_to_string, load_set, make_set, save_set, string_to_digits


def number(digits) -> int:
    return int(digits_to_string(digits))


def numbers(max_digits):
    return st.integers(min_value=1, max_value=max_digits).flatmap(
        lambda n: st.integers(min_value=0, max_value=10 ** n - 1))


@settings(max_examples=200, deadline=None)
@given(a=numbers(1000), b=numbers(1000))
def test_digit_sum_equals_big_integer_sum(a, b):
    width = 1001
    da, db = string_to_digits(str(a), width), string_to_digits(str(b), width)
    assert number(da) == a and number(db) == b
    total = add_digits(da[None, :], db[None, :])[0]
    assert number(total) == a + b


def test_thousand_digit_operands_sum_exactly():
    data = make_set(maxlen=1001, split="iid", part="train", seed=3, size=20)
    assert data.a.shape == (20, 1002)
    for a, b, total in zip(data.a, data.b, data.sum):
        assert number(total) == number(a) + number(b)
    # all 1000 operand digits are really random: each digit value shows up in the top half too
    assert set(np.unique(data.a[:, 500:1000])) == set(range(10))


@pytest.mark.parametrize("maxlen", [2, 3, 5, 10, 50])
def test_report_split_ranges_and_lengths(maxlen):
    train = make_set(maxlen, "report", "train", 0, 3000)
    test = make_set(maxlen, "report", "test", 0, 2000)
    half, top = 5 * 10 ** (maxlen - 2), 10 ** (maxlen - 1)
    assert train.a.shape[1] == maxlen + 1 and test.a.shape[1] == maxlen + 1
    for data, low, high in ((train, 0, half), (test, half, top)):
        for operand in (data.a, data.b):
            values = [number(row) for row in operand]
            assert min(values) >= low and max(values) < high
            assert (operand[:, maxlen - 1:] == 0).all()  # at most maxlen-1 digits
        assert (data.sum[:, maxlen] == 0).all()  # sums have at most maxlen digits
    # test operands have exactly maxlen-1 digits with a leading 5..9
    assert set(np.unique(test.a[:, maxlen - 2])) == {5, 6, 7, 8, 9}
    assert set(np.unique(train.a[:, maxlen - 2])) == {0, 1, 2, 3, 4}


def test_report_split_never_shares_an_example():
    train = make_set(3, "report", "train", 1, 20000)
    test = make_set(3, "report", "test", 1, 2000)
    pairs = lambda d: {(number(a), number(b)) for a, b in zip(d.a, d.b)}  # noqa: E731
    assert not pairs(train) & pairs(test)


def test_iid_split_covers_the_whole_range():
    data = make_set(4, "iid", "test", 0, 5000)
    values = [number(row) for row in data.a]
    assert min(values) < 50 and max(values) > 950 and max(values) < 1000


def test_same_seed_same_stream_and_larger_sets_extend_smaller_ones():
    small = make_set(6, "report", "train", 7, 1500)
    large = make_set(6, "report", "train", 7, 4000)
    assert np.array_equal(small.a, large.a[:1500]) and np.array_equal(small.b, large.b[:1500])
    other = make_set(6, "report", "train", 8, 1500)
    assert not np.array_equal(small.a, other.a)


def test_dataset_file_round_trip_and_damage_is_reported(tmp_path):
    data = make_set(5, "report", "train", 0, 500)
    path = tmp_path / "train.npz"
    save_set(data, path, seed=0, split="report", part="train")
    loaded = load_set(path, maxlen=5)
    assert np.array_equal(loaded.sum, data.sum)
    assert not list(tmp_path.glob(".*partial"))  # nothing left behind

    with pytest.raises(DatasetError, match="expected 6"):
        load_set(path, maxlen=6)

    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(DatasetError, match="truncated.npz: damaged or truncated"):
        load_set(truncated)

    edited = tmp_path / "edited.npz"
    wrong = data.sum.copy()
    wrong[3, 0] = (wrong[3, 0] + 1) % 10
    np.savez(edited, a=data.a, b=data.b, sum=wrong, maxlen=np.int64(5))
    with pytest.raises(DatasetError, match="edited.npz: 'sum' is not the sum"):
        load_set(edited)
