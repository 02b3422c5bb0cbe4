//! The live cluster (feature `cluster`): the only module that talks to an API server, and the
//! only one that imports kube-rs.
//!
//! Design (DESIGN.md §7): what `gather` reads is written out as the same YAML that
//! `oc get -o yaml` gives — one `kind: List` of the objects, after a `GatherReport` document
//! that says what was read and which reads were refused — and then loaded by the very loader
//! `check` uses for files ([`crate::model::load::Inputs::add_text`]). So every rule behaves the
//! same live and offline, and a snapshot `gather` writes, checked later, gives the findings
//! `check --live` gave (see [`gather::Gathered::inputs`]).
//!
//! Reading is read-only and narrow: the runner namespace's objects, the cluster-scoped objects
//! that decide admission and volume ownership, and the runner's config source (a ConfigMap or
//! an Operator `Runner`; Helm release Secrets are not read, as their values would have to be
//! decoded from Secret data). Secrets are listed as metadata only, so their data never crosses
//! the wire; the snapshot is redacted by the loader's own redaction before anything is written
//! (tokens in `config.toml`, credentials in environment values, URL passwords). Every read
//! runs under a timeout; a `403` is recorded and the rest is still read; [`gather::READS`] is
//! the list the shipped ClusterRoles (`deploy/in-cluster/clusterrole.yaml`) grant.
//!
//! `probe` ([`probe`]) is the single write: one labelled pod, deleted on every path.

pub mod gather;
pub mod probe;
pub mod yaml;

use std::time::Duration;

pub use kube::Client;

/// Where to connect.
#[derive(Clone, Debug, Default)]
pub struct Connection {
    /// A kubeconfig context; `None`: the current context, or the in-cluster config.
    pub context: Option<String>,
    /// How long one request may take.
    pub timeout: Option<Duration>,
}

/// The default time one API request may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// Why no connection could be made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot load the kubeconfig context `{context}`: {message}")]
    Context { context: String, message: String },
    #[error(
        "no cluster configuration: neither a kubeconfig (`$KUBECONFIG`, `~/.kube/config`) nor an in-cluster ServiceAccount ({message})"
    )]
    Infer { message: String },
    #[error("cannot build a client: {message}")]
    Client { message: String },
    #[error("`{url}` is not an API server URL: {message}")]
    Url { url: String, message: String },
}

/// A client from the kubeconfig (or the in-cluster ServiceAccount), as kube-rs finds them:
/// `--context` picks a kubeconfig context; otherwise `$KUBECONFIG`/`~/.kube/config`'s current
/// context, and inside a pod the mounted ServiceAccount token.
pub async fn connect(connection: &Connection) -> Result<Client, ConnectError> {
    let mut config = match &connection.context {
        Some(context) => {
            let options = kube::config::KubeConfigOptions {
                context: Some(context.clone()),
                ..Default::default()
            };
            kube::Config::from_kubeconfig(&options)
                .await
                .map_err(|e| ConnectError::Context {
                    context: context.clone(),
                    message: e.to_string(),
                })?
        }
        None => kube::Config::infer()
            .await
            .map_err(|e| ConnectError::Infer {
                message: e.to_string(),
            })?,
    };
    apply_timeout(&mut config, connection.timeout);
    Client::try_from(config).map_err(|e| ConnectError::Client {
        message: e.to_string(),
    })
}

/// A client for a plain-HTTP API server URL (a `kubectl proxy`, or the tests' loopback server).
/// Async because the client starts its worker on the running runtime.
pub async fn connect_url(url: &str, timeout: Option<Duration>) -> Result<Client, ConnectError> {
    let uri = url
        .parse()
        .map_err(|e: http::uri::InvalidUri| ConnectError::Url {
            url: url.to_string(),
            message: e.to_string(),
        })?;
    let mut config = kube::Config::new(uri);
    apply_timeout(&mut config, timeout);
    Client::try_from(config).map_err(|e| ConnectError::Client {
        message: e.to_string(),
    })
}

fn apply_timeout(config: &mut kube::Config, timeout: Option<Duration>) {
    let timeout = timeout.unwrap_or(DEFAULT_TIMEOUT);
    config.connect_timeout = Some(timeout);
    config.read_timeout = Some(timeout);
    config.write_timeout = Some(timeout);
}

/// A single-threaded runtime for the binary's one call into this module.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}
