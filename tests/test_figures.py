"""Figures are drawn from the data and regenerated when it changes."""

import pytest

pytest.importorskip("matplotlib")

from xinjiang_pairing.figures import (  # noqa: E402
    FIGURES,
    aid_funds_data,
    embedded_fingerprint,
    fingerprint,
    pairing_map_data,
    write_figures,
)
from xinjiang_pairing.package import load_package  # noqa: E402

pytestmark = pytest.mark.slow  # figures drawn with matplotlib


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_committed_figures_match_the_data(root, name):
    package = load_package(root)
    for ext in ("svg", "png"):
        assert (root / "docs" / "figures" / f"{name}.{ext}").exists()
    svg = root / "docs" / "figures" / f"{name}.svg"
    assert embedded_fingerprint(svg) == fingerprint(package, name), "stale figure: run xinjiang-pairing docs"


def test_a_data_change_makes_the_figure_stale_and_docs_refresh_it(pkg):
    write_figures(pkg.root)
    package = load_package(pkg.root)
    svg = pkg.root / "docs" / "figures" / "aid-funds.svg"
    assert embedded_fingerprint(svg) == fingerprint(package, "aid-funds")
    pkg.edit("funding", {"funding_id": "xinhua-2023-aid-funds-past-decade"}, amount="171000000000")
    assert embedded_fingerprint(svg) != fingerprint(package, "aid-funds")
    assert b"171 bn" not in svg.read_bytes()
    write_figures(pkg.root)
    assert embedded_fingerprint(svg) == fingerprint(package, "aid-funds")
    assert b"171 bn (about), xinhua 2023" in svg.read_bytes()


def test_pairing_map_has_every_assisting_party_and_recipient(root):
    parties, recipients, edges, dashed, names = pairing_map_data(load_package(root))
    assert len(parties) == 20 and parties[-1] == "unknown"  # the 19 and the unknown party of 2014
    assert {r for r in recipients if r.startswith("xpcc-division-")} == {f"xpcc-division-{n}" for n in range(1, 15)}
    assert edges[("zhejiang", "aksu-prefecture")] == 9  # county-level units
    assert ("unknown", "karamay") in dashed


def test_aid_funds_chart_counts_each_figure_once(root):
    rows = aid_funds_data(load_package(root))
    ids = [r["id"] for r in rows]
    assert "xinhua-2023-aid-funds-past-decade" in ids
    assert "qiushi-2023-aid-funds-decade" not in ids  # a repeat of the Xinhua figure (same_as)
    assert all(r["start"] <= r["end"] for r in rows)
