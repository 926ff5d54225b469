use custos_testkit::spawn_app;

/// Every route the router answers is in the document, and every documented path answers.
#[tokio::test]
async fn openapi_31_covers_every_route_and_schema() {
    let t = spawn_app().await;
    let doc = t.get("/api/v1/openapi.json").await;
    assert_eq!(doc.status, 200);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc.body["openapi"]);
    let paths = doc.body["paths"].as_object().unwrap();
    // The authorisation matrix (authz.rs) checks that this list matches its table exactly.
    let mut want: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(p, ops)| ops.as_object().unwrap().keys().map(move |m| (p.clone(), m.clone())))
        .collect();
    want.sort();
    assert!(want.len() >= 40, "only {} operations documented", want.len());
    // Every documented operation is routed (a missing route would answer 404 "no such route"
    // or 405 to an authenticated caller).
    for (p, m) in &want {
        let concrete = p.replace("{id}", "0190f0e0-0000-7000-8000-000000000000");
        // Logout would end the admin session the rest of the loop uses: give it its own.
        let token = if p.ends_with("/logout") { t.login(&t.admin_email).await } else { t.admin_token.clone() };
        let r = t.request(&m.to_uppercase(), &concrete, Some(&token), Some(serde_json::json!({}))).await;
        assert_ne!(r.status, 405, "{m} {p}");
        assert!(r.body["detail"] != "no such route", "{m} {p} is documented but not routed");
    }
    // Every referenced schema exists.
    let text = doc.body.to_string();
    let schemas = doc.body["components"]["schemas"].as_object().unwrap();
    for name in
        ["CustomerView", "CustomerCreate", "CustomerPatch", "CustomerList", "ContactView", "Problem", "LoginRequest"]
    {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
    for r in text.split("\"#/components/schemas/").skip(1) {
        let name = r.split('"').next().unwrap();
        assert!(schemas.contains_key(name), "dangling $ref {name}");
    }
}
