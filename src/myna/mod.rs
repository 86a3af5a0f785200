//! The Myna Portal (自己情報取得API) seen from our side of the wire: the request we send and the
//! trait every portal answers (`portal`), the real adapter over mutual TLS (`http`), the
//! callback's signature (`signature`) and its body parsed once (`delivery`). What becomes of a
//! delivery, and the request queue, are use cases: `services::myna`.

pub mod delivery;
pub mod http;
pub mod portal;
pub mod signature;
