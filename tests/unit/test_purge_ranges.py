"""A large tenant's keys are swept as parallel ranges: together they hold every key after
the point of the split exactly once, and all keys of one job in the same range."""

from __future__ import annotations

from docsafe.retention import _owner, _Range, _split
from hypothesis import given
from hypothesis import strategies as st

PREFIX = "jobs/acme/"
# Operation ids as DocSafe writes them (hex) and as nothing of ours would (anything else).
ids = st.one_of(
    st.uuids().map(str),
    st.text(alphabet="0123456789abcdef", min_size=1, max_size=6),
    st.text(
        alphabet=st.characters(blacklist_characters="/", blacklist_categories=("Cs",)), min_size=1, max_size=6
    ),
)
names = st.sampled_from(["input", "pages/00001.json", "result.json", "training/00001"])


def listed(area: _Range, keys: list[str]) -> list[str]:
    """What sweeping `area` sees: S3's listing (Prefix, StartAfter) and the range's bounds."""
    return [
        key
        for key in sorted(keys)
        if key.startswith(area.prefix)
        and (area.after is None or key > area.after)
        and (area.start is None or key >= area.start)
        and (area.end is None or key < area.end)
    ]


@given(st.lists(st.tuples(ids, names), min_size=2, max_size=60, unique=True), st.data())
def test_the_parts_of_a_split_range_cover_the_rest_once_and_keep_each_job_whole(
    objects: list[tuple[str, str]], data: st.DataObject
) -> None:
    keys = sorted({f"{PREFIX}{operation}/{name}" for operation, name in objects})
    last = data.draw(st.sampled_from(keys))
    parts = _split(_Range(PREFIX, split=True), last)
    seen = [key for part in parts for key in listed(part, keys)]
    assert sorted(seen) == [key for key in keys if key > last]  # each key once, none missed
    part_of = {key: index for index, part in enumerate(parts) for key in listed(part, keys)}
    owners: dict[object, set[int]] = {}
    for key, index in part_of.items():
        owners.setdefault(_owner(key), set()).add(index)
    assert all(len(indexes) == 1 for indexes in owners.values())
