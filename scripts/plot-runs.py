#!/usr/bin/env python3
"""SVG plots of shiftadd-train runs, with the standard library only.

  plot-runs.py curves OUT.svg LABEL=DIR[,DIR...] ...
      test accuracy per epoch (metrics.jsonl); several directories under one
      label (seeds) are averaged.
  plot-runs.py weights OUT.svg DIR [LAYER]
      histograms of one layer's weights as shared, remapped and quantized
      (weights.json; default: the first layer that has a remapped view, else
      the first layer).
"""
import json
import os
import sys

W, H, LEFT, RIGHT, TOP, BOTTOM = 840, 400, 60, 340, 30, 50
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"]


def fail(message):
    sys.exit(f"plot-runs.py: error: {message}")


def read_json_lines(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")


class Svg:
    def __init__(self, title, x_label, y_label, x_range, y_range):
        self.parts = []
        self.x_range, self.y_range = x_range, y_range
        self.add(f'<text x="{W / 2}" y="18" text-anchor="middle" font-size="14">{title}</text>')
        self.add(f'<text x="{LEFT + (W - LEFT - RIGHT) / 2}" y="{H - 10}" text-anchor="middle">{x_label}</text>')
        self.add(f'<text x="14" y="{TOP + (H - TOP - BOTTOM) / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 14 {TOP + (H - TOP - BOTTOM) / 2})">{y_label}</text>')
        self.add(f'<rect x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" height="{H - TOP - BOTTOM}" '
                 'fill="none" stroke="black"/>')
        for i in range(5):
            for axis, (lo, hi) in (("x", x_range), ("y", y_range)):
                v = lo + (hi - lo) * i / 4
                if axis == "x":
                    self.add(f'<text x="{self.x(v)}" y="{H - BOTTOM + 16}" text-anchor="middle">{v:.3g}</text>')
                else:
                    self.add(f'<text x="{LEFT - 6}" y="{self.y(v) + 4}" text-anchor="end">{v:.3g}</text>')

    def x(self, v):
        lo, hi = self.x_range
        return LEFT + (v - lo) / ((hi - lo) or 1) * (W - LEFT - RIGHT)

    def y(self, v):
        lo, hi = self.y_range
        return H - BOTTOM - (v - lo) / ((hi - lo) or 1) * (H - TOP - BOTTOM)

    def add(self, element):
        self.parts.append(element)

    def line(self, points, colour):
        path = " ".join(f"{self.x(a):.1f},{self.y(b):.1f}" for a, b in points)
        self.add(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.5"/>')

    def legend(self, index, label, colour):
        y = TOP + 14 + 18 * index
        self.add(f'<rect x="{W - RIGHT + 10}" y="{y - 9}" width="12" height="10" fill="{colour}"/>')
        self.add(f'<text x="{W - RIGHT + 28}" y="{y}">{label}</text>')

    def write(self, path):
        body = "\n".join(self.parts)
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" '
               f'font-size="11">\n<rect width="{W}" height="{H}" fill="white"/>\n{body}\n</svg>\n')
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(svg)
        os.replace(tmp, path)


def curves(out, specs):
    series = []
    for spec in specs:
        label, sep, dirs = spec.partition("=")
        if not sep or not dirs:
            fail(f"'{spec}' is not LABEL=DIR[,DIR...]")
        runs = [[m["test_accuracy"] for m in read_json_lines(os.path.join(d, "metrics.jsonl"))]
                for d in dirs.split(",")]
        n = min(len(r) for r in runs)
        if n == 0:
            fail(f"{dirs}: no epochs in metrics.jsonl")
        series.append((f"{label} (n={len(runs)})", [sum(r[e] for r in runs) / len(runs) for e in range(n)]))
    epochs = max(len(s) for _, s in series)
    top = max(max(s) for _, s in series)
    svg = Svg("Test accuracy (mean over seeds)", "epoch", "accuracy %", (1, max(2, epochs)),
              (0, min(100, 10 * (int(top) // 10 + 1))))
    for i, (label, values) in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        svg.line([(e + 1, v) for e, v in enumerate(values)], colour)
        svg.legend(i, label, colour)
    svg.write(out)


def weights(out, run, layer=None):
    path = os.path.join(run, "weights.json")
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")
    layers = data["layers"]
    if not layers:
        fail(f"{path}: no multiplication-free layer")
    if layer is None:
        chosen = next((l for l in layers if "remapped" in l), layers[0])
    else:
        chosen = next((l for l in layers if l["name"] == layer), None)
        if chosen is None:
            fail(f"{path}: no layer '{layer}' (have {', '.join(l['name'] for l in layers)})")
    lo, hi = chosen["range"]
    views = [v for v in ("shared", "remapped", "quantized") if v in chosen]
    bins = data["bins"]
    # Fractions, so that views of one layer compare; the quantized view's few
    # spikes would otherwise flatten the others.
    fractions = {v: [c / max(1, sum(chosen[v]["counts"])) for c in chosen[v]["counts"]] for v in views}
    top = max(max(f) for f in fractions.values())
    svg = Svg(f"{chosen['name']} ({chosen['op']}) weights", "weight", "fraction of weights", (lo, hi), (0, top))
    width = (hi - lo) / bins
    for i, v in enumerate(views):
        colour = COLOURS[i]
        points = []
        for b, f in enumerate(fractions[v]):
            points += [(lo + b * width, f), (lo + (b + 1) * width, f)]
        svg.line(points, colour)
        svg.legend(i, f"{v} (kurtosis {chosen[v]['kurtosis']:.2f})", colour)
    svg.write(out)


def main(argv):
    if len(argv) >= 3 and argv[0] == "curves":
        curves(argv[1], argv[2:])
    elif len(argv) in (3, 4) and argv[0] == "weights":
        weights(argv[1], argv[2], argv[3] if len(argv) == 4 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
