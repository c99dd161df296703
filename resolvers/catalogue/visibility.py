"""Who reads what of the catalogue.

- ADMIN and AUDITOR read everything.
- A CREATOR key reads its own creator and the works it holds a share in, with their whole split (its
  co-holders' names, IPIs and shares: what a CWR registration shows every party). Any other work or
  creator reads as not found, exactly as one that does not exist, so nothing leaks.
- LICENSEE and VENDOR keys read the public catalogue: works' titles, ISWCs, languages, recordings, and
  the names of the works' creators. Shares, IPI/ISNI numbers and submitters' work ids are not public:
  those fields answer FORBIDDEN.
"""

from __future__ import annotations

from registry.access import Role
from resolvers.access import allow, require_principal
from resolvers.catalogue import loaders
from resolvers.context import Info

# Field rule for the non-public catalogue fields (a CREATOR only ever reaches its own works' fields).
PRIVATE = allow(Role.ADMIN, Role.AUDITOR, Role.CREATOR)
PRIVATE_NOTE = " Not public: ADMIN, AUDITOR and the creators of the work only; others get FORBIDDEN."


def sees_every_work(info: Info) -> bool:
    return require_principal(info).party(Role.CREATOR) is None


async def work_visible(info: Info, work_id: str) -> bool:
    confined = require_principal(info).party(Role.CREATOR)
    if confined is None:
        return True
    return await loaders.held_by_creator(info, confined).load(work_id)


def creator_visible(info: Info, creator_id: str) -> bool:
    return require_principal(info).sees(Role.CREATOR, creator_id)
