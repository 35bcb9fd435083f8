//! What the GraphQL spec promises every client of any server: response fields in selection
//! order, field errors nulled where the spec says, and the standard introspection query.
use crate::helpers::*;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{json, Value};

/// A JSON value whose objects keep their keys in the order of the text. `serde_json::Value`
/// (without the `preserve_order` feature) sorts them, which would hide the order under test.
#[derive(Debug)]
enum Ordered {
    Object(Vec<(String, Ordered)>),
    List(Vec<Ordered>),
    Leaf(Value),
}

impl Ordered {
    fn keys(&self) -> Vec<&str> {
        match self {
            Ordered::Object(entries) => entries.iter().map(|(k, _)| k.as_str()).collect(),
            other => panic!("not an object: {other:?}"),
        }
    }

    fn get(&self, key: &str) -> &Ordered {
        match self {
            Ordered::Object(entries) => entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .unwrap_or_else(|| panic!("no {key} in {self:?}")),
            other => panic!("not an object: {other:?}"),
        }
    }

    fn at(&self, index: usize) -> &Ordered {
        match self {
            Ordered::List(items) => &items[index],
            other => panic!("not a list: {other:?}"),
        }
    }
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Ordered, E> {
                Ok(Ordered::Leaf(json!(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Ordered, E> {
                Ok(Ordered::Leaf(json!(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Ordered, E> {
                Ok(Ordered::Leaf(json!(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Ordered, E> {
                Ok(Ordered::Leaf(json!(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Ordered, E> {
                Ok(Ordered::Leaf(json!(v)))
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Leaf(Value::Null))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Ordered::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Ordered>()? {
                    entries.push((k, v));
                }
                Ok(Ordered::Object(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// POSTs `query` and returns the body as text, exactly as the server wrote it.
async fn raw(app: &TestApp, token: &str, query: &str, variables: Value) -> String {
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    resp.text().await.unwrap()
}

/// The spec (2.4 Selection Sets, 7.1.3 Serialized Map Ordering): a response object's keys are
/// in the order of the selection, whatever order the resolvers finish in. Apollo's cache and
/// people reading the JSON rely on it. Each query is asked in both orders: a slow field (one
/// that reads the database) before a fast one, then after it.
#[tokio::test]
async fn response_fields_come_back_in_the_order_they_were_asked_for() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    for root in [
        ["me", "myNotices", "__typename"],
        ["__typename", "myNotices", "me"],
        ["myNotices", "me", "__typename"],
    ] {
        let field = |name: &str| {
            match name {
                "me" => "me { id displayName }",
                "myNotices" => "myNotices(first: 5) { edges { node { id } } }",
                other => other,
            }
            .to_owned()
        };
        let query = format!(
            "{{ {} }}",
            root.iter().map(|f| field(f)).collect::<Vec<_>>().join(" ")
        );
        let body: Ordered =
            serde_json::from_str(&raw(&app, &owner, &query, json!({})).await).unwrap();
        assert_eq!(body.keys(), ["data"], "{body:?}");
        assert_eq!(body.get("data").keys(), root, "{query}");
        assert_eq!(
            body.get("data").get("me").keys(),
            ["id", "displayName"],
            "{query}"
        );
    }
    for fields in [
        ["address", "number", "id"],
        ["number", "id", "address"],
        ["id", "address", "number"],
    ] {
        let query = format!(
            "{{ me {{ houses {{ nodes {{ relation house {{ {} }} }} }} }} }}",
            fields.join(" ")
        );
        let body: Ordered =
            serde_json::from_str(&raw(&app, &owner, &query, json!({})).await).unwrap();
        let node = body.get("data").get("me").get("houses").get("nodes").at(0);
        assert_eq!(node.keys(), ["relation", "house"], "{query}");
        assert_eq!(node.get("house").keys(), fields, "{query}");
    }
}

/// Spec 6.4.4 (Handling Field Errors): "If a field error is raised while resolving a field, it
/// is handled as though the field returned null, and the error must be added to the errors
/// list." The spec's example (7.1.2, a hero whose friend's `name` fails): the failing nullable
/// field is present as `null`, its siblings and the rest of the response are kept. Here
/// `node` is nullable and refuses a house of another community as NOT_FOUND.
#[tokio::test]
async fn a_nullable_field_that_fails_is_present_as_null() {
    let app = spawn_app().await;
    let owner = app.login(OWNER1).await;
    let mine = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let theirs = app.house_id("YUNQI", "1栋", "1单元", "101").await;
    let query = "query($a: ID!, $b: ID!) { mine: node(id: $a) { id } theirs: node(id: $b) { id } me { phone } }";
    let text = raw(&app, &owner, query, json!({ "a": mine, "b": theirs })).await;
    let body: Value = serde_json::from_str(&text).unwrap();
    let data = body["data"]
        .as_object()
        .unwrap_or_else(|| panic!("data is an object: {body}"));
    assert_eq!(data["mine"]["id"], json!(mine), "{body}");
    assert!(
        data.contains_key("theirs") && data["theirs"].is_null(),
        "the failed field is there, null: {body}"
    );
    assert_eq!(data["me"]["phone"], OWNER1, "{body}");
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["theirs"]), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{body}"
    );
    // In the order asked, too.
    let ordered: Ordered = serde_json::from_str(&text).unwrap();
    assert_eq!(ordered.get("data").keys(), ["mine", "theirs", "me"]);
    assert!(matches!(ordered.get("data").get("theirs"), Ordered::Leaf(v) if v.is_null()));
}

/// Spec 6.4.4: "If the field which experienced an error was declared as Non-Null, the null
/// result will propagate to the next nullable field", and to `data` when every field up to
/// the root is non-null; the error's path still names the field that failed. A family member
/// may not see the house's cards (`cards: [Card!]!`), which the owner may.
#[tokio::test]
async fn a_failed_non_null_field_nulls_its_nearest_nullable_parent() {
    let app = spawn_app().await;
    let family = app.login(FAMILY).await;
    let owner = app.login(OWNER1).await;
    let query = "{ me { houses { nodes { house { id cards { id } } } } } }";
    // The owner sees them: the query is sound.
    let body: Value = serde_json::from_str(&raw(&app, &owner, query, json!({})).await).unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    assert!(
        body["data"]["me"]["houses"]["nodes"][0]["house"]["cards"].is_array(),
        "{body}"
    );
    // me: User!, houses: …Connection!, nodes: [HouseMember!]!, house: House!, cards: [Card!]!:
    // nothing on the way up may be null, so `data` is.
    let body: Value = serde_json::from_str(&raw(&app, &family, query, json!({})).await).unwrap();
    assert!(
        body.get("data").is_some_and(Value::is_null),
        "data: null: {body}"
    );
    assert_eq!(
        body["errors"][0]["path"],
        json!(["me", "houses", "nodes", 0, "house", "cards"]),
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
    // Under a nullable field (`node`), that field is null and its siblings stay.
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let query =
        "query($h: ID!) { me { phone } node(id: $h) { id ... on House { number cards { id } } } }";
    let body: Value =
        serde_json::from_str(&raw(&app, &family, query, json!({ "h": house })).await).unwrap();
    let data = body["data"]
        .as_object()
        .unwrap_or_else(|| panic!("data is an object: {body}"));
    assert_eq!(data["me"]["phone"], FAMILY, "{body}");
    assert!(
        data.contains_key("node") && data["node"].is_null(),
        "node: null: {body}"
    );
    assert_eq!(
        body["errors"][0]["path"],
        json!(["node", "cards"]),
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
}

/// The query GraphiQL, graphql-inspector and code generators send: graphql-js 16's
/// `getIntrospectionQuery()` with every option on. Its `TypeRef` fragment nests `ofType` nine
/// times, 15 fields deep in all.
pub const INTROSPECTION_QUERY: &str = r#"
query IntrospectionQuery {
  __schema {
    description
    queryType { name kind }
    mutationType { name kind }
    subscriptionType { name kind }
    types { ...FullType }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) { ...InputValue }
    }
  }
}
fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL
  isOneOf
  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
  isDeprecated
  deprecationReason
}
fragment TypeRef on __Type {
  kind
  name
  ofType { name kind ofType { name kind ofType { name kind ofType { name kind ofType { name kind
    ofType { name kind ofType { name kind ofType { name kind ofType { name kind } } } } } } } } }
}
"#;

async fn post(app: &TestApp, query: &str) -> Value {
    app.client
        .post(app.url("/graphql"))
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Issue 22 item 11: the standard introspection query is not "nested too deep" where
/// introspection is on, and every other query is still held to the depth cap (8).
#[tokio::test]
async fn the_standard_introspection_query_passes_the_depth_cap_and_other_queries_do_not() {
    let app = spawn_app().await;
    for _ in 0..2 {
        // Twice: the second time from the parsed-document cache.
        let body = post(&app, INTROSPECTION_QUERY).await;
        assert!(
            body.get("errors").is_none(),
            "{}",
            &body.to_string()[..body.to_string().len().min(600)]
        );
        assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
        let types = body["data"]["__schema"]["types"].as_array().unwrap();
        let house = types
            .iter()
            .find(|t| t["name"] == "House")
            .expect("House is described");
        // cards: [Card!]! is NON_NULL → LIST → NON_NULL → Card.
        let cards = house["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "cards")
            .unwrap();
        assert_eq!(
            cards["type"]["ofType"]["ofType"]["ofType"]["name"], "Card",
            "{cards}"
        );
    }
    // Eight fields deep runs; nine is refused, with the field named.
    let eight = "{ me { houses { nodes { house { members { nodes { house { id } } } } } } } }";
    let nine = "{ me { houses { nodes { house { members { nodes { house { community { id } } } } } } } } }";
    let owner = app.login(OWNER1).await;
    let body = app.gql(Some(&owner), eight, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    for token in [Some(owner.as_str()), None] {
        let body = app.gql(token, nine, json!({})).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "query", "{body}");
        assert!(body.get("data").is_none(), "{body}");
    }
    // Introspection fields that fan out (types, fields) still count: only `ofType`, a chain of
    // one wrapper each, does not.
    let fan_out = "{ __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }";
    let body = post(&app, fan_out).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    // Nor does `__typename` open a way around the cap.
    let body = post(&app, "{ me { houses { nodes { house { members { nodes { house { community { __typename } } } } } } } } }").await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
}
