"""Rebuild the demo font subsets from Noto Sans/Serif CJK JP (SIL Open Font License 1.1).

Run from the repository root after adding characters to the demo texts:
    pip install fonttools && apt-get install fonts-noto-cjk
    python3 src/demo/fonts/subset.py
It keeps every character used in src/demo/*.rs and src/domain/wareki.rs, plus kana, digits,
Latin letters and common punctuation in both widths.
"""
import glob
from fontTools.ttLib import TTCollection
from fontTools import subset

SOURCES = {
    "NotoSansJP-demo.otf": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "NotoSerifJP-demo.otf": "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
}

chars = set()
for path in glob.glob("src/demo/*.rs") + ["src/domain/wareki.rs"]:
    chars.update(open(path, encoding="utf-8").read())
chars.update(chr(c) for c in range(0x20, 0x7F))
chars.update(chr(c) for c in range(0x3041, 0x3097))  # hiragana
chars.update(chr(c) for c in range(0x30A1, 0x30FD))  # katakana
chars.update(chr(c) for c in range(0xFF01, 0xFF5F))  # full-width ASCII
chars.update("、。・「」『』（）ー々〇〜　")
chars = {c for c in chars if c.isprintable()} | {"\u3000"}  # ideographic space

for out, ttc in SOURCES.items():
    collection = TTCollection(ttc)
    font = next(f for f in collection.fonts if "JP" in f["name"].getDebugName(1))
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.layout_features = []
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(chars)))
    subsetter.subset(font)
    font.save(f"src/demo/fonts/{out}")
    print(out, len(chars), "characters")
