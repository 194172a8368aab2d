"""Exact digit-level addition data.

Numbers are arrays of decimal digits, least significant first, as the model
reads them.  Digits are drawn directly, so any length is exact: no floats, no
64-bit limits.

With ``maxlen = L`` (the report's MAXLEN) operands have at most L-1 digits, the
sum at most L, and every sequence has L+1 positions.

Splits:

``report``
    training operands uniform in [0, 5*10^(L-2)), test operands uniform in
    [5*10^(L-2), 10^(L-1)): exactly L-1 digits with a leading digit of 5 to 9.
    A test example can never appear in training.
``iid``
    both uniform over all operands of up to L-1 digits.

File format (``.npz``, one per part): ``a``, ``b`` and ``sum``, each a
``uint8`` array of shape (examples, L+1) holding digits least significant
first; plus the scalars ``maxlen``, ``seed``, ``split`` and ``part``.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnadd.core import paths
from rnnadd.core.errors import UserError
from rnnadd.core.io import atomic_path, rerun_hint
from rnnadd.core.settings import refusal

# Examples are drawn in blocks, each from its own seeded generator, so a larger
# dataset starts with exactly the examples of a smaller one.
BLOCK = 1000
_SPLIT_CODES = {"report": 0, "iid": 1}
_PART_CODES = {"train": 0, "test": 1}


class DatasetError(UserError):
    """A dataset file is missing, truncated, edited or inconsistent."""


@dataclass(frozen=True)
class AdditionSet:
    a: np.ndarray  # (n, maxlen + 1) uint8, least significant digit first
    b: np.ndarray
    sum: np.ndarray

    @property
    def maxlen(self) -> int:
        return self.a.shape[1] - 1

    def __len__(self) -> int:
        return self.a.shape[0]


def add_digits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Digit-wise sum with carries; the caller leaves room for the last carry."""
    total = np.zeros_like(a, dtype=np.uint8)
    carry = np.zeros(a.shape[0], dtype=np.uint8)
    for position in range(a.shape[1]):
        column = a[:, position] + b[:, position] + carry
        total[:, position] = column % 10
        carry = column // 10
    if carry.any():
        raise ValueError("sum does not fit: the operands need a zero top digit")
    return total


# Numbers as decimal text, not Python ints: exact at any length (int() refuses
# text of more than 4300 digits).

def string_to_digits(text: str, width: int) -> np.ndarray:
    """A non-negative decimal number ("98765") to ``width`` digits, least significant first."""
    if not (text.isascii() and text.isdigit()) or len(text) > width:
        raise ValueError(f"{text!r} does not fit in {width} digits")
    return np.frombuffer(text[::-1].ljust(width, "0").encode(), dtype=np.uint8) - ord("0")


def digits_to_string(digits) -> str:
    """Digits, least significant first, to the decimal number they write, without leading zeros."""
    digits = np.asarray(digits, dtype=np.uint8)
    return (bytes(digits[::-1] + ord("0")).decode().lstrip("0")) or "0"


def sample_operands(rng: np.random.Generator, n: int, maxlen: int, low_top: int, high_top: int) -> np.ndarray:
    """n operands of up to maxlen-1 digits whose top digit is in [low_top, high_top)."""
    width = maxlen + 1
    digits = np.zeros((n, width), dtype=np.uint8)
    top = maxlen - 2
    digits[:, :top] = rng.integers(0, 10, size=(n, top), dtype=np.uint8)
    digits[:, top] = rng.integers(low_top, high_top, size=n, dtype=np.uint8)
    return digits


def top_digit_range(split: str, part: str) -> tuple[int, int]:
    if split == "iid":
        return 0, 10
    if split == "report":
        return (0, 5) if part == "train" else (5, 10)
    raise refusal("split", split)


def make_set(maxlen: int, split: str, part: str, seed: int, size: int) -> AdditionSet:
    """The first ``size`` examples of the (maxlen, split, part, seed) stream."""
    if part not in _PART_CODES:
        raise ValueError(f"part: must be train or test (got {part!r})")
    low, high = top_digit_range(split, part)
    blocks_a, blocks_b = [], []
    for block in range((size + BLOCK - 1) // BLOCK):
        rng = np.random.default_rng([seed, maxlen, _SPLIT_CODES[split], _PART_CODES[part], block])
        # Whole blocks are always drawn, so the stream does not depend on size.
        blocks_a.append(sample_operands(rng, BLOCK, maxlen, low, high))
        blocks_b.append(sample_operands(rng, BLOCK, maxlen, low, high))
    a = np.concatenate(blocks_a)[:size]
    b = np.concatenate(blocks_b)[:size]
    return AdditionSet(a, b, add_digits(a, b))


def save_set(data: AdditionSet, path, *, seed: int, split: str, part: str) -> None:
    """Write a dataset atomically: a killed writer never leaves a complete-looking file."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(
            handle,
            a=data.a,
            b=data.b,
            sum=data.sum,
            maxlen=np.int64(data.maxlen),
            seed=np.int64(seed),
            split=np.str_(split),
            part=np.str_(part),
        )


# What to give instead, for a dataset file a user named (theirs: removing it is no remedy).
GIVE_DATASET = "give a dataset file written by `python -m rnnadd make-dataset` (train.npz or test.npz)"


def load_set(path, maxlen: int | None = None, named_by_user: bool = False) -> AdditionSet:
    """Read and check a dataset file; any damage raises DatasetError naming the file.

    ``named_by_user``: the path came from a command line, so the remedy is to give
    another file, never to delete this one.
    """
    path = Path(path)
    # A dataset where the workflow keeps its own (results/data/<id>/) is the workflow's to
    # make again, whoever named it; any other file is the user's.
    workflows = (path.name in (paths.TRAIN_SET_FILE, paths.TEST_SET_FILE)
                 and path.parent.parent.name == "data" and path.parent.parent.parent.name == paths.RESULTS)
    given, named_by_user = named_by_user, named_by_user and not workflows
    hint = GIVE_DATASET if named_by_user else rerun_hint(path)
    if not path.exists():
        raise DatasetError(f"{path}: dataset file does not exist" + (f"; {hint}" if named_by_user else ""))
    if path.is_dir():
        raise DatasetError(f"{path}: is a folder, not a dataset file; {GIVE_DATASET}")
    if given and path.suffix != ".npz":
        raise DatasetError(f"{path}: not a dataset file (a {path.suffix or 'file without'} file; datasets "
                           f"are .npz); {GIVE_DATASET}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in ("a", "b", "sum", "maxlen")}
    except KeyError as error:
        raise DatasetError(f"{path}: not a dataset of this project, missing {error}; {hint}") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise DatasetError(f"{path}: damaged or truncated dataset ({error}); {hint}") from None
    a, b, total = arrays["a"], arrays["b"], arrays["sum"]
    stored_maxlen = int(arrays["maxlen"])
    for name, array in (("a", a), ("b", b), ("sum", total)):
        if array.dtype != np.uint8 or array.ndim != 2 or array.shape != a.shape:
            raise DatasetError(f"{path}: array {name!r} has the wrong shape or type; {hint}")
        if array.size and array.max() > 9:
            raise DatasetError(f"{path}: array {name!r} holds values that are not digits; {hint}")
    if a.shape[1] != stored_maxlen + 1 or (maxlen is not None and stored_maxlen != maxlen):
        # The file may be fine and only the wrong one: given by a user, the remedy is another file.
        raise DatasetError(f"{path}: made for maxlen {stored_maxlen}, expected {maxlen}; "
                           f"{GIVE_DATASET + ' for maxlen ' + str(maxlen) if given else hint}")
    if not np.array_equal(add_digits(a, b), total):
        raise DatasetError(f"{path}: 'sum' is not the sum of 'a' and 'b' (edited by hand?); {hint}")
    return AdditionSet(a, b, total)


