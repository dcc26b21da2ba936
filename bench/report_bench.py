"""Render time of a credit report (issue 5: "rendered in under 1 s"), for a subject with ~200
records, against the raw baseline of the same run: a blank page with the same embedded font.

    .venv/bin/python bench/report_bench.py [--records 200] [--runs 30]

In one process, on a throwaway migrated SQLite database (the rendering does not touch the
database; the gathering step is timed separately):
  gather  — xinyong.reports.content.full: records, histories, sources, lists, grade, access log
  render  — xinyong.reports.render.render: the content as a PDF with the embedded CJK font and QR
  blank   — a blank A4 page with the same font file, output (the floor: font parse + subset + write)
  sign    — xinyong.reports.signing.sign: the PAdES signature (not part of "render")
Runs are interleaved (blank, render, blank, render...) so machine noise hits both alike.
Prints p50/p99 of each (wall clock; render also as this process's CPU time, which other load on
the machine does not inflate) and the render/blank ratio; writes bench/results/report_bench.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader  # noqa: E402

from bench.common import RESULTS_DIR, machine_info, percentile  # noqa: E402


def _city(records: int):
    from xinyong.agencies.service import register
    from xinyong.db import session_factory
    from xinyong.ingest.service import ingest_file
    from xinyong.models import Subject
    from xinyong.synthetic import make_uscc, penalty_row, to_csv
    rng = random.Random(5)
    session = session_factory()()
    agencies = [register(session, uscc=make_uscc(rng, "11"), name=name)
                for name in ("泉州市市场监督管理局", "泉州市生态环境局", "国家税务总局泉州市税务局", "泉州市应急管理局")]
    uscc = make_uscc(rng)
    for a_no, agency in enumerate(agencies):
        rows = [penalty_row(rng, name="泉州市鑫源鞋业有限公司", subject_uscc=uscc,
                            decision_no=f"泉罚〔{2023 + n % 4}〕{a_no}{n:04d}号",
                            decision_date=dt.date(2023, 1, 1) + dt.timedelta(days=(n * 7 + a_no) % 1300),
                            agency_name=agency.name, agency_uscc=agency.uscc)
                for n in range(records // len(agencies))]
        outcome = ingest_file(session, data=to_csv(rows), filename="p.csv", source_uscc=agency.uscc, item_code="penalty")
        assert outcome.status == "completed", outcome
    session.commit()
    return session, session.query(Subject).filter_by(uscc=uscc).one()


def _blank(font: tuple[str, int]) -> bytes:
    from xinyong.kit.pdf import new_pdf_with_font
    pdf = new_pdf_with_font(font[0], font[1], "blank")
    pdf.set_font("cjk", size=10)
    return bytes(pdf.output())


CPU: list[float] = []   # process CPU seconds of each render (not inflated by other processes' load)


def _timed(call, cpu: list | None = None):
    start, start_cpu = time.perf_counter(), time.process_time()
    value = call()
    if cpu is not None:
        cpu.append(time.process_time() - start_cpu)
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="report-bench-"))
    os.environ.setdefault("XINYONG_DATABASE_URL", f"sqlite:///{tmp / 'bench.db'}")
    os.environ.setdefault("XINYONG_DATA_DIR", str(tmp / "data"))
    os.environ.setdefault("XINYONG_TODAY", "2026-09-01")
    from xinyong.kit.pdf import font_cache_dir, font_for
    from xinyong.migrate import upgrade
    from xinyong.reports import content as contents
    from xinyong.reports import service, signing
    from xinyong.reports.render import Stamp, all_text, render
    upgrade(os.environ["XINYONG_DATABASE_URL"])
    session, subject = _city(args.records)
    pol = service.policy()
    t0 = time.perf_counter()
    content = contents.full(session, subject, pol)
    gather = time.perf_counter() - t0
    code = service.new_code()
    stamp = Stamp("泉州市信报〔2026〕QB0000000001号", code, service.verify_url(code), dt.date(2026, 9, 1), "泉州市公共信用信息平台")
    font = font_for(all_text(content, stamp), font_cache_dir())            # builds the cached font once (not timed)
    pdf = render(content, stamp)
    _blank(font)
    signing.sign(pdf)                                                      # key and imports warm
    renders, blanks, signs = [], [], []
    for _ in range(args.runs):
        blanks.append(_timed(lambda: _blank(font))[1])
        pdf, took = _timed(lambda: render(content, stamp), CPU)
        renders.append(took)
        signs.append(_timed(lambda: signing.sign(pdf))[1])
    renders.sort()
    CPU.sort()
    blanks.sort()
    signs.sort()
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    result = {
        "bench": "report_render", "records": content.record_count, "pages": pages, "pdf_bytes": len(pdf),
        "font": font[0], "runs": args.runs, "gather_s": round(gather, 4),
        "render_p50_s": round(percentile(renders, 50), 4), "render_p99_s": round(percentile(renders, 99), 4),
        "render_cpu_p50_s": round(percentile(CPU, 50), 4), "render_cpu_p99_s": round(percentile(CPU, 99), 4),
        "blank_p50_s": round(percentile(blanks, 50), 4), "blank_p99_s": round(percentile(blanks, 99), 4),
        "sign_p50_s": round(percentile(signs, 50), 4), "sign_p99_s": round(percentile(signs, 99), 4),
        "ratio_render_to_blank_p50": round(percentile(renders, 50) / percentile(blanks, 50), 2),
        "machine": machine_info(),
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "report_bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
