//! Real PostgreSQL, Redis and nginx servers for the scale-out and proxy tests,
//! started on free ports in temporary directories from Debian's packages
//! (installed by `scripts/bootstrap.sh --test`) and stopped when dropped.

use std::{
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not start on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A redis-server of our own.
pub struct Redis {
    pub port: u16,
    child: Option<Child>,
}

impl Redis {
    pub fn start() -> Self {
        let mut redis = Self { port: free_port(), child: None };
        redis.spawn();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server runs (scripts/bootstrap.sh --test installs it)");
        self.child = Some(child);
        wait_for_port(self.port, "redis-server");
    }

    /// Kills the server (as a crash would) and leaves it down.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A Redis Cluster of our own: three primaries (no replicas) on free ports,
/// each with its cluster bus at port + 10000 and its `nodes.conf` in a
/// directory of its own, so a node restarted keeps its slots.
pub struct RedisCluster {
    nodes: Vec<ClusterNode>,
    _dir: tempfile::TempDir,
}

struct ClusterNode {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl ClusterNode {
    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"])
            // The other nodes' slots keep working while one is down.
            .args(["--cluster-require-full-coverage", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server runs (scripts/bootstrap.sh --test installs it)");
        self.child = Some(child);
        wait_for_port(self.port, "redis-server (cluster node)");
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A free port whose cluster bus port (+ 10000) is free too.
fn free_cluster_port() -> u16 {
    loop {
        let port = free_port();
        if port <= 55_535 && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}

impl RedisCluster {
    pub fn start() -> Self {
        let dir = tempfile::Builder::new().prefix("parlor-redis-cluster-").tempdir().unwrap();
        let mut nodes: Vec<ClusterNode> = (0..3)
            .map(|i| {
                let node_dir = dir.path().join(format!("node{i}"));
                std::fs::create_dir_all(&node_dir).unwrap();
                ClusterNode { port: free_cluster_port(), dir: node_dir, child: None }
            })
            .collect();
        nodes.iter_mut().for_each(ClusterNode::spawn);
        let addresses: Vec<String> = nodes.iter().map(|node| format!("127.0.0.1:{}", node.port)).collect();
        let status = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdout(Stdio::null())
            .status()
            .expect("redis-cli runs");
        assert!(status.success(), "redis-cli --cluster create");
        let cluster = Self { nodes, _dir: dir };
        cluster.wait_until_ok();
        cluster
    }

    /// The nodes as `redis://` URLs.
    pub fn nodes(&self) -> Vec<String> {
        self.nodes.iter().map(|node| format!("redis://127.0.0.1:{}", node.port)).collect()
    }

    /// The `--channel-layer` value for this cluster.
    pub fn layer_url(&self) -> String {
        let nodes: Vec<String> = self.nodes.iter().map(|node| format!("127.0.0.1:{}", node.port)).collect();
        format!("redis-cluster://{}", nodes.join(","))
    }

    /// Kills node `i` (as a crash would) and leaves it down.
    pub fn stop_node(&mut self, i: usize) {
        self.nodes[i].stop();
    }

    /// Starts node `i` again with its slots, and waits for the cluster to be whole.
    pub fn start_node(&mut self, i: usize) {
        self.nodes[i].spawn();
        self.wait_until_ok();
    }

    /// Each node's port and its sharded channels with subscribers.
    pub fn shard_channels(&self) -> Vec<(u16, String)> {
        self.nodes
            .iter()
            .map(|node| {
                let out = Command::new("redis-cli").args(["-p", &node.port.to_string(), "PUBSUB", "SHARDCHANNELS"]).output();
                (node.port, out.map(|out| String::from_utf8_lossy(&out.stdout).replace('\n', " ")).unwrap_or_default())
            })
            .collect()
    }

    /// How many nodes hold at least one sharded channel subscription.
    pub fn nodes_with_shard_channels(&self) -> usize {
        self.nodes
            .iter()
            .filter(|node| {
                Command::new("redis-cli")
                    .args(["-p", &node.port.to_string(), "PUBSUB", "SHARDCHANNELS"])
                    .output()
                    .is_ok_and(|out| !String::from_utf8_lossy(&out.stdout).trim().is_empty())
            })
            .count()
    }

    /// Waits until every node says `cluster_state:ok`.
    fn wait_until_ok(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        for node in &self.nodes {
            loop {
                let info = Command::new("redis-cli").args(["-p", &node.port.to_string(), "CLUSTER", "INFO"]).output();
                if info.is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains("cluster_state:ok")) {
                    break;
                }
                assert!(Instant::now() < deadline, "the redis cluster did not become ok");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        self.nodes.iter_mut().for_each(ClusterNode::stop);
    }
}

/// A PostgreSQL cluster of our own.
pub struct Postgres {
    pub port: u16,
    dir: tempfile::TempDir,
    bin: PathBuf,
}

fn postgres_bin() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed (scripts/bootstrap.sh --test installs it)")
        .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("pg_ctl").exists())
        .collect();
    versions.sort();
    versions.pop().expect("a PostgreSQL server binary")
}

fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|out| out.stdout.starts_with(b"0\n"))
}

/// A PostgreSQL tool, run as the `postgres` user when we are root (it refuses root).
fn pg_command(bin: &Path, tool: &str, args: &[&str]) -> Command {
    let program = bin.join(tool);
    let mut command = if running_as_root() {
        let mut runuser = Command::new("runuser");
        runuser.args(["-u", "postgres", "--"]).arg(program);
        runuser
    } else {
        Command::new(program)
    };
    command.args(args).stdout(Stdio::null());
    command
}

/// Runs a PostgreSQL tool and insists that it succeeds.
fn pg_tool(bin: &Path, tool: &str, args: &[&str]) {
    let status = pg_command(bin, tool, args).status().unwrap_or_else(|e| panic!("{tool} runs: {e}"));
    assert!(status.success(), "{tool} {args:?} failed");
}

impl Postgres {
    pub fn start() -> Self {
        let bin = postgres_bin();
        let dir = tempfile::Builder::new().prefix("parlor-pg-").tempdir().unwrap();
        if running_as_root() {
            let status = Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()).status().unwrap();
            assert!(status.success());
        }
        let postgres = Self { port: free_port(), dir, bin };
        pg_tool(&postgres.bin, "initdb", &["-D", &postgres.data_dir(), "-A", "trust", "-U", "postgres", "--no-sync"]);
        postgres.restart();
        postgres
    }

    fn data_dir(&self) -> String {
        self.dir.path().join("data").to_str().unwrap().to_owned()
    }

    /// Stops the server at once (as a crash would).
    pub fn stop(&self) {
        pg_tool(&self.bin, "pg_ctl", &["-D", &self.data_dir(), "-m", "immediate", "-w", "stop"]);
    }

    /// Starts the server (again) on its port and data.
    pub fn restart(&self) {
        let options =
            format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200", self.port, self.dir.path().display());
        let data = self.data_dir();
        pg_tool(&self.bin, "pg_ctl", &["-D", &data, "-o", &options, "-l", &format!("{data}.log"), "-w", "start"]);
        wait_for_port(self.port, "postgres");
    }

    /// Creates a fresh database and returns its URL.
    pub fn create_database(&self, name: &str) -> String {
        let status = Command::new("psql")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres", "-q", "-c"])
            .arg(format!("CREATE DATABASE {name}"))
            .stdout(Stdio::null())
            .status()
            .expect("psql runs");
        assert!(status.success(), "creating database {name}");
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // Quietly: the server may already be stopped.
        let data = self.data_dir();
        let _ = pg_command(&self.bin, "pg_ctl", &["-D", &data, "-m", "immediate", "stop"]).stderr(Stdio::null()).status();
    }
}

/// nginx in front of Parlor instances, with the shipped `deploy/nginx.conf`
/// (only its upstream addresses and port changed).
pub struct Nginx {
    pub port: u16,
    /// Holds the config and logs until nginx is stopped.
    _dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Nginx {
    /// Starts nginx on a free port, balancing over `upstreams`.
    pub fn start(upstreams: &[std::net::SocketAddr]) -> Self {
        let shipped =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/nginx.conf")).expect("deploy/nginx.conf");
        let servers: String = upstreams.iter().map(|addr| format!("server {addr};\n        ")).collect();
        let port = free_port();
        let config = shipped
            .replace("server 127.0.0.1:3001;\n        server 127.0.0.1:3002;\n        ", &servers)
            .replace("listen 8080;", &format!("listen 127.0.0.1:{port};"));
        assert!(config.contains(&servers), "the shipped config still names its upstreams as expected");
        let dir = tempfile::Builder::new().prefix("parlor-nginx-").tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("logs")).unwrap();
        let config_path = dir.path().join("nginx.conf");
        std::fs::write(&config_path, config).unwrap();
        let user = if running_as_root() { "user root; " } else { "" };
        let child = Command::new("nginx")
            .arg("-c")
            .arg(&config_path)
            .arg("-p")
            .arg(dir.path())
            // Its own log file, not this process's stderr: a worker that outlived
            // its master would hold the test runner's output open.
            .arg("-e")
            .arg(dir.path().join("logs/error.log"))
            .arg("-g")
            .arg(format!("daemon off; {user}pid {}/nginx.pid;", dir.path().display()))
            .stdout(Stdio::null())
            .spawn()
            .expect("nginx runs (scripts/bootstrap.sh --test installs it)");
        wait_for_port(port, "nginx");
        Self { port, _dir: dir, child: Some(child) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Nginx {
    /// SIGTERM, so that the master stops its workers before it exits (a SIGKILL
    /// would leave them running); SIGKILL only if it does not stop in time.
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}
