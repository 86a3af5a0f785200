//! Domain enums as database columns. Each is stored as its stable code (`as_str`) in a text
//! column and read back through its parser; an unknown code is a deserialisation error that
//! surfaces as a fault, never a silent fallback. Kept here so `domain/` stays free of diesel.
//!
//! Writing goes through `as_str()` at the query (the db functions take the enums), so only
//! reading needs trait impls.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::sql_types::Text;

use crate::domain::handbook::{Channel, HandbookKind, ReviewStatus};
use crate::domain::holder::HolderStatus;
use crate::domain::holder_state::WithdrawalReason;
use crate::domain::lost_device::{Challenge, ReportChannel};
use crate::domain::myna_request::{State as RequestState, Wait};
use crate::domain::notice::Delivery;
use crate::domain::requests::{Channel as RequestChannel, RequestKind, RequestState as HolderRequestState};
use crate::domain::review::Decision;
use crate::domain::sanctions::{Action, Article, SanctionState};
use crate::domain::staff::Role;

macro_rules! text_code {
    ($($ty:ty => $parse:expr, $what:literal;)*) => {$(
        impl<DB> FromSql<Text, DB> for $ty
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let code = String::from_sql(bytes)?;
                let parse: fn(&str) -> Option<$ty> = $parse;
                // The code is ours (never personal data), so it may appear in the error.
                parse(&code).ok_or_else(|| format!(concat!("unknown ", $what, " code {:?}"), code).into())
            }
        }

        impl<DB> Queryable<Text, DB> for $ty
        where
            DB: Backend,
            Self: FromSql<Text, DB>,
        {
            type Row = Self;

            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }
    )*};
}

text_code! {
    HandbookKind => HandbookKind::parse, "handbook kind";
    ReviewStatus => ReviewStatus::parse, "review status";
    Channel => Channel::parse, "channel";
    HolderStatus => HolderStatus::parse, "holder status";
    Decision => Decision::parse, "decision";
    Delivery => Delivery::parse, "notice delivery";
    Article => Article::parse, "article";
    Action => Action::parse, "sanction action";
    SanctionState => SanctionState::parse, "sanction state";
    ReportChannel => ReportChannel::parse, "report channel";
    RequestState => RequestState::parse, "Myna request state";
    Wait => Wait::parse, "Myna request wait";
    Challenge => Challenge::parse, "identity challenge";
    WithdrawalReason => WithdrawalReason::parse, "withdrawal reason";
    RequestKind => RequestKind::parse, "holder request kind";
    HolderRequestState => HolderRequestState::parse, "holder request state";
    RequestChannel => RequestChannel::parse, "holder request channel";
    Role => |code| Role::ALL.into_iter().find(|r| r.as_str() == code), "role";
}
