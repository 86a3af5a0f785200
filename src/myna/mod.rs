//! The Myna Portal (自己情報取得API): the signed callback that delivers a holder's handbook data,
//! and what becomes of it (DOMAIN.md "Myna Portal").

pub mod check;
pub mod delivery;
pub mod purge;
pub mod receive;
pub mod signature;
