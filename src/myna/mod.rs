//! The Myna Portal (自己情報取得API): the signed callback that delivers a holder's handbook data,
//! and what becomes of it (DOMAIN.md "Myna Portal").

pub mod check;
pub mod delivery;
pub mod http;
pub mod portal;
pub mod purge;
pub mod receive;
pub mod requests;
pub mod signature;
pub mod sim;
