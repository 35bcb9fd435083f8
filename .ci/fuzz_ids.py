"""Prints real global ids of the demo estate (both communities' houses and their members), comma
separated, for the fuzzer to draw from. Signs in as the demo admin."""
import json
import sys
import urllib.request

URL = sys.argv[1]


def gql(query, token=None, variables=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = "Bearer " + token
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    with urllib.request.urlopen(urllib.request.Request(URL, data=body, headers=headers)) as resp:
        out = json.load(resp)
    if out.get("errors"):
        raise SystemExit(f"id collection failed: {out['errors']}")
    return out["data"]


token = gql('mutation { login(phone: "13900000000", password: "guanjia2026") { accessToken } }')["login"]["accessToken"]
ids = []
for c in gql("{ communities { edges { node { id } } } }", token)["communities"]["edges"]:
    cid = c["node"]["id"]
    ids.append(cid)
    page = gql(
        "query($c: ID!) { node(id: $c) { ... on Community { houses(first: 50) { edges { node { id members(first: 5) { edges { node { id } } } } } } } } }",
        token,
        {"c": cid},
    )
    for h in page["node"]["houses"]["edges"]:
        ids.append(h["node"]["id"])
        ids.extend(m["node"]["id"] for m in h["node"]["members"]["edges"])
print(",".join(ids))
