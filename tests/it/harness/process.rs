//! The `parlor` binary as a child process, for tests that must kill it the way
//! a crash would (SIGKILL) and start it again on the same data directory.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use super::{PASSWORD, services::free_port};

/// A running `parlor` process.
pub struct ServerProcess {
    pub port: u16,
    child: Child,
}

impl ServerProcess {
    /// Starts `parlor` on a free port with its SQLite file in `data_dir` (plus
    /// `args`), and waits until `/healthz` answers.
    pub async fn start(data_dir: &Path, args: &[&str]) -> Self {
        Self::start_on(free_port(), data_dir, args).await
    }

    /// Starts it on `port` (e.g. again after a kill).
    pub async fn start_on(port: u16, data_dir: &Path, args: &[&str]) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_parlor"))
            .args(["--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(data_dir)
            .args(args)
            .env("RUST_LOG", "warn")
            .env_remove("DATABASE_URL")
            .env_remove("PARLOR_CHANNEL_LAYER")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("parlor starts");
        let server = Self { port, child };
        server.wait_healthy().await;
        server
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn wait_healthy(&self) {
        for _ in 0..200 {
            if let Ok(response) = reqwest::get(format!("{}/healthz", self.base())).await
                && response.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("parlor did not become healthy on port {}", self.port);
    }

    /// Kills the process at once (SIGKILL), as a crash or power cut would.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    /// Registers `username` and returns its session cookie (`name=value`).
    pub async fn session_cookie(&self, username: &str) -> String {
        parlor_load::session_cookie(&reqwest::Client::new(), &self.base(), username, PASSWORD).await.expect("registered")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
