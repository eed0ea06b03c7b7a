#!/usr/bin/env python3
"""Writes seed/communes.json: Vietnam's 34 provinces and their 3,321 communes (phường, xã,
đặc khu) with official codes, after the reform effective 2025-07-01.

Source: the PyPI package `vietnam-provinces` 2025.10.1 (https://pypi.org/project/vietnam-provinces/,
MIT licence), file `vietnam_provinces/data/nested-divisions.json`, itself built from the
General Statistics Office's list of administrative units. Fetched 2026-12-03.

The wheel is downloaded with pip and checked against the SHA-256 below, so a run gives the same
file. Each province is mapped onto this project's province codes (seed/provinces.json) by its
name; the script fails if any province or commune is left unmapped or the counts differ.

Run from the repository root:  python3 seed/fetch_communes.py
"""
import hashlib
import io
import json
import pathlib
import sys
import unicodedata
import subprocess
import tempfile
import zipfile

PACKAGE = "vietnam-provinces"
VERSION = "2025.10.1"
WHEEL = "vietnam_provinces-2025.10.1-py3-none-any.whl"
SHA256 = "1693dece496b1e04e2b637a3dd79a87a22666e13c91c51cf06dc27e482987f57"
MEMBER = "vietnam_provinces/data/nested-divisions.json"
FETCHED_ON = "2026-12-03"
ROOT = pathlib.Path(__file__).resolve().parent


def fold(text: str) -> str:
    """Lower case, no diacritics, đ as d: how names are compared."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").strip()


def wheel_bytes() -> bytes:
    """The wheel, through pip (so a configured index or mirror is used), checked by hash."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             f"{PACKAGE}=={VERSION}", "--dest", tmp],
            check=True,
        )
        data = (pathlib.Path(tmp) / WHEEL).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        sys.exit(f"{WHEEL}: SHA-256 {digest}, expected {SHA256}")
    return data


def main() -> None:
    nested = json.loads(zipfile.ZipFile(io.BytesIO(wheel_bytes())).read(MEMBER))
    ours = json.loads((ROOT / "provinces.json").read_text(encoding="utf-8"))["provinces"]
    by_name = {fold(p["name_vi"]): p["code"] for p in ours}
    provinces = []
    total = 0
    for i, unit in enumerate(nested, 1):
        name = unit["name"]
        for prefix in ("Thành phố ", "Tỉnh "):
            if name.startswith(prefix):
                name = name[len(prefix):]
        code = by_name.get(fold(name))
        if code is None:
            sys.exit(f"province {unit['name']!r} ({unit['code']}) matches none in provinces.json")
        communes = [
            {"code": w["code"], "name": w["name"], "kind": w["division_type"]}
            for w in unit["wards"]
        ]
        total += len(communes)
        provinces.append({"code": code, "official_code": unit["code"], "name": unit["name"], "communes": communes})
        print(f"[{i:2}/{len(nested)}] {unit['name']}: {len(communes)} communes", file=sys.stderr)
    if len(provinces) != 34 or len({p["code"] for p in provinces}) != 34 or total != 3321:
        sys.exit(f"expected 34 provinces and 3,321 communes, got {len(provinces)} and {total}")
    out = {
        "source": f"PyPI {PACKAGE} {VERSION}, {MEMBER} (built from the General Statistics Office list)",
        "wheel_sha256": SHA256,
        "fetched_on": FETCHED_ON,
        "effective": "2025-07-01",
        "provinces": provinces,
    }
    path = ROOT / "communes.json"
    # One commune per line: small diffs when the list changes.
    head = {k: v for k, v in out.items() if k != "provinces"}
    lines = ["{"] + [f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    lines.append(' "provinces": [')
    for n, province in enumerate(provinces):
        fields = {k: v for k, v in province.items() if k != "communes"}
        lines.append("  {" + ", ".join(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in fields.items()) + ', "communes": [')
        communes = [json.dumps(c, ensure_ascii=False) for c in province["communes"]]
        lines.extend(f"   {c}," for c in communes[:-1])
        lines.append(f"   {communes[-1]}")
        lines.append("  ]}" + ("," if n + 1 < len(provinces) else ""))
    lines.append(" ]")
    lines.append("}")
    text = "\n".join(lines)
    assert json.loads(text) == out
    path.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {path}: {len(provinces)} provinces, {total} communes", file=sys.stderr)


if __name__ == "__main__":
    main()
