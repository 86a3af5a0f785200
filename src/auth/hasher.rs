//! Password hashing on its own bounded pool.
//!
//! An argon2id check costs tens of milliseconds of a core and 19 MiB. Run inside a database
//! permit, eight anonymous sign-in attempts would hold eight connections while they hash and
//! stall every page; here they queue for a core instead, and the pool stays free.

use tokio::sync::Semaphore;

use super::password::{self, HashError};

pub struct Hasher {
    permits: Semaphore,
}

impl Hasher {
    pub fn new(at_once: usize) -> Self {
        Self { permits: Semaphore::new(at_once.max(1)) }
    }

    /// One hash at a time per core.
    pub fn for_this_machine() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, usize::from))
    }

    pub async fn verify(&self, password: String, phc: String) -> bool {
        let Ok(_permit) = self.permits.acquire().await else { return false };
        tokio::task::spawn_blocking(move || password::verify(&password, &phc)).await.unwrap_or(false)
    }

    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        let _permit = self.permits.acquire().await.map_err(|_| HashError)?;
        tokio::task::spawn_blocking(move || password::hash(&password)).await.map_err(|_| HashError)?
    }
}
