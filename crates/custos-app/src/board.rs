//! The pipeline board: for each stage of a pipeline, how many open deals the actor may see,
//! their total per currency, and the most recently updated of them as cards. Read-only.

use crate::audit::Ev;
use crate::authz::visibility;
use crate::deal_views::{DealOut, PipelineOut, StageOut, deal_list_out, money_of, pipeline_out, shown_customers};
use crate::{Actor, App, AppError};
use custos_domain::sales::Money;
use custos_domain::{Permission, PipelineId};

/// Cards per stage when the caller does not say.
pub const DEFAULT_BOARD_CARDS: u32 = 50;
/// Most cards per stage.
pub const MAX_BOARD_CARDS: u32 = 500;

/// One column of the board.
#[derive(Debug, Clone)]
pub struct BoardColumn {
    pub stage: StageOut,
    /// Open deals in this stage the actor may see (all of them, not only the cards).
    pub count: i64,
    /// Their total, one entry per currency (in currency-code order; currencies never mix).
    pub totals: Vec<Money>,
    /// The most recently updated of them, at most the requested number.
    pub cards: Vec<DealOut>,
}

/// A pipeline's board.
#[derive(Debug, Clone)]
pub struct Board {
    pub pipeline: PipelineOut,
    pub columns: Vec<BoardColumn>,
}

impl App {
    /// The board of a pipeline with `DEFAULT_BOARD_CARDS` cards per stage (deal.read).
    pub async fn board(&self, actor: &Actor, pipeline_id: &str) -> Result<Board, AppError> {
        self.board_with_cards(actor, pipeline_id, DEFAULT_BOARD_CARDS).await
    }

    /// The board with at most `cards` cards per stage (1 to `MAX_BOARD_CARDS`); counts and
    /// totals always cover every open deal the actor may see.
    pub async fn board_with_cards(&self, actor: &Actor, pipeline_id: &str, cards: u32) -> Result<Board, AppError> {
        self.allow(actor, Permission::DealRead)?;
        if !(1..=MAX_BOARD_CARDS).contains(&cards) {
            return Err(AppError::invalid("cards", "out_of_range", "must be between 1 and 500"));
        }
        let id = pipeline_id.parse::<PipelineId>().map_err(|_| AppError::NotFound("pipeline"))?.to_string();
        let p = self.store.get_pipeline(&id).await?.ok_or(AppError::NotFound("pipeline"))?;
        let pipeline = pipeline_out(&p, &self.store.pipeline_stages(&id).await?)?;
        let v = visibility(actor);
        let totals = self.store.board_totals(&id, &v).await?;
        let mut columns = Vec::with_capacity(pipeline.stages.len());
        for stage in &pipeline.stages {
            let sid = stage.id.to_string();
            let mine: Vec<_> = totals.iter().filter(|t| t.stage_id == sid).collect();
            let count = mine.iter().map(|t| t.count).sum();
            let sums = mine.iter().map(|t| money_of(t.amount_minor, &t.currency)).collect::<Result<Vec<_>, _>>()?;
            let cards = if count > 0 {
                self.store
                    .board_cards(&id, &sid, &v, cards)
                    .await?
                    .iter()
                    .map(deal_list_out)
                    .collect::<Result<_, _>>()?
            } else {
                Vec::new()
            };
            columns.push(BoardColumn { stage: stage.clone(), count, totals: sums, cards });
        }
        let shown = shown_customers(columns.iter().flat_map(|c| &c.cards));
        if !shown.is_empty() {
            self.audit_read(actor, Ev::new("deal.board", "deal").record(&id).ids(shown));
        }
        Ok(Board { pipeline, columns })
    }
}
