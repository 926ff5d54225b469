//! Typed identifiers (UUID v7 underneath). Generation happens in the app with its RNG and clock.

use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($name:ident) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::try_parse(s).map($name)
            }
        }
    };
}

id_type!(CustomerId);
id_type!(ContactId);
id_type!(UserId);
id_type!(TeamId);
id_type!(SessionId);
id_type!(TokenId);
id_type!(LeadId);
id_type!(DealId);
id_type!(PipelineId);
id_type!(StageId);
id_type!(ActivityId);
id_type!(QuotaId);
