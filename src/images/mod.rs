//! Handbook photos: checked by their bytes, decoded in full, turned upright, stripped of every
//! piece of metadata (losslessly for an upright JPEG, else by re-encoding), thumbnailed, then
//! encrypted into the photo store.

pub mod backend;
pub mod crypto;
mod entropy;
mod jpeg_scan;
mod markers;
pub mod process;
pub mod sniff;
pub mod store;
pub mod strip;
pub mod sweep;

pub use crypto::Keyring;
pub use process::{ImageError, Processed, declared_pixels, process};
pub use store::ImageStore;
