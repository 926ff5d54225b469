//! New identifiers: UUID v7 from the injected clock and randomness.

use crate::App;

impl App {
    pub(crate) fn new_uuid(&self) -> uuid::Uuid {
        let mut rand = [0u8; 10];
        self.rng.fill(&mut rand);
        let ms = (self.now().unix_timestamp_nanos() / 1_000_000).max(0) as u64;
        uuid::Builder::from_unix_timestamp_millis(ms, &rand).into_uuid()
    }
}
