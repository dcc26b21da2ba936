"""Charts as server-rendered inline SVG: no script, no CDN, nothing fetched. Colours are SVG
presentation attributes (the content security policy forbids inline styles). Each chart has
a <title> and <desc>; the page also shows the numbers in a table."""
from __future__ import annotations

from markupsafe import Markup, escape

PALETTE = ("#2b6cb0", "#c53030", "#dd6b20", "#2f855a", "#6b46c1", "#718096")
WIDTH, LABEL_W, ROW_H, PAD = 720, 260, 24, 8


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def bar_chart(chart_id: str, title: str, items: list[tuple[str, float]], unit: str = "", colour: str = PALETTE[0],
              limit: int = 20) -> Markup:
    """Horizontal bars, one per (label, value), largest scale = the largest value."""
    items = items[:limit]
    height = PAD * 2 + ROW_H * max(len(items), 1)
    top = max((v for _, v in items), default=0) or 1
    bar_w = WIDTH - LABEL_W - 90
    rows = []
    for i, (label, value) in enumerate(items):
        y = PAD + i * ROW_H
        w = max(1.0, bar_w * float(value) / top) if value else 0
        rows.append(
            f'<text x="{LABEL_W - 6}" y="{y + 16}" text-anchor="end" font-size="12" fill="#1a202c">{escape(_clip(label))}</text>'
            f'<rect x="{LABEL_W}" y="{y + 4}" width="{w:.1f}" height="{ROW_H - 8}" fill="{colour}"></rect>'
            f'<text x="{LABEL_W + w + 4:.1f}" y="{y + 16}" font-size="12" fill="#1a202c">{_fmt(value)}{escape(unit)}</text>')
    if not items:
        rows.append(f'<text x="{PAD}" y="{PAD + 16}" font-size="12" fill="#4a5568">—</text>')
    return Markup(
        f'<svg id="{escape(chart_id)}" class="chart" role="img" aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet"><title id="{escape(chart_id)}-t">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-d">{escape(_describe(items, unit))}</desc>{"".join(rows)}</svg>')


def stacked_chart(chart_id: str, title: str, series: list[str], items: list[tuple[str, list[float]]],
                  colours: tuple[str, ...] = ("#2f855a", "#dd6b20", "#c53030", "#2b6cb0")) -> Markup:
    """One horizontal bar per label, split into the series (e.g. on time / late / overdue / open)."""
    legend_h = 24
    height = PAD * 2 + legend_h + ROW_H * max(len(items), 1)
    top = max((sum(vs) for _, vs in items), default=0) or 1
    bar_w = WIDTH - LABEL_W - 60
    parts = []
    x = LABEL_W
    for k, name in enumerate(series):
        parts.append(f'<rect x="{x}" y="{PAD}" width="12" height="12" fill="{colours[k % len(colours)]}"></rect>'
                     f'<text x="{x + 16}" y="{PAD + 11}" font-size="12" fill="#1a202c">{escape(name)}</text>')
        x += 24 + 13 * len(name) if any(ord(ch) > 255 for ch in name) else 24 + 7 * len(name)
    for i, (label, values) in enumerate(items):
        y = PAD + legend_h + i * ROW_H
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + 16}" text-anchor="end" font-size="12" fill="#1a202c">'
                     f'{escape(_clip(label))}</text>')
        x0 = float(LABEL_W)
        for k, v in enumerate(values):
            w = bar_w * float(v) / top
            if w > 0:
                parts.append(f'<rect x="{x0:.1f}" y="{y + 4}" width="{w:.1f}" height="{ROW_H - 8}" '
                             f'fill="{colours[k % len(colours)]}"><title>{escape(series[k])}: {_fmt(v)}</title></rect>')
            x0 += w
        parts.append(f'<text x="{x0 + 4:.1f}" y="{y + 16}" font-size="12" fill="#1a202c">{_fmt(sum(values))}</text>')
    desc = "; ".join(f"{label}: " + ", ".join(f"{s} {_fmt(v)}" for s, v in zip(series, values))
                     for label, values in items) or "—"
    return Markup(
        f'<svg id="{escape(chart_id)}" class="chart" role="img" aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet"><title id="{escape(chart_id)}-t">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-d">{escape(desc)}</desc>{"".join(parts)}</svg>')


def _clip(label: str, n: int = 22) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def _describe(items, unit) -> str:
    return "; ".join(f"{label}: {_fmt(v)}{unit}" for label, v in items) or "—"
