"""The query gate as its users meet it, in headless Chromium: a bank asks for an enterprise's
non-public penalty without a basis and is refused with the reason and the article; the
enterprise authorises the bank on its own page; the bank's query then shows the record; the
enterprise reads both attempts in "who looked at my data" (also in English), revokes, and the
bank is refused again. A market-regulation agency publishes a query item that an anonymous
visitor finds on the public page; an auditor finds the attempts in the access log, the grant
in the audit log, and verifies the audit chain. Screenshots of every step go to
test-artifacts/screenshots/access-*.png.

A page that answers wrongly but can be got round (a search form that errs, English text left in
Chinese) is noted as a defect and the path goes on as a persistent user would; the test then
fails at the end, listing every defect met."""
from __future__ import annotations

import datetime as dt
import random
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.builders import agency, agency_user, to_csv
from tests.web.browser_support import chromium, live_app_fixture, shot

pytestmark = pytest.mark.browser

TODAY = "2026-11-23"  # the platform's clock for this scenario
COMPANY = "泉州市鲤城区示范食品有限公司"
BANK = "泉州市示范商业银行股份有限公司"
AGENCY = "泉州市市场监督管理局"
OLD_DECISION = "泉市监罚〔2021〕88号"   # general penalty of 2021-03-15: publicity ended 2024-03-15
NEW_DECISION = "泉市监罚〔2026〕230号"  # general penalty of 2026-09-10: in public view
PURPOSE = "流动资金贷款贷前审查"
VALID_TO = "2027-11-22"
ARTICLE = "《泉州市社会信用条例》第三十三条"   # a citation in words (issue #13 point 3)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")  # Chinese characters and full-width punctuation
USERS = {"bank": ("bank1", "bank-pass-123"), "subject": ("qiye1", "qiye-pass-123"),
         "agency": ("agency1", "agency-pass-123"), "auditor": ("audit1", "audit-pass-123")}


def _seed(url: str) -> dict[str, str]:
    """The market-regulation agency and its user, a bank and its user, an auditor, and two
    penalties of COMPANY (one past its publicity period) with the enterprise's own account."""
    from xinyong.accounts.service import create_user
    from xinyong.agencies.service import register
    from xinyong.db import make_engine, session_scope
    from xinyong.ingest.service import ingest_file
    from xinyong.synthetic import make_uscc, penalty_row

    engine = make_engine(url)
    rng = random.Random(2611)
    company_uscc = make_uscc(rng)
    with session_scope(engine) as session:
        regulator = agency(session, name=AGENCY)
        agency_user(session, regulator.uscc, *USERS["agency"])
        bank = register(session, uscc=make_uscc(rng), name=BANK, kind="financial")
        create_user(session, username=USERS["bank"][0], password=USERS["bank"][1], role="financial",
                    agency_uscc=bank.uscc, display_name="信贷员王五")
        create_user(session, username=USERS["auditor"][0], password=USERS["auditor"][1], role="auditor",
                    display_name="审计员赵六")
        rows = [penalty_row(rng, name=COMPANY, subject_uscc=company_uscc, decision_no=number, decision_date=day,
                            agency_uscc=regulator.uscc)
                for number, day in ((OLD_DECISION, dt.date(2021, 3, 15)), (NEW_DECISION, dt.date(2026, 9, 10)))]
        out = ingest_file(session, data=to_csv(rows), filename="penalties.csv", source_uscc=regulator.uscc,
                          item_code="penalty")
        assert out.accepted == 2, out
        create_user(session, username=USERS["subject"][0], password=USERS["subject"][1], role="subject",
                    subject_uscc=company_uscc, display_name="示范食品（企业账户）")
        bank_uscc = bank.uscc
    engine.dispose()
    return {"company_uscc": company_uscc, "bank_uscc": bank_uscc}


live_app = live_app_fixture(today=TODAY, seed=_seed)


def test_authorise_query_revoke_publish_and_audit(live_app):
    base = live_app["base"]
    defects: list[str] = []  # page defects met on the way; the path goes on, the test fails at the end
    with chromium() as browser:
        bank = _signed_in(browser, base, "bank", "access-01-bank-login")
        _bank_is_refused_without_a_basis(bank, live_app["company_uscc"])
        subject = _signed_in(browser, base, "subject", "access-03-subject-login")
        auth_id = _subject_authorises_the_bank(subject)
        _bank_reads_the_record(bank, auth_id)
        _subject_reads_who_looked(subject, auth_id)
        _subject_revokes(subject, auth_id)
        _bank_is_refused_after_revocation(bank, auth_id, live_app["company_uscc"], defects)
        agency = _signed_in(browser, base, "agency", "access-13-agency-login")
        _agency_publishes_a_query_item(agency)
        _anonymous_visitor_reads_query_items(browser, base)
        auditor = _signed_in(browser, base, "auditor", "access-17-auditor-login")
        _auditor_searches_the_access_log(auditor, defects)
        _auditor_reads_and_verifies_the_audit_log(auditor, auth_id)
    if defects:
        pytest.fail("defects in the pages:\n- " + "\n- ".join(defects), pytrace=False)


# ---- helpers ---------------------------------------------------------------------------------------

def _new_page(browser: Browser, base: str) -> Page:
    context: BrowserContext = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(base + "/")
    expect(page.get_by_role("heading", name="公共信用信息查询")).to_be_visible()
    return page


def _signed_in(browser: Browser, base: str, who: str, shot_name: str) -> Page:
    """Each person on their own browser (own cookies), signing in through the login page."""
    page = _new_page(browser, base)
    username, password = USERS[who]
    page.get_by_role("link", name="登录").click()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    shot(page, shot_name)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    return page


def _item(page: Page, name: str):
    return page.get_by_label(name, exact=True)


def _query(page: Page, basis_id: str) -> None:
    page.get_by_label("授权编号 / 查询事项编号 / 法定依据代码").fill(basis_id)
    page.get_by_role("button", name="查询", exact=True).click()


# ---- 1. the bank without a basis ------------------------------------------------------------------

def _bank_is_refused_without_a_basis(page: Page, company_uscc: str) -> None:
    page.get_by_role("link", name="信用查询").click()
    expect(page).to_have_url(re.compile(r"/agency/query$"))
    expect(page.get_by_role("heading", name="信用信息查询")).to_be_visible()
    page.get_by_label("统一社会信用代码或身份证号码").fill(company_uscc)
    _item(page, "行政处罚").check()
    page.get_by_label("用途", exact=True).fill(PURPOSE)
    page.get_by_label("查询依据").select_option(label="书面授权")
    page.get_by_label("授权编号 / 查询事项编号 / 法定依据代码").fill("1")  # no authorisation exists yet
    shot(page, "access-02a-bank-query-form")
    page.get_by_role("button", name="查询", exact=True).click()
    refusal = page.locator("#refusal")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("查询被拒绝")
    expect(refusal).to_contain_text("该信用主体未向您所在机构作出编号为 1 的书面授权")
    expect(refusal).to_contain_text(f"依据条款：{ARTICLE}")
    expect(page.locator("article.record")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text(OLD_DECISION)
    shot(page, "access-02b-bank-refused")


# ---- 2. the enterprise authorises the bank ----------------------------------------------------------

def _subject_authorises_the_bank(page: Page) -> str:
    page.get_by_role("link", name="我的授权").click()
    expect(page.get_by_role("heading", name="我的书面授权")).to_be_visible()
    expect(page.locator("main")).to_contain_text("未经您的书面授权，任何单位和个人不得查询您的非公开信用信息")
    expect(page.locator("main")).to_contain_text("尚无授权。")
    page.get_by_label("被授权机构", exact=True).select_option(label=f"{BANK}（金融机构）")
    _item(page, "行政处罚").check()
    page.get_by_label("用途", exact=True).fill(PURPOSE)
    page.get_by_label("有效期至").fill(VALID_TO)
    page.get_by_label("签署人姓名").fill("张三")          # the legal representative on the penalty rows
    page.get_by_label("签署人身份").select_option(label="法定代表人")
    shot(page, "access-04a-subject-grant-form")
    page.get_by_role("button", name="确认授权").click()
    granted = page.get_by_role("status")
    expect(granted).to_contain_text(re.compile(r"已作出授权（编号 \d+）"))
    auth_id = re.search(r"编号 (\d+)", granted.inner_text()).group(1)
    row = page.locator(f"#authorisation-{auth_id}")
    for text in (BANK, "行政处罚", PURPOSE, f"{TODAY} – {VALID_TO}", "有效"):
        expect(row).to_contain_text(text)
    expect(row.get_by_role("button", name="撤销")).to_be_visible()
    shot(page, "access-04b-subject-granted")
    return auth_id


# ---- 3. the bank on the authorisation ---------------------------------------------------------------

def _bank_reads_the_record(page: Page, auth_id: str) -> None:
    expect(page.get_by_label("用途", exact=True)).to_have_value(PURPOSE)  # the form kept what was typed
    _query(page, auth_id)
    expect(page.locator("#refusal")).to_have_count(0)
    expect(page.get_by_role("heading", name=f"查询结果：{COMPANY}")).to_be_visible()
    expect(page.locator("main dl.facts").first).to_contain_text(
        f"书面授权 {auth_id} 涵盖 行政处罚，用途一致，有效至 {VALID_TO}")
    records = page.locator("article.record")
    expect(records).to_have_count(2)
    old = records.filter(has_text=OLD_DECISION)
    expect(old).to_have_count(1)
    expect(old).to_contain_text("公示期已于 2024-03-15 届满")  # the non-public one
    expect(records.filter(has_text=NEW_DECISION)).to_contain_text("公示中")
    shot(page, "access-05-bank-allowed")


# ---- 4. who looked at my data, revocation -----------------------------------------------------------

def _subject_reads_who_looked(page: Page, auth_id: str) -> None:
    page.get_by_role("link", name="查询记录").click()
    expect(page.get_by_role("heading", name="我的信息被查询记录")).to_be_visible()
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(2)
    for i in range(2):
        for text in (BANK, "金融机构", "行政处罚", f"书面授权 {auth_id if i == 0 else '1'}", PURPOSE):
            expect(rows.nth(i)).to_contain_text(text)
    expect(rows.nth(0)).to_contain_text("准予查询")  # newest first
    expect(rows.nth(1)).to_contain_text("拒绝查询")
    expect(rows.nth(1)).to_contain_text("该信用主体未向您所在机构作出编号为 1 的书面授权")
    shot(page, "access-06-subject-access-log")

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Who looked at my data")).to_be_visible()
    expect(rows.nth(0)).to_contain_text("Allowed")
    expect(rows.nth(0)).to_contain_text("Written authorisation")
    expect(rows.nth(0)).to_contain_text("Financial institution")
    expect(rows.nth(1)).to_contain_text("Refused")
    expect(rows.nth(1)).to_contain_text("No written authorisation #1 by this subject to your organisation")
    expect(page.locator("thead")).to_contain_text("Organisation")
    shot(page, "access-07-subject-access-log-en")
    page.get_by_role("link", name="中文").click()
    expect(page.get_by_role("heading", name="我的信息被查询记录")).to_be_visible()

    rows.nth(1).get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile(r"^查询记录 \d+$"))).to_be_visible()
    facts = page.locator("dl.facts")
    for text in (BANK, "拒绝查询", PURPOSE, ARTICLE, "网页"):
        expect(facts).to_contain_text(text)
    shot(page, "access-08-subject-access-log-entry")

    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="返回查询记录").click()
    expect(rows).to_have_count(2)
    shot(page, "access-09-subject-access-log-phone")
    page.set_viewport_size({"width": 1280, "height": 900})


def _subject_revokes(page: Page, auth_id: str) -> None:
    page.get_by_role("link", name="我的授权").click()
    row = page.locator(f"#authorisation-{auth_id}")
    row.get_by_role("button", name="撤销").click()
    expect(page).to_have_url(re.compile(r"/me/authorisations$"))
    expect(row).to_contain_text("已撤销")
    expect(row.get_by_role("button", name="撤销")).to_have_count(0)
    shot(page, "access-10-subject-revoked")


def _bank_is_refused_after_revocation(page: Page, auth_id: str, company_uscc: str, defects: list[str]) -> None:
    _query(page, auth_id)
    refusal = page.locator("#refusal")
    expect(refusal).to_contain_text(f"授权 {auth_id} 已于 {TODAY} 撤销")
    expect(refusal).to_contain_text(ARTICLE)
    expect(page.locator("article.record")).to_have_count(0)
    shot(page, "access-11-bank-refused-after-revocation")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Credit information query")).to_be_visible()
    restricted = [" ".join(t.split()) for t in page.locator("label.choice").filter(
        has=page.locator("input[value^='restricted:']")).all_inner_texts()]
    assert restricted, "the query form lists no restricted classes"
    in_chinese = [t for t in restricted if CJK.search(t)]
    if in_chinese:
        defects.append(f"{page.url} in English (after pressing 'English') labels the restricted classes of the "
                       f"items check boxes in Chinese: {in_chinese}")
    page.get_by_label("USCC or resident ID number").fill(company_uscc)  # asked once more, in English
    _item(page, "Administrative penalty").check()
    page.get_by_label("Purpose", exact=True).fill(PURPOSE)
    page.get_by_label("Basis", exact=True).select_option(label="Written authorisation")
    page.get_by_label("Authorisation no. / query item no. / legal basis id").fill(auth_id)
    page.get_by_role("button", name="Query", exact=True).click()
    expect(page.locator("#refusal")).to_contain_text(f"Authorisation #{auth_id} was revoked on {TODAY}")
    expect(page.locator("#refusal")).to_contain_text("Query refused")
    shot(page, "access-12-bank-refused-en")
    page.get_by_role("link", name="中文").click()


# ---- 5. a published query item -----------------------------------------------------------------------

MATTER = "食品经营许可审查"
LEGAL_BASIS = "《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》第十条"


def _agency_publishes_a_query_item(page: Page) -> None:
    page.get_by_role("link", name="本单位查询事项").click()
    expect(page.get_by_role("heading", name="本单位查询事项")).to_be_visible()
    expect(page.locator("main")).to_contain_text("暂无查询事项。")
    page.get_by_label("行政管理事项").fill(MATTER)
    _item(page, "行政处罚").check()
    _item(page, "行政许可").check()
    page.get_by_label("依据", exact=True).fill(LEGAL_BASIS)
    shot(page, "access-14a-agency-query-item-form")
    page.get_by_role("button", name="保存草稿").click()
    row = page.locator("main table tbody tr").filter(has_text=MATTER)
    expect(row).to_contain_text("草稿")
    shot(page, "access-14b-agency-query-item-draft")
    row.get_by_role("button", name="公布").click()
    expect(row).to_contain_text("已公布")
    expect(row.get_by_role("button", name="公布")).to_have_count(0)
    for text in ("行政处罚", "行政许可", LEGAL_BASIS):
        expect(row).to_contain_text(text)
    shot(page, "access-15-agency-query-item-published")


def _anonymous_visitor_reads_query_items(browser: Browser, base: str) -> None:
    page = _new_page(browser, base)
    expect(page.get_by_role("link", name="登录")).to_be_visible()
    page.get_by_role("link", name="查询事项公示").first.click()
    expect(page.get_by_role("heading", name="查询事项公示")).to_be_visible()
    row = page.locator("main table").first.locator("tbody tr").filter(has_text=MATTER)
    expect(row).to_have_count(1)
    for text in (AGENCY, "行政处罚", "行政许可", LEGAL_BASIS, TODAY):
        expect(row).to_contain_text(text)
    shot(page, "access-16a-public-query-items")
    page.goto(base + "/query-items?lang=en")
    expect(page.get_by_role("heading", name="Published query items")).to_be_visible()
    row = page.locator("main table").first.locator("tbody tr").filter(has_text=MATTER)
    expect(row).to_contain_text("Administrative penalty")
    expect(page.locator("main table").first.locator("thead")).to_contain_text("Administrative matter")
    shot(page, "access-16b-public-query-items-en")
    page.context.close()


# ---- 6. the auditor -------------------------------------------------------------------------------------

def _auditor_searches_the_access_log(page: Page, defects: list[str]) -> None:
    page.get_by_role("link", name="查询日志").click()
    expect(page.get_by_role("heading", name="查询日志")).to_be_visible()
    page.get_by_label("查询机构").select_option(label=BANK)
    _search_access_log(page, defects, "organisation chosen, other filters left empty")
    expect(page).to_have_url(re.compile(r"org_id=\d+"))
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(4)  # refused, allowed, refused after revocation, refused (asked in English)
    expect(rows.filter(has_text="准予查询")).to_have_count(1)
    expect(rows.filter(has_text="拒绝查询")).to_have_count(3)
    for i in range(4):
        for text in (COMPANY, USERS["bank"][0], BANK, "书面授权", PURPOSE):
            expect(rows.nth(i)).to_contain_text(text)
    shot(page, "access-18a-auditor-access-log-by-organisation")

    # the same attempts, found by the subject's number shown next to its name
    subject_id = re.search(r"\((\d+)\)", rows.first.locator("td").nth(1).inner_text()).group(1)
    page.get_by_label("查询机构").select_option(label="全部")
    page.get_by_label("信用主体编号").fill(subject_id)
    page.get_by_label("结果").select_option(label="拒绝查询")
    _search_access_log(page, defects, "subject number and outcome given, organisation and dates left empty")
    expect(page).to_have_url(re.compile(rf"subject_id={subject_id}"))
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="准予查询")).to_have_count(0)
    shot(page, "access-18b-auditor-access-log-by-subject")


def _search_access_log(page: Page, defects: list[str], what: str) -> None:
    """Press 检索 on /audit/access-log. Should the page answer with an error, note the defect and
    go on as a persistent auditor would: the same search with the empty fields taken out of the URL."""
    with page.expect_navigation():
        page.get_by_role("button", name="检索").click()
    if page.get_by_role("heading", name="查询日志").count():
        return
    sent = parse_qsl(urlsplit(page.url).query, keep_blank_values=True)
    shown = " ".join(page.locator("main").inner_text().split())
    shot(page, f"access-18-defect-{len(defects) + 1}")
    defects.append(f"the access-log search form on /audit/access-log ({what}) submits GET {urlsplit(page.url).path}?"
                   f"{urlencode(sent)} and the page answers with an error instead of results: {shown!r}")
    page.goto(urlunsplit(urlsplit(page.url)._replace(query=urlencode([(k, v) for k, v in sent if v]))))
    expect(page.get_by_role("heading", name="查询日志")).to_be_visible()


def _auditor_reads_and_verifies_the_audit_log(page: Page, auth_id: str) -> None:
    page.get_by_role("link", name="审计日志", exact=True).click()
    expect(page.get_by_role("heading", name="审计日志")).to_be_visible()
    page.get_by_label("操作", exact=True).select_option("authorisation.grant")
    page.get_by_role("button", name="检索").click()
    entries = page.locator("main table tbody tr")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("authorisation.grant")
    expect(entries.first).to_contain_text(f"authorisation {auth_id}")
    shot(page, "access-19-auditor-audit-log-grant")
    page.get_by_label("操作", exact=True).select_option("authorisation.revoke")
    page.get_by_role("button", name="检索").click()
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text(f"authorisation {auth_id}")

    page.get_by_role("button", name="立即校验").click()
    report = page.get_by_role("status")
    expect(report).to_contain_text(re.compile(r"日志完整：\d+ 条链共 \d+ 条记录，\d+ 个签名检查点均有效。"))
    expect(page.get_by_role("alert")).to_have_count(0)
    shot(page, "access-20-auditor-verified")
