//! Domain rules: types that parse input once and rules that decide. No I/O, no diesel, no
//! actix here, so every rule is unit-tested directly.

pub mod card_budget;
pub mod contacts;
pub mod correction;
pub mod decision;
pub mod disclosure;
pub mod duplicates;
pub mod email;
pub mod face;
pub mod handbook;
pub mod holder;
pub mod holder_state;
pub mod holiday_table;
pub mod hours;
pub mod lost_device;
pub mod myna_request;
pub mod networks;
pub mod normalize;
pub mod notice;
pub mod ocr_fields;
pub mod period;
pub mod printed_words;
pub mod reconcile;
pub mod requests;
pub mod retention;
pub mod review;
pub mod sanctions;
pub mod search;
pub mod staff;
pub mod terms;
pub mod throttle;
pub mod transcription;
pub mod wareki;
