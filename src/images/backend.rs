//! Where the encrypted photo files live: a local folder (one node, the default) or an
//! S3-compatible bucket through `object_store` (several nodes). Both hold whole files only: the
//! folder writes temp → fsync → rename, an S3 PUT is atomic.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use object_store::ObjectStoreExt;
use object_store::path::Path as ObjectPath;

use super::store::StoreError;
use crate::atomic_file;
use crate::settings::S3Settings;

/// A file in the store, for the sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The storage key (`ab/cd/….hbai`), or for a folder's leftover temporary file its path
    /// relative to the root.
    pub key: String,
    pub modified: SystemTime,
    /// A temporary file a crash left (folders only).
    pub temp: bool,
}

pub enum Backend {
    Folder(PathBuf),
    S3(S3Bucket),
}

impl Backend {
    pub fn put(&self, key: &str, sealed: Vec<u8>) -> Result<(), StoreError> {
        match self {
            Backend::Folder(root) => {
                let path = root.join(key);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                Ok(atomic_file::write(&path, &sealed, true)?)
            }
            Backend::S3(bucket) => bucket.put(key, sealed),
        }
    }

    pub fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        match self {
            Backend::Folder(root) => Ok(std::fs::read(root.join(key))?),
            Backend::S3(bucket) => bucket.get(key),
        }
    }

    /// A missing file is not an error.
    pub fn remove(&self, key: &str) -> Result<(), StoreError> {
        match self {
            Backend::Folder(root) => match std::fs::remove_file(root.join(key)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            },
            Backend::S3(bucket) => bucket.remove(key),
        }
    }

    pub fn list(&self) -> Result<Vec<Listed>, StoreError> {
        match self {
            Backend::Folder(root) => Ok(list_folder(root)),
            Backend::S3(bucket) => bucket.list(),
        }
    }

    /// Whether the store answers: the folder is there (a lost mount shows here), the bucket
    /// can be listed.
    pub fn is_reachable(&self) -> bool {
        match self {
            Backend::Folder(root) => std::fs::metadata(root).is_ok_and(|m| m.is_dir()),
            Backend::S3(bucket) => bucket.is_reachable(),
        }
    }

    /// Made at start, so readiness can tell a lost mount from a store that is merely empty.
    pub fn prepare(&self) -> Result<(), StoreError> {
        match self {
            Backend::Folder(root) => Ok(std::fs::create_dir_all(root)?),
            Backend::S3(_) => Ok(()),
        }
    }

    /// For logs: which store, never a credential.
    pub fn describe(&self) -> String {
        match self {
            Backend::Folder(root) => format!("folder {}", root.display()),
            Backend::S3(bucket) => format!("s3://{}/{}", bucket.bucket, bucket.prefix),
        }
    }
}

/// Every file two levels down (`ab/cd/name`) with its age; temporary files flagged.
fn list_folder(root: &Path) -> Vec<Listed> {
    let mut out = Vec::new();
    let dirs = |p: &Path| std::fs::read_dir(p).into_iter().flatten().flatten().map(|e| e.path());
    for first in dirs(root).filter(|p| p.is_dir()) {
        for second in dirs(&first).filter(|p| p.is_dir()) {
            for file in dirs(&second).filter(|p| p.is_file()) {
                let part = |p: &Path| p.file_name().and_then(|n| n.to_str()).map(str::to_owned);
                let modified = std::fs::metadata(&file).and_then(|m| m.modified());
                if let (Some(a), Some(b), Some(c), Ok(modified)) = (part(&first), part(&second), part(&file), modified)
                {
                    let temp = c.starts_with(".tmp-");
                    out.push(Listed { key: format!("{a}/{b}/{c}"), modified, temp });
                }
            }
        }
    }
    out
}

/// An S3-compatible bucket. `object_store` is async; the console's store calls are made from
/// blocking threads, so the bucket runs its requests on a small runtime of its own and waits.
pub struct S3Bucket {
    store: Arc<dyn object_store::ObjectStore>,
    bucket: String,
    prefix: String,
    /// Taken out and shut down in the background on drop: a runtime may not be dropped where
    /// blocking is not allowed (an async test's end).
    runtime: Option<tokio::runtime::Runtime>,
}

impl S3Bucket {
    pub fn connect(settings: &S3Settings) -> Result<Self, StoreError> {
        // A request runs while its caller holds a database connection (intake writes the files
        // inside its transaction's turn): a slow bucket must fail in seconds, not minutes, or
        // it would hold the whole pool.
        // The client options carry `allow_http` too: set here, not on the builder, which these
        // options would replace.
        let client = object_store::ClientOptions::new()
            .with_allow_http(settings.allow_http)
            .with_timeout(std::time::Duration::from_secs(15))
            .with_connect_timeout(std::time::Duration::from_secs(3));
        let retry = object_store::RetryConfig {
            max_retries: 2,
            retry_timeout: std::time::Duration::from_secs(20),
            ..object_store::RetryConfig::default()
        };
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_client_options(client)
            .with_retry(retry);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let (Some(id), Some(secret)) = (&settings.access_key_id, &settings.secret_access_key) {
            builder = builder.with_access_key_id(id.expose()).with_secret_access_key(secret.expose());
        }
        let store = builder.build().map_err(StoreError::object)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("photo-store")
            .enable_all()
            .build()?;
        Ok(Self {
            store: Arc::new(store),
            bucket: settings.bucket.clone(),
            prefix: settings.prefix.trim_matches('/').to_owned(),
            runtime: Some(runtime),
        })
    }

    fn location(&self, key: &str) -> ObjectPath {
        if self.prefix.is_empty() { ObjectPath::from(key) } else { ObjectPath::from(format!("{}/{key}", self.prefix)) }
    }

    /// Runs one request on the bucket's runtime and waits for it, from any thread.
    fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T, object_store::Error>> + Send + 'static,
    ) -> Result<T, StoreError> {
        let runtime = self.runtime.as_ref().ok_or_else(|| StoreError::Stopped)?;
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        runtime.spawn(async move {
            let _ = tx.send(work.await);
        });
        rx.recv().map_err(|_| StoreError::Stopped)?.map_err(StoreError::object)
    }

    fn put(&self, key: &str, sealed: Vec<u8>) -> Result<(), StoreError> {
        let (store, location) = (self.store.clone(), self.location(key));
        self.run(async move { store.put(&location, sealed.into()).await.map(drop) })
    }

    fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let (store, location) = (self.store.clone(), self.location(key));
        self.run(async move { store.get(&location).await?.bytes().await.map(|b| b.to_vec()) })
    }

    fn remove(&self, key: &str) -> Result<(), StoreError> {
        let (store, location) = (self.store.clone(), self.location(key));
        self.run(async move {
            match store.delete(&location).await {
                Err(object_store::Error::NotFound { .. }) => Ok(()),
                other => other,
            }
        })
    }

    fn list(&self) -> Result<Vec<Listed>, StoreError> {
        use futures_util::TryStreamExt;
        let store = self.store.clone();
        let prefix = (!self.prefix.is_empty()).then(|| ObjectPath::from(self.prefix.as_str()));
        let strip = if self.prefix.is_empty() { String::new() } else { format!("{}/", self.prefix) };
        self.run(async move {
            let found: Vec<object_store::ObjectMeta> = store.list(prefix.as_ref()).try_collect().await?;
            Ok(found
                .into_iter()
                .map(|meta| Listed {
                    key: meta.location.as_ref().strip_prefix(&strip).unwrap_or(meta.location.as_ref()).to_owned(),
                    modified: SystemTime::from(meta.last_modified),
                    temp: false,
                })
                .collect())
        })
    }

    fn is_reachable(&self) -> bool {
        let store = self.store.clone();
        let prefix = (!self.prefix.is_empty()).then(|| ObjectPath::from(self.prefix.as_str()));
        self.run(async move { store.list_with_delimiter(prefix.as_ref()).await.map(drop) }).is_ok()
    }
}

impl Drop for S3Bucket {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
