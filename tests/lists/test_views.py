"""Public list views mask natural persons as the public portal does (rule masking.natural_person)."""
from xinyong.lists import views


def test_persons_are_masked_and_organisations_are_not():
    assert views.shown_name("李四光", "natural_person") == ("李**", True)
    assert views.shown_name("泉州市示范化工有限公司", "legal_person") == ("泉州市示范化工有限公司", False)


def test_responsible_persons_are_masked_on_public_views_only():
    policy = views.rules_policy()
    persons = [{"role": "legal_representative", "name": "王大明", "subject_id": 3}]
    assert [p.name for p in views.persons_out(policy, persons, "zh", True)] == ["王**"]
    shown = views.persons_out(policy, persons, "en", False)[0]
    assert (shown.name, shown.role_name) == ("王大明", "legal representative")
