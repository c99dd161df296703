"""A distribution judges a work once per span between its consents' instants, and gets the rule's answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from graph.stores.royalties.distribution import WorkCache
from registry.rights import ConsentFacts, Decision, HolderFacts, Scope, WorkFacts
from registry.royalties import WorkStatus
from registry.royalties.facts import ShareRow, work_status

START = datetime(2025, 1, 1, tzinfo=UTC)
REVOKED = datetime(2026, 3, 1, 12, tzinfo=UTC)
DECLINED = datetime(2026, 6, 1, tzinfo=UTC)


def test_each_moment_gets_what_the_rule_says_at_that_moment() -> None:
    consents = (
        ConsentFacts("k1", Decision.OPT_IN, frozenset(Scope), START, REVOKED),
        ConsentFacts("k2", Decision.OPT_IN, frozenset(Scope), REVOKED + timedelta(days=10)),
        ConsentFacts("k3", Decision.DECLINE, frozenset({Scope.OUTPUT_USE}), DECLINED),
    )
    facts = WorkFacts("W", holders=(HolderFacts("A", 10000, consents),))
    cache = WorkCache()
    cache.put("W", facts, [ShareRow("A", "COMPOSER", 10000, 10000, 10000)])
    works = cache.works({"W"})
    moments = [
        START - timedelta(seconds=1),
        START,
        REVOKED - timedelta(microseconds=1),
        REVOKED,
        REVOKED + timedelta(days=5),
        REVOKED + timedelta(days=10),
        DECLINED - timedelta(seconds=1),
        DECLINED,
        DECLINED + timedelta(days=400),
    ]
    for scope in (Scope.OUTPUT_USE, Scope.TRAINING):
        for at in moments:
            assert works.input("W", scope, at).status is work_status(facts, scope, at), (scope, at)
    seen = {works.input("W", Scope.OUTPUT_USE, at).status for at in moments}
    assert seen == {WorkStatus.LICENSABLE, WorkStatus.NO_CONSENT, WorkStatus.DECLINED}
    assert cache.works({"nope"}).input("nope", Scope.TRAINING, START).status is WorkStatus.UNKNOWN
