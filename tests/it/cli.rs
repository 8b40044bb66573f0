//! The `parlor` binary's start-up failures: each is one clear line on stderr and a
//! non-zero exit, never a panic or a hang.

use std::{net::TcpListener, process::Command};

fn parlor(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_parlor"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("PARLOR_CHANNEL_LAYER")
        .env_remove("PARLOR_ADDR")
        .output()
        .expect("parlor runs");
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    (output.status.code().unwrap_or(-1), stderr)
}

fn assert_one_clear_line(stderr: &str, needle: &str) {
    assert_eq!(stderr.lines().count(), 1, "one line, got: {stderr}");
    assert!(stderr.starts_with("parlor: "), "{stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in {stderr:?}");
}

#[test]
fn a_bad_flag_value_is_one_line_and_exit_2() {
    let (code, stderr) = parlor(&["--channel-layer", "carrier-pigeon"]);
    assert_eq!(code, 2);
    assert_one_clear_line(&stderr, "expected `memory`, a redis:// URL or redis-cluster://");
    assert!(stderr.contains("`carrier-pigeon`"), "{stderr}");

    let (code, stderr) = parlor(&["--addr", "not-an-address"]);
    assert_eq!(code, 2);
    assert_one_clear_line(&stderr, "--addr");

    let (code, stderr) = parlor(&["--frobnicate"]);
    assert_eq!(code, 2);
    assert_one_clear_line(&stderr, "--frobnicate");
}

#[test]
fn an_unusable_database_is_one_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = parlor(&[
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        &format!("sqlite://{}/missing/dir/parlor.db?mode=ro", dir.path().display()),
    ]);
    assert_eq!(code, 1);
    assert_one_clear_line(&stderr, "cannot open the database");

    let (code, stderr) = parlor(&["--addr", "127.0.0.1:0", "--database-url", "postgres://nobody@127.0.0.1:1/none"]);
    assert_eq!(code, 1);
    assert_one_clear_line(&stderr, "cannot open the database postgres://nobody@127.0.0.1:1/none");
}

#[test]
fn a_taken_port_is_one_line_and_exit_1() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = parlor(&["--addr", &addr, "--data-dir", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_one_clear_line(&stderr, &format!("cannot listen on {addr}"));
}
