//! The pipeline board page (`/pipeline`): a column per stage with the count and total of every
//! open deal the viewer may see and the most recent of them as cards, and the move of a deal
//! to another stage from the board (drag and drop or keys through `board.js`, or the plain
//! "Move to…" form). Each handler calls one use case; the use case decides who may do what.

use super::i18n::{self, Locale};
use super::pages::{bad_request, chrome};
use super::view::{Opt, error_page, render};
use super::{Layout, Viewer, is_htmx, see_other};
use crate::WebState;
use askama::Template;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use custos_app::AppError;
use custos_app::board::Board;
use custos_domain::Permission;
use custos_domain::sales::deal::iso_string;
use custos_domain::sales::{DealStatus, Money};
use fluent_bundle::FluentValue;
use serde::Deserialize;

/// Cards rendered per column; the count and total always cover every open deal.
pub const BOARD_CARDS: u32 = 50;

/// An amount with the locale's symbol (currencies without minor units show their code).
pub(super) fn money_label(loc: Locale, m: &Money) -> String {
    if m.currency.minor_digits() == 2 {
        i18n::format_money(loc, m.minor, m.currency.as_str())
    } else {
        format!("{}\u{a0}{}", m.currency.as_str(), i18n::format_number(loc, m.minor))
    }
}

pub(super) fn status_label(loc: Locale, s: DealStatus) -> String {
    i18n::t(loc, &format!("deal-status-{}", s.as_str()))
}

/// One card.
pub struct CardView {
    pub id: String,
    pub title: String,
    pub customer: String,
    pub customer_hidden: bool,
    pub amount: String,
    pub owner: String,
    pub close: String,
    pub version: i64,
    pub move_label: String,
}

/// One column.
pub struct ColumnView {
    pub id: String,
    pub name: String,
    pub probability: String,
    pub count: String,
    pub totals: String,
    pub cards: Vec<CardView>,
    /// The filtered deal list, when not every deal has a card.
    pub more: Option<(String, String)>,
}

/// The board region (`#board`), re-rendered after each move.
pub struct BoardView {
    pub pipeline_id: String,
    pub label: String,
    pub columns: Vec<ColumnView>,
    /// Stages as (id, name), for the "Move to…" choices.
    pub stages: Vec<(String, String)>,
    pub can_move: bool,
    /// What a screen reader hears after a move.
    pub announce: String,
    pub msg_stale: String,
    pub msg_failed: String,
}

#[derive(Template)]
#[template(path = "board.html")]
pub struct BoardPage {
    pub l: Layout,
    pub pipelines: Vec<Opt>,
    pub banner: Option<String>,
    pub board: Option<BoardView>,
}

#[derive(Template)]
#[template(path = "_board.html")]
pub struct BoardFragment {
    pub l: Layout,
    pub board: BoardView,
}

fn board_view(loc: Locale, b: &Board, can_move: bool, announce: String) -> BoardView {
    let pid = b.pipeline.id.to_string();
    let columns = b
        .columns
        .iter()
        .map(|c| {
            let sid = c.stage.id.to_string();
            let shown = i18n::format_number(loc, c.count);
            let count_args = [("count", FluentValue::from(c.count)), ("shown", FluentValue::from(shown.clone()))];
            let more = (c.count > c.cards.len() as i64).then(|| {
                let url = format!("/deals?pipeline_id={pid}&stage_id={sid}&status=open");
                (url, i18n::t_args(loc, "board-show-all", &[("shown", FluentValue::from(shown.clone()))]))
            });
            ColumnView {
                id: sid,
                name: c.stage.name.clone(),
                probability: i18n::t_args(
                    loc,
                    "board-probability",
                    &[("probability", FluentValue::from(i64::from(c.stage.probability)))],
                ),
                count: i18n::t_args(loc, "board-count", &count_args),
                totals: c.totals.iter().map(|m| money_label(loc, m)).collect::<Vec<_>>().join(" + "),
                cards: c
                    .cards
                    .iter()
                    .map(|d| CardView {
                        id: d.id.to_string(),
                        title: d.title.clone(),
                        customer: d.customer_name.clone().unwrap_or_else(|| i18n::t(loc, "board-customer-hidden")),
                        customer_hidden: d.customer_name.is_none(),
                        amount: money_label(loc, &d.amount),
                        owner: d.owner_name.clone().unwrap_or_default(),
                        close: d.expected_close.map(|c| i18n::format_date(loc, c)).unwrap_or_default(),
                        version: d.version,
                        move_label: i18n::t_args(
                            loc,
                            "board-move-label",
                            &[("title", FluentValue::from(d.title.as_str()))],
                        ),
                    })
                    .collect(),
                more,
            }
        })
        .collect();
    BoardView {
        label: i18n::t_args(loc, "board-label", &[("pipeline", FluentValue::from(b.pipeline.name.as_str()))]),
        pipeline_id: pid,
        columns,
        stages: b.pipeline.stages.iter().map(|s| (s.id.to_string(), s.name.clone())).collect(),
        can_move,
        announce,
        msg_stale: i18n::t(loc, "board-stale"),
        msg_failed: i18n::t(loc, "board-failed"),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BoardParams {
    pipeline: String,
}

/// The board of `pipeline` (the first pipeline when empty) as a page, or as the `#board`
/// fragment for an htmx/fetch request.
async fn board_response(
    s: &WebState,
    v: &Viewer,
    headers: &HeaderMap,
    pipeline: &str,
    banner: Option<String>,
    announce: String,
    status: StatusCode,
) -> Response {
    let loc = v.loc;
    let pipelines = match s.app.list_pipelines(&v.actor).await {
        Ok(p) => p,
        Err(e) => return error_page(loc, &e),
    };
    let chosen = pipelines.iter().find(|p| p.id.to_string() == pipeline).or(pipelines.first());
    let board = match chosen {
        Some(p) => match s.app.board_with_cards(&v.actor, &p.id.to_string(), BOARD_CARDS).await {
            Ok(b) => Some(board_view(loc, &b, v.actor.grants(Permission::DealWrite), announce)),
            Err(e) => return error_page(loc, &e),
        },
        None => None,
    };
    let back = chosen.map_or_else(|| "/pipeline".to_string(), |p| format!("/pipeline?pipeline={}", p.id));
    let l = chrome(s, v, "board-title", "pipeline").await.back(back);
    if is_htmx(headers)
        && let Some(board) = board
    {
        return render(status, &BoardFragment { l, board });
    }
    let options = pipelines
        .iter()
        .map(|p| Opt { value: p.id.to_string(), label: p.name.clone(), selected: Some(p.id) == chosen.map(|c| c.id) })
        .collect();
    render(status, &BoardPage { l, pipelines: options, banner, board })
}

/// `GET /pipeline`: the board of the chosen (or first) pipeline.
pub async fn page(
    State(s): State<WebState>,
    viewer: Viewer,
    headers: HeaderMap,
    params: Result<Query<BoardParams>, QueryRejection>,
) -> Response {
    let Ok(Query(p)) = params else { return bad_request(viewer.loc) };
    board_response(&s, &viewer, &headers, p.pipeline.trim(), None, String::new(), StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MoveForm {
    stage_id: String,
    version: String,
    /// `deal` when posted from the deal page (it returns there), else the board.
    from: String,
}

/// `POST /deals/{id}/move`: moves a deal. From `board.js` (an `hx-request`), answers with the
/// re-rendered `#board` (409 when the card was stale, 422 for a stage that does not fit);
/// from a plain form, goes back to the board or the deal page.
pub async fn move_deal(
    State(s): State<WebState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<MoveForm>, FormRejection>,
) -> Response {
    let loc = viewer.loc;
    let Ok(Form(f)) = form else { return bad_request(loc) };
    let Ok(version) = f.version.trim().parse::<i64>() else { return bad_request(loc) };
    let from_deal = f.from == "deal";
    match s.app.move_deal(&viewer.actor, &id, f.stage_id.trim(), version).await {
        Ok(d) if from_deal => see_other(&HeaderMap::new(), &format!("/deals/{}", d.id)),
        Ok(d) if is_htmx(&headers) => {
            let stage = match s.app.get_pipeline(&viewer.actor, &d.pipeline_id.to_string()).await {
                Ok(p) => p.stages.iter().find(|st| st.id == d.stage_id).map(|st| st.name.clone()).unwrap_or_default(),
                Err(e) => return error_page(loc, &e),
            };
            let args = [("title", FluentValue::from(d.title.as_str())), ("stage", FluentValue::from(stage))];
            let announce = i18n::t_args(loc, "board-moved", &args);
            board_response(&s, &viewer, &headers, &d.pipeline_id.to_string(), None, announce, StatusCode::OK).await
        }
        Ok(d) => see_other(&HeaderMap::new(), &format!("/pipeline?pipeline={}#deal-{}", d.pipeline_id, d.id)),
        Err(e @ (AppError::Stale { .. } | AppError::Invalid(_))) => {
            let (status, key) = match e {
                AppError::Stale { .. } => (StatusCode::CONFLICT, "board-stale"),
                _ => (StatusCode::UNPROCESSABLE_ENTITY, "board-failed"),
            };
            if is_htmx(&headers) {
                return (status, i18n::t(loc, key)).into_response();
            }
            if from_deal {
                let key = if status == StatusCode::CONFLICT { "deal-stale" } else { key };
                return super::deal_page::deal_page(&s, &viewer, &id, Some(i18n::t(loc, key)), status).await;
            }
            let pipeline =
                s.app.get_deal(&viewer.actor, &id).await.map(|d| d.pipeline_id.to_string()).unwrap_or_default();
            board_response(&s, &viewer, &HeaderMap::new(), &pipeline, Some(i18n::t(loc, key)), String::new(), status)
                .await
        }
        Err(e) => error_page(loc, &e),
    }
}

/// `YYYY-MM-DD` of an optional date, for form values.
pub(super) fn iso(d: Option<time::Date>) -> String {
    d.map(iso_string).unwrap_or_default()
}
