"""Build a benchmark city on PostgreSQL, set-based: N subjects and M records made by
INSERT ... SELECT over generate_series, in chunks, after running the migrations.

- subjects: 80% legal persons (91 USCC), 5% individual businesses (92 USCC), 15% natural
  persons; USCC check characters computed in SQL (GB 32100); natural persons carry a real
  keyed hash and an AES-GCM ciphertext of a valid resident ID (made in Python, loaded
  with COPY), so the public page can decrypt and mask it as in production.
- records: 35% penalties, 65% licences, over 50 agencies and 1,000 batches; subject of a
  record drawn with a skew (subject k gets about 5000/sqrt(k) records; every subject has
  some); decision dates 2019-01-01..today; publicity windows as the rules set them
  (penalties: 36 months before 2026-04-01, then 3/12/36 months by severity; licences:
  long-term or valid-to + 1 day), so many windows have ended; `fields` JSON with the
  catalogue's field codes, like ingested rows.
- rows go in in decision-number order, not subject order, so a subject's records are
  spread over the heap as they would be after years of batches.
Indexes and foreign keys of the two big tables are dropped for the load and re-created
from their own definitions afterwards (same schema as the migrations), then VACUUM ANALYZE.
"""
from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg

from bench.common import dbapi_url
from xinyong.synthetic import QUANZHOU_DIVISIONS

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
N_AGENCIES = 50
N_BATCHES = 1000
FIRST_DAY = dt.date(2019, 1, 1)
ORDER36_FROM = dt.date(2026, 4, 1)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅春燕鹏辉婷晓东海波宁斌文琳鑫宇浩然涵欣怡"
WORDS = "鸿泰丰盛华鑫源达祥瑞恒隆兴昌顺安宏晋海联建成嘉富利通新永金德锦佳汇天益鼎信远闽创"
DISTRICTS = ["鲤城", "丰泽", "洛江", "泉港", "惠安", "安溪", "永春", "德化", "石狮", "晋江", "南安"]
INDUSTRIES = ["食品", "贸易", "建材", "鞋业", "服装", "纺织", "陶瓷", "石材", "茶业", "机械", "电子", "物流", "餐饮",
              "建筑工程", "药业", "化工", "汽车销售", "五金", "包装", "印刷", "家具", "塑胶", "水产", "农业开发",
              "装饰工程", "网络科技", "医疗器械", "环保科技", "房地产开发", "酒店管理"]
FORMS = ["有限公司", "有限公司", "有限责任公司", "股份有限公司", "实业有限公司"]
OFFENCES = [
    ("违反食品安全管理规定", "经营超过保质期的食品，货值金额较小", "《中华人民共和国食品安全法》第一百二十四条第一款"),
    ("违反广告管理规定", "发布含有虚假内容的广告，欺骗、误导消费者", "《中华人民共和国广告法》第五十五条第一款"),
    ("违反价格管理规定", "不按规定明码标价，在标价之外加价出售商品", "《中华人民共和国价格法》第四十二条"),
    ("违反环境保护管理规定", "超过大气污染物排放标准排放大气污染物", "《中华人民共和国大气污染防治法》第九十九条第二项"),
    ("违反安全生产管理规定", "未按照规定对从业人员进行安全生产教育和培训", "《中华人民共和国安全生产法》第九十七条第三项"),
    ("违反消防安全管理规定", "占用、堵塞、封闭疏散通道、安全出口", "《中华人民共和国消防法》第六十条第一款第三项"),
    ("违反税收管理规定", "未按照规定期限办理纳税申报和报送纳税资料", "《中华人民共和国税收征收管理法》第六十二条"),
    ("违反城市管理规定", "未经批准擅自占用城市道路堆放物料", "《城市道路管理条例》第四十二条"),
]
LICENCES = [("食品经营许可证", "预包装食品（含冷藏冷冻食品）销售；散装食品销售", "JY1"),
            ("道路运输经营许可证", "道路普通货物运输", "闽交运管许可泉字"),
            ("排污许可证", "大气污染物、水污染物排放", "91350500"),
            ("药品经营许可证", "中成药、化学药制剂、抗生素制剂", "闽AA595"),
            ("建筑业企业资质证书", "建筑工程施工总承包三级", "D335"),
            ("烟草专卖零售许可证", "卷烟、雪茄烟零售", "350502")]
COUNTY_NAMES = ["鲤城区", "丰泽区", "洛江区", "泉港区", "惠安县", "安溪县", "永春县", "德化县", "石狮市", "晋江市", "南安市"]
DEPARTMENTS = ["市场监督管理局", "生态环境局", "应急管理局", "城市管理局", "交通运输局", "住房和城乡建设局", "卫生健康局"]
AGENCY_NAMES = ["泉州市市场监督管理局", "泉州市生态环境局", "泉州市应急管理局", "泉州市消防救援支队", "国家税务总局泉州市税务局",
                "泉州市城市管理局", "泉州市交通运输局", "泉州市住房和城乡建设局", "泉州市卫生健康委员会", "泉州市烟草专卖局"]


def _arr(values) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _h(expr: str, k: int) -> str:
    """A non-negative 52-bit hash of `expr` (deterministic, seed k)."""
    return f"(hashint8extended(({expr})::bigint, {k}) & 4503599627370495)"


def _u(expr: str, k: int) -> str:
    return f"({_h(expr, k)}::float8 / 4503599627370496.0)"


def _pick(values, expr: str, k: int) -> str:
    return f"({_arr(values)})[1 + {_h(expr, k)} % {len(values)}]"


def _uscc_sql(body: str) -> str:
    """body (17 ASCII digits) || its GB 32100 check character."""
    terms = " + ".join(f"substr({body}, {i + 1}, 1)::int * {w}" for i, w in enumerate(WEIGHTS))
    return f"({body} || substr('{ALPHABET}', ((31 - (({terms}) % 31)) % 31) + 1, 1))"


def _person_name(expr: str, k: int) -> str:
    return (f"({_pick(SURNAMES, expr, k)} || {_pick(GIVEN, expr, k + 1)} || "
            f"CASE WHEN {_h(expr, k + 2)} % 2 = 0 THEN {_pick(GIVEN, expr, k + 3)} ELSE '' END)")


def _kind(g: str) -> str:
    return (f"CASE WHEN {g} % 100 < 80 THEN 'legal_person' WHEN {g} % 100 < 85 THEN 'individual_business' "
            f"ELSE 'natural_person' END")


def is_person_id(g: int) -> bool:
    return g % 100 >= 85


# ------------------------------------------------------------------------- statements
def agencies_sql() -> str:
    body = "'11350500' || 'MB' || lpad(g::text, 6, '0') || '0'"
    # alphabet letters M, B are not digits: compute the check over ALPHABET indices instead
    terms = " + ".join(f"(strpos('{ALPHABET}', substr(b, {i + 1}, 1)) - 1) * {w}" for i, w in enumerate(WEIGHTS))
    return (f"INSERT INTO agencies (id, uscc, name, kind, active, registered_at) "
            f"SELECT g, b || substr('{ALPHABET}', ((31 - (({terms}) % 31)) % 31) + 1, 1), "
            f"CASE WHEN g <= {len(AGENCY_NAMES)} THEN ({_arr(AGENCY_NAMES)})[g] "
            f"ELSE ({_arr(COUNTY_NAMES)})[1 + g % {len(COUNTY_NAMES)}] || ({_arr(DEPARTMENTS)})[1 + (g / "
            f"{len(COUNTY_NAMES)}) % {len(DEPARTMENTS)}] END, 'public_body', true, now() - interval '3 years' "
            f"FROM (SELECT g, {body} AS b FROM generate_series(1, {N_AGENCIES}) g) s")


def batches_sql() -> str:
    return (f"INSERT INTO batches (id, agency_id, source_uscc, item_code, filename, file_format, channel, "
            f"content_sha256, status, total_rows, accepted_rows, rejected_rows, created_records, updated_records, "
            f"unchanged_records, notes, received_at, completed_at) "
            f"SELECT g, a.id, a.uscc, CASE WHEN g % 3 = 0 THEN 'penalty' ELSE 'licence' END, "
            f"'batch-' || g || '.csv', 'csv', 'cli', md5(g::text) || md5(g::text), 'completed', 10000, 10000, 0, "
            f"10000, 0, 0, '{{}}'::jsonb, now() - (g || ' hours')::interval, now() - (g || ' hours')::interval "
            f"FROM generate_series(1, {N_BATCHES}) g JOIN agencies a ON a.id = 1 + g % {N_AGENCIES}")


def subjects_sql(lo: int, hi: int) -> str:
    g = "g"
    body = f"(CASE WHEN g % 100 < 80 THEN '91' ELSE '92' END || ({_arr(QUANZHOU_DIVISIONS)})[1 + g % " \
           f"{len(QUANZHOU_DIVISIONS)}] || lpad(g::text, 8, '0') || (g % 10)::text)"
    enterprise_name = (f"'泉州' || {_pick(DISTRICTS, g, 1)} || {_pick(WORDS, g, 2)} || {_pick(WORDS, g, 3)} || "
                       f"{_pick(INDUSTRIES, g, 4)} || {_pick(FORMS, g, 5)}")
    shop_name = (f"{_pick(DISTRICTS, g, 1)} || {_pick(WORDS, g, 2)} || {_pick(WORDS, g, 3)} || "
                 f"{_pick(INDUSTRIES, g, 4)} || {_pick(['店', '商行', '经营部'], g, 5)}")
    return (
        f"INSERT INTO subjects (id, kind, name, uscc, resident_id_hash, resident_id_enc, legal_rep_name, created_at) "
        f"SELECT g, {_kind(g)}, "
        f"CASE WHEN g % 100 < 80 THEN {enterprise_name} WHEN g % 100 < 85 THEN {shop_name} "
        f"ELSE {_person_name(g, 10)} END, "
        f"CASE WHEN g % 100 < 85 THEN {_uscc_sql(body)} END, p.rid_hash, p.rid_enc, "
        f"CASE WHEN g % 100 < 85 THEN {_person_name(g, 20)} END, "
        f"now() - ({_h(g, 30)} % 2000 || ' days')::interval "
        f"FROM generate_series({lo}, {hi}) g LEFT JOIN bench_person_ids p ON p.id = g")


def records_sql(lo: int, hi: int, n_subjects: int, today: dt.date) -> str:
    g = "g"
    days = (today - FIRST_DAY).days + 1
    subject = f"(1 + floor({n_subjects} * power({_u(g, 101)}, 2)))::bigint"
    penalty = f"({_h(g, 102)} % 100 < 35)"
    decided = f"(date '{FIRST_DAY.isoformat()}' + ({_h(g, 103)} % {days})::int)"
    sev_roll = f"({_h(g, 104)} % 100)"
    severity = f"CASE WHEN {sev_roll} < 35 THEN 'minor' WHEN {sev_roll} < 85 THEN 'general' ELSE 'serious' END"
    o = len(OFFENCES)
    off = f"(1 + {_h(g, 105)} % {o})"
    lic = f"(1 + {_h(g, 106)} % {len(LICENCES)})"
    long_term = f"({_h(g, 107)} % 100 < 60)"
    lic_valid_to = f"(c.decided + make_interval(months => (12 + {_h(g, 108)} % 49)::int))::date"
    fine = f"round((CASE c.severity WHEN 'minor' THEN 0.05 + {_u(g, 109)} * 0.9 WHEN 'general' THEN " \
           f"1 + {_u(g, 109)} * 98 ELSE 100 + {_u(g, 109)} * 300 END)::numeric, 2)"

    def kinds(a: str) -> str:
        return f"CASE {a}.severity WHEN 'minor' THEN '警告' WHEN 'general' THEN '罚款' ELSE '责令停产停业、罚款' END"

    cutoff = f"date '{ORDER36_FROM.isoformat()}'"
    months = (f"CASE WHEN d0.decided < {cutoff} THEN 36 ELSE "
              f"CASE d0.severity WHEN 'minor' THEN 3 WHEN 'general' THEN 12 ELSE 36 END END")
    min_months = (f"CASE WHEN d0.decided < {cutoff} THEN 3 ELSE "
                  f"CASE d0.severity WHEN 'minor' THEN 0 WHEN 'general' THEN 3 ELSE 12 END END")
    pen_end = f"(d0.decided + make_interval(months => {months}))::date"
    lic_end = "CASE WHEN d0.long_term THEN NULL ELSE d0.valid_to + 1 END"
    cite_pen = (f"CASE WHEN d.decided < date '{ORDER36_FROM.isoformat()}' THEN 'NDRC-58' "
                f"ELSE 'NDRC-36 ch. 2' END")
    common_fields = ("'subject_name', s.name, 'subject_kind', CASE s.kind WHEN 'natural_person' THEN '自然人' "
                     "WHEN 'individual_business' THEN '个体工商户' ELSE '法人及非法人组织' END")
    subject_codes = "'subject_uscc', s.uscc, 'legal_rep_name', s.legal_rep_name"
    pen_fields = (
        f"jsonb_strip_nulls(jsonb_build_object({common_fields}, {subject_codes}, "
        f"'subject_id_type', CASE WHEN s.kind = 'natural_person' THEN '身份证' END, "
        f"'decision_no', d.decision_no, 'offence_type', ({_arr(o_[0] for o_ in OFFENCES)})[d.off], "
        f"'offence_facts', ({_arr(o_[1] for o_ in OFFENCES)})[d.off], "
        f"'legal_basis', ({_arr(o_[2] for o_ in OFFENCES)})[d.off], 'penalty_kinds', {kinds('d')}, "
        f"'penalty_content', {kinds('d')} || '，罚款人民币' || d.fine || '万元', 'fine_wan', d.fine::text, "
        f"'decision_date', d.decided::text, 'valid_to', '2099-12-31', 'deciding_agency_name', a.name, "
        f"'deciding_agency_uscc', a.uscc, 'source_agency_name', a.name, 'source_agency_uscc', a.uscc))")
    lic_fields = (
        f"jsonb_strip_nulls(jsonb_build_object({common_fields}, {subject_codes}, "
        f"'decision_doc_name', '准予行政许可决定书', 'decision_no', d.decision_no, 'licence_kind', '普通', "
        f"'certificate_name', ({_arr(x[0] for x in LICENCES)})[d.lic], "
        f"'licence_no', ({_arr(x[2] for x in LICENCES)})[d.lic] || lpad(d.g::text, 10, '0'), "
        f"'licence_content', ({_arr(x[1] for x in LICENCES)})[d.lic], 'decision_date', d.decided::text, "
        f"'valid_from', d.decided::text, 'valid_to', CASE WHEN d.long_term THEN '2099-12-31' "
        f"ELSE d.valid_to::text END, 'licensing_agency_name', a.name, 'deciding_agency_uscc', a.uscc, "
        f"'current_status', '有效', 'source_agency_name', a.name, 'source_agency_uscc', a.uscc))")
    return f"""
INSERT INTO records (id, subject_id, item_code, source_agency_id, decision_no, decision_date, valid_to, severity,
    severity_basis, disclosure, publicity_published, publicity_start, publicity_end, publicity_min_end,
    publicity_citation, publicity_ended_on, fields, status, version, batch_id, row_no, received_at, updated_at)
SELECT d.g, d.subject_id, d.item_code, d.agency_id, d.decision_no, d.decided,
    CASE WHEN d.is_penalty THEN date '2099-12-31' WHEN d.long_term THEN date '2099-12-31' ELSE d.valid_to END,
    d.severity,
    CASE WHEN d.is_penalty THEN 'derived: ' || {kinds('d')} || ', ' || d.fine || '万元 → ' || d.severity ||
        ' (NDRC-36 ch. 2)' END,
    'public', true, d.decided, d.pub_end, d.min_end,
    CASE WHEN d.is_penalty THEN {cite_pen} ELSE 'GB-DUAL field 有效期至' END,
    CASE WHEN d.pub_end <= date '{today.isoformat()}' THEN d.pub_end END,
    CASE WHEN d.is_penalty THEN {pen_fields} ELSE {lic_fields} END,
    'active', 1, d.batch_id, (d.g % 10000)::int + 2,
    d.decided + interval '3 days', d.decided + interval '3 days'
FROM (
    SELECT d0.*,
        CASE WHEN d0.is_penalty THEN {pen_end} ELSE {lic_end} END AS pub_end,
        CASE WHEN d0.is_penalty THEN (d0.decided + make_interval(months => {min_months}))::date END AS min_end
    FROM (
        SELECT c.*, {fine} AS fine, {lic_valid_to} AS valid_to
        FROM (
            SELECT g, {subject} AS subject_id, {penalty} AS is_penalty,
                CASE WHEN {penalty} THEN 'penalty' ELSE 'licence' END AS item_code,
                (1 + {_h(g, 110)} % {N_AGENCIES})::int AS agency_id, 1 + g % {N_BATCHES} AS batch_id,
                {decided} AS decided, CASE WHEN {penalty} THEN {severity} END AS severity,
                {off}::int AS off, {lic}::int AS lic, {long_term} AS long_term,
                CASE WHEN {penalty} THEN '泉罚' ELSE '泉许' END || '〔' ||
                    extract(year FROM {decided})::int || '〕' || g || '号' AS decision_no
            FROM generate_series({lo}, {hi}) g
        ) c
    ) d0
) d
JOIN subjects s ON s.id = d.subject_id
JOIN agencies a ON a.id = d.agency_id
"""


# ------------------------------------------------------------------------- Python-made parts
def person_rows(n_subjects: int, seed: int = 7) -> list[tuple[int, str, bytes]]:
    """(subject id, keyed hash, ciphertext) of a valid resident ID per natural person."""
    import random

    from stdnum.cn import ric

    from xinyong.kit.crypto import encrypt_many, keyed_hash_many
    rng = random.Random(seed)
    ids = [g for g in range(1, n_subjects + 1) if is_person_id(g)]
    numbers = []
    valid_years = {}
    for div in QUANZHOU_DIVISIONS:
        years = [y for y in range(1955, 2005) if ric.is_valid(f"{div}{y}0101001" + ric.calc_check_digit(
            f"{div}{y}0101001X"))]
        if years:
            valid_years[div] = years
    divisions = sorted(valid_years)
    seen = set()
    while len(numbers) < len(ids):
        div = rng.choice(divisions)
        body = f"{div}{rng.choice(valid_years[div])}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        if body in seen:
            continue
        seen.add(body)
        numbers.append(body + ric.calc_check_digit(body + "X"))
    return list(zip(ids, keyed_hash_many(numbers), encrypt_many(numbers)))


# ------------------------------------------------------------------------- the build
def _drop_and_capture(conn, table: str) -> tuple[list[str], list[str]]:
    """Drop the secondary indexes, unique/foreign-key constraints of `table` (not its
    primary key); return the statements that re-create them."""
    cons = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC", (table,)).fetchall()
    idx = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)", (table, table)).fetchall()
    index_sql = [d for _, d in idx]
    unique_sql = [f'ALTER TABLE {table} ADD CONSTRAINT "{n}" {d}' for n, d, t in cons if t == "u"]
    fk_sql = [f'ALTER TABLE {table} ADD CONSTRAINT "{n}" {d}' for n, d, t in cons if t == "f"]
    for n, _, _ in sorted(cons, key=lambda c: c[2]):  # foreign keys first
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{n}"')
    for n, _ in idx:
        conn.execute(f'DROP INDEX "{n}"')
    return unique_sql + index_sql, fk_sql


def build(url: str, n_subjects: int, n_records: int, chunk: int = 500_000, workers: int = 2,
          log=print) -> dict:
    from xinyong.migrate import upgrade
    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    upgrade(url)
    today = dt.date.today()
    dsn = dbapi_url(url)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        t = time.perf_counter()
        rebuild = {}
        for table in ("records", "subject_names", "subjects"):
            rebuild[table] = _drop_and_capture(conn, table)
        conn.execute(agencies_sql())
        conn.execute(batches_sql())
        timings["prepare_s"] = time.perf_counter() - t

        t = time.perf_counter()
        persons = person_rows(n_subjects)
        conn.execute("CREATE UNLOGGED TABLE bench_person_ids (id bigint PRIMARY KEY, rid_hash text, rid_enc bytea)")
        with conn.cursor() as cur, cur.copy("COPY bench_person_ids (id, rid_hash, rid_enc) FROM STDIN") as copy:
            for row in persons:
                copy.write_row(row)
        timings["persons_python_s"] = time.perf_counter() - t
        log(f"  {len(persons):,} natural persons encrypted and staged in {timings['persons_python_s']:.1f}s")

    def run_chunks(label: str, make_sql, total: int) -> float:
        t0 = time.perf_counter()
        ranges = [(lo, min(lo + chunk - 1, total)) for lo in range(1, total + 1, chunk)]

        def one(r):
            with psycopg.connect(dsn, autocommit=True) as c:
                c.execute("SET synchronous_commit = off")
                c.execute("SET jit = off")
                c.execute(make_sql(*r))
            return r

        done = 0
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for lo, hi in pool.map(one, ranges):
                done += hi - lo + 1
                log(f"  {label}: {done:,}/{total:,} ({time.perf_counter() - t0:.0f}s)")
        return time.perf_counter() - t0

    timings["subjects_insert_s"] = run_chunks("subjects", subjects_sql, n_subjects)
    with psycopg.connect(dsn, autocommit=True) as conn:
        t = time.perf_counter()
        conn.execute("DROP TABLE bench_person_ids")
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET max_parallel_maintenance_workers = 2")
        for stmt in rebuild["subjects"][0]:
            conn.execute(stmt)
        conn.execute("ANALYZE subjects")
        # the name search's copy of every name (as the outbox's hook makes it after each batch)
        conn.execute("INSERT INTO subject_names (subject_id, name, kind) SELECT id, name, kind FROM subjects")
        for stmt in rebuild["subject_names"][0]:
            conn.execute(stmt)
        conn.execute("ANALYZE subject_names")
        timings["subjects_indexes_s"] = time.perf_counter() - t
        log(f"  subjects indexed in {timings['subjects_indexes_s']:.0f}s")
    timings["records_insert_s"] = run_chunks("records", lambda lo, hi: records_sql(lo, hi, n_subjects, today),
                                             n_records)
    with psycopg.connect(dsn, autocommit=True) as conn:
        t = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '2GB'")
        conn.execute("SET max_parallel_maintenance_workers = 2")
        for stmt in rebuild["records"][0]:
            t1 = time.perf_counter()
            conn.execute(stmt)
            log(f"  {stmt[:90]}... {time.perf_counter() - t1:.0f}s")
        timings["records_indexes_s"] = time.perf_counter() - t
        t = time.perf_counter()
        for stmt in rebuild["subjects"][1] + rebuild["subject_names"][1] + rebuild["records"][1]:
            t1 = time.perf_counter()
            conn.execute(stmt)
            log(f"  {stmt[:90]}... {time.perf_counter() - t1:.0f}s")
        timings["foreign_keys_s"] = time.perf_counter() - t
        t = time.perf_counter()
        for seq_table in ("agencies", "batches", "subjects", "records"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{seq_table}', 'id'), (SELECT max(id) FROM {seq_table}))")
        conn.execute("VACUUM (ANALYZE) subjects")
        conn.execute("VACUUM (ANALYZE) subject_names")
        conn.execute("VACUUM (ANALYZE) records")
        conn.execute("ANALYZE")
        timings["vacuum_analyze_s"] = time.perf_counter() - t
        conn.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb)")
        sizes = conn.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('records')), pg_size_pretty(pg_total_relation_size('subjects')),"
            " pg_size_pretty(pg_database_size(current_database()))").fetchone()
    timings["total_s"] = time.perf_counter() - t_all
    info = {"subjects": n_subjects, "records": n_records, "built_on": today.isoformat(), "chunk": chunk,
            "workers": workers, "timings": {k: round(v, 1) for k, v in timings.items()},
            "sizes": {"records": sizes[0], "subjects": sizes[1], "database": sizes[2]}}
    import json
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO bench_meta VALUES ('city', %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                     (json.dumps(info),))
    return info


def existing_city(url: str) -> dict | None:
    import json
    try:
        with psycopg.connect(dbapi_url(url), autocommit=True) as conn:
            row = conn.execute("SELECT value FROM bench_meta WHERE key = 'city'").fetchone()
    except psycopg.Error:
        return None
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])
