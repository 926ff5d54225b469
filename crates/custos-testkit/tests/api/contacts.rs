use custos_testkit::{backends, spawn_app_on};
use serde_json::json;

#[tokio::test]
async fn contacts_belong_to_their_customer() {
    for backend in backends() {
        let t = spawn_app_on(backend).await;
        let c = t.create_customer(json!({"name": "Northwind Logistics Ltd"})).await;
        let cid = c["id"].as_str().unwrap();
        let r = t
            .post(
                &format!("/api/v1/customers/{cid}/contacts"),
                json!({"name": "李娜", "title": "采购经理", "email": "li.na@example.com", "mobile": "13912345678", "address": "上海市浦东新区"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.body["id"].as_str().unwrap().to_string();
        assert_eq!(r.body["mobile"], "+8613912345678");
        t.clock.advance(std::time::Duration::from_millis(5));
        t.post(&format!("/api/v1/customers/{cid}/contacts"), json!({"name": "Tom"})).await;
        let list = t.get(&format!("/api/v1/customers/{cid}/contacts")).await;
        assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
        assert_eq!(list.body["items"][0]["name"], "李娜");

        let p = t
            .request(
                "PATCH",
                &format!("/api/v1/contacts/{id}"),
                Some(&t.admin_token),
                Some(json!({"version": 1, "title": null})),
            )
            .await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert_eq!(p.body["title"], serde_json::Value::Null);
        assert_eq!(p.body["email"], "li.na@example.com");
        t.request(
            "PATCH",
            &format!("/api/v1/contacts/{id}"),
            Some(&t.admin_token),
            Some(json!({"version": 1, "name": "x"})),
        )
        .await
        .assert_problem(409);

        t.post(&format!("/api/v1/customers/{cid}/contacts"), json!({"name": "x", "email": "bad"}))
            .await
            .assert_problem(422);
        t.post("/api/v1/customers/0190f0e0-0000-7000-8000-000000000000/contacts", json!({"name": "x"}))
            .await
            .assert_problem(404);

        // Deleting the customer deletes its contacts.
        assert_eq!(
            t.request("DELETE", &format!("/api/v1/customers/{cid}"), Some(&t.admin_token), None).await.status,
            204
        );
        t.get(&format!("/api/v1/contacts/{id}")).await.assert_problem(404);
    }
}
