//! `faultline serve`: a local web page listing the runs under a results
//! directory, newest first and filterable by verdict; a page per test with
//! its runs over time (the nightly view); a diff of two runs' configs; and
//! the runs' files (reports, plots, histories, node logs) served statically
//! from 127.0.0.1.

pub mod config_diff;
pub mod files;
pub mod pages;
pub mod runs;
pub mod test_page;
pub mod trend_chart;

use anyhow::Context;
use axum::Router;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use files::{Refused, resolve};
use pages::Filter;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// What the handlers share.
struct Served {
    root: PathBuf,
}

/// Serves `root` on 127.0.0.1:`port` (0 picks a free port) until Ctrl-C.
pub fn serve(root: PathBuf, port: u16) -> anyhow::Result<()> {
    if !root.is_dir() {
        anyhow::bail!(
            "{} is not a directory (pass the results directory with --dir)",
            root.display()
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        let local = listener.local_addr().context("reading the bound address")?;
        println!(
            "serving {} on http://{local}/ (Ctrl-C stops)",
            root.display()
        );
        let app = router(root);
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("serving HTTP")
    })
}

/// The routes: `/` (index, `?verdict=`), `/tests/{name}` (one test's runs),
/// `/diff?a=&b=` (two runs' configs), `/runs/` and `/runs/{path}` (files).
fn router(root: PathBuf) -> Router {
    let state = Arc::new(Served { root });
    Router::new()
        .route("/", get(index))
        .route("/tests/{*name}", get(test))
        .route("/diff", get(diff))
        .route("/runs", get(|| async { Redirect::permanent("/runs/") }))
        .route("/runs/", get(root_listing))
        .route("/runs/{*path}", get(file))
        .with_state(state)
}

async fn index(
    State(s): State<Arc<Served>>,
    Query(q): Query<HashMap<String, String>>,
) -> Html<String> {
    let filter = Filter::parse(q.get("verdict").map(String::as_str));
    let runs = scan(&s).await;
    Html(pages::index(&s.root.display().to_string(), &runs, filter))
}

/// Every run under the root; scanning reads files, so off the async workers.
async fn scan(s: &Served) -> Vec<runs::RunEntry> {
    let root = s.root.clone();
    tokio::task::spawn_blocking(move || runs::scan(&root))
        .await
        .unwrap_or_default()
}

async fn test(State(s): State<Arc<Served>>, UrlPath(name): UrlPath<String>) -> Html<String> {
    Html(test_page::render(&name, &scan(&s).await))
}

async fn diff(State(s): State<Arc<Served>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let (Some(a), Some(b)) = (q.get("a"), q.get("b")) else {
        return (
            StatusCode::BAD_REQUEST,
            "choose two runs: /diff?a=RUN&b=RUN (paths as the index shows them)\n",
        )
            .into_response();
    };
    let mut texts = Vec::new();
    for rel in [a, b] {
        let dir = match resolve(&s.root, rel) {
            Ok(d) => d,
            Err(e) => return refusal(e),
        };
        match tokio::fs::read_to_string(dir.join("config.toml")).await {
            Ok(t) => texts.push(t),
            Err(_) => {
                return (StatusCode::NOT_FOUND, format!("{rel} has no config.toml\n"))
                    .into_response();
            }
        }
    }
    match config_diff::diff(&texts[0], &texts[1]) {
        Ok(rows) => Html(config_diff::page(a, b, &rows)).into_response(),
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("a config.toml does not parse: {e}\n"),
        )
            .into_response(),
    }
}

/// The answer to a path that [`resolve`] refused.
fn refusal(e: Refused) -> Response {
    match e {
        Refused::Traversal => (
            StatusCode::FORBIDDEN,
            "path outside the results directory\n",
        )
            .into_response(),
        Refused::NotFound => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

async fn root_listing(State(s): State<Arc<Served>>) -> Response {
    serve_path(&s, "").await
}

async fn file(State(s): State<Arc<Served>>, UrlPath(path): UrlPath<String>) -> Response {
    serve_path(&s, &path).await
}

async fn serve_path(s: &Served, rel: &str) -> Response {
    let path = match resolve(&s.root, rel) {
        Ok(p) => p,
        Err(e) => return refusal(e),
    };
    if path.is_dir() {
        // Relative links in the listing need the trailing slash.
        if !rel.is_empty() && !rel.ends_with('/') {
            let target = format!("/runs/{}/", crate::report::html_escape::href(rel));
            return Redirect::permanent(&target).into_response();
        }
        let mut entries: Vec<(String, bool)> = match std::fs::read_dir(&path) {
            Ok(rd) => rd
                .flatten()
                .map(|e| {
                    let is_dir = e.path().is_dir();
                    (e.file_name().to_string_lossy().into_owned(), is_dir)
                })
                .collect(),
            Err(_) => return (StatusCode::NOT_FOUND, "not found\n").into_response(),
        };
        entries.sort();
        return Html(pages::listing(rel, &entries)).into_response();
    }
    match tokio::fs::read(&path).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, files::content_type(&path))], bytes).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}
