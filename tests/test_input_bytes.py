"""read_input_bytes: a raised size limit must not become an allocation of that size."""

from __future__ import annotations

import tracemalloc

from evalkit.io.limits import Limits, read_input_bytes


def test_a_small_file_under_a_huge_limit_reads_without_setting_the_limit_aside(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"unit,indicator,value\nA,x,1\n")
    tracemalloc.start()
    try:
        raw = read_input_bytes(path, Limits(file_mb=20_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert raw == b"unit,indicator,value\nA,x,1\n"
    assert peak < 1 << 20  # the old read(limit + 1) set aside 20 GB here


def test_the_whole_file_is_read_at_the_limit(tmp_path):
    path = tmp_path / "data.csv"
    content = b"x" * (1 << 20)  # exactly 1 MB, the limit
    path.write_bytes(content)
    assert read_input_bytes(path, Limits(file_mb=1)) == content
