//! JSON shapes of the pipeline board: per stage the count and totals of the open deals the
//! caller may see, and the most recent of them as cards. Built from the app's `Board`; it
//! decides nothing.

use custos_app::board::{Board, BoardColumn};
use custos_app::deal_views::DealOut;
use custos_domain::sales::Money;
use custos_domain::sales::deal::iso_string;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An amount in one currency.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct MoneyView {
    pub amount: String,
    pub currency: String,
}

impl From<&Money> for MoneyView {
    fn from(m: &Money) -> Self {
        MoneyView { amount: m.amount_string(), currency: m.currency.as_str().into() }
    }
}

/// One card of the board.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct BoardCard {
    pub id: String,
    pub title: String,
    pub customer_id: String,
    /// Absent when you may not see the customer.
    pub customer_name: Option<String>,
    pub amount: String,
    pub currency: String,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    pub expected_close: Option<String>,
    pub version: i64,
}

/// One column of the board: every open deal of the stage you may see is counted and summed;
/// `cards` holds the most recently updated of them.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct BoardStage {
    pub id: String,
    pub name: String,
    pub probability: u8,
    pub count: i64,
    /// One total per currency.
    pub totals: Vec<MoneyView>,
    pub cards: Vec<BoardCard>,
}

/// A pipeline's board.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BoardView {
    pub pipeline_id: String,
    pub name: String,
    pub stages: Vec<BoardStage>,
}

fn card(d: &DealOut) -> BoardCard {
    BoardCard {
        id: d.id.to_string(),
        title: d.title.clone(),
        customer_id: d.customer_id.to_string(),
        customer_name: d.customer_name.clone(),
        amount: d.amount.amount_string(),
        currency: d.amount.currency.as_str().into(),
        owner_id: d.owner_id.map(|o| o.to_string()),
        owner_name: d.owner_name.clone(),
        expected_close: d.expected_close.map(iso_string),
        version: d.version,
    }
}

fn column(c: &BoardColumn) -> BoardStage {
    BoardStage {
        id: c.stage.id.to_string(),
        name: c.stage.name.clone(),
        probability: c.stage.probability,
        count: c.count,
        totals: c.totals.iter().map(MoneyView::from).collect(),
        cards: c.cards.iter().map(card).collect(),
    }
}

impl From<&Board> for BoardView {
    fn from(b: &Board) -> Self {
        BoardView {
            pipeline_id: b.pipeline.id.to_string(),
            name: b.pipeline.name.clone(),
            stages: b.columns.iter().map(column).collect(),
        }
    }
}

/// Query parameters of the board.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BoardParams {
    /// Cards per stage, 1 to 500, default 50.
    pub cards: Option<u32>,
}
