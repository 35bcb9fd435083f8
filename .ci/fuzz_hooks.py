"""Schemathesis hooks for the schema-driven fuzz run (.ci/fuzz): values for Guanjia's custom
scalars, and the one check that matters here: no 5xx, no INTERNAL error, and nothing in any
response that belongs to a household (or community) the caller may not see."""
import json
import os

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

schemathesis.graphql.scalar("Fen", st.integers(min_value=-(10**12), max_value=10**12).map(nodes.Int))
schemathesis.graphql.scalar("NaiveDate", st.dates().map(lambda d: nodes.String(d.isoformat())))
schemathesis.graphql.scalar(
    "DateTime",
    st.datetimes().map(lambda d: nodes.String(d.isoformat(timespec="seconds") + "Z")),
)
# Real ids of both communities (houses, members, bills, orders ...), so queries reach real rows,
# most of them not the caller's; plus malformed ones.
IDS = [i for i in os.environ.get("FUZZ_IDS", "").split(",") if i]
if IDS:
    schemathesis.graphql.scalar("ID", st.one_of(st.sampled_from(IDS), st.text(max_size=12)).map(nodes.String))
# Files only travel in multipart requests; in a JSON body an upload can only be absent.
schemathesis.graphql.scalar("Upload", st.just(nodes.Null))

# Words that must never reach this caller: another household's phones and names, or another
# community's name (set per run by .ci/fuzz).
FOREIGN = [m for m in os.environ.get("FUZZ_FOREIGN", "").split(",") if m]


@schemathesis.check
def no_server_error_and_no_leak(ctx, response, case):
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}")
    # Decode as UTF-8 whatever the charset guess: the markers include Chinese names.
    body = response.content.decode("utf-8", "replace")
    try:
        payload = json.loads(body)
    except ValueError:
        payload = {}
    for error in (payload.get("errors") or []) if isinstance(payload, dict) else []:
        if (error.get("extensions") or {}).get("code") == "INTERNAL":
            raise AssertionError(f"INTERNAL error: {error}")
    for marker in FOREIGN:
        if marker in body:
            raise AssertionError(f"response names {marker!r}, which this caller may not see")
