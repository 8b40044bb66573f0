//! Local stand-ins for web sites a message links to: an axum server on a
//! random loopback port that records the path of every request it gets, so a
//! test can tell which pages were read (and that a forbidden one never was).

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{Router, extract::Request, middleware::Next};

/// A running site.
pub struct Site {
    pub addr: SocketAddr,
    hits: Arc<Mutex<Vec<String>>>,
    serving: tokio::task::JoinHandle<()>,
}

impl Site {
    /// Serves `pages` on 127.0.0.1 at a free port.
    pub async fn start(pages: Router) -> Self {
        let hits: Arc<Mutex<Vec<String>>> = Arc::default();
        let record = hits.clone();
        let app = pages.layer(axum::middleware::from_fn(move |request: Request, next: Next| {
            let record = record.clone();
            async move {
                record.lock().unwrap().push(request.uri().path().to_owned());
                next.run(request).await
            }
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("its address");
        let serving = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, hits, serving }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// How many requests `path` got.
    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().iter().filter(|hit| *hit == path).count()
    }

    /// How many requests the site got in all.
    pub fn all_hits(&self) -> usize {
        self.hits.lock().unwrap().len()
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.serving.abort();
    }
}
