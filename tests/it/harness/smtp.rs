//! A local SMTP sink: a real SMTP server (the commands of RFC 5321 a client
//! sends, with their replies) on a free port of 127.0.0.1 that keeps every
//! message it is given — envelope and raw text — for the test to read. It
//! delivers nothing anywhere.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};

/// One message the sink took.
#[derive(Clone, Debug)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body as sent (dot-stuffing undone).
    pub data: String,
}

impl Mail {
    /// The value of header `name` (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let mut found: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(value) = found.as_mut()
                && (line.starts_with(' ') || line.starts_with('\t'))
            {
                value.push(' ');
                value.push_str(line.trim());
                continue;
            }
            if found.is_some() {
                break;
            }
            if let Some((key, value)) = line.split_once(':')
                && key.eq_ignore_ascii_case(name)
            {
                found = Some(value.trim().to_owned());
            }
        }
        found
    }

    /// The body (after the headers), quoted-printable soft breaks undone.
    pub fn body(&self) -> String {
        let body = self.data.split_once("\r\n\r\n").map(|(_, body)| body).unwrap_or_default();
        body.replace("=\r\n", "").replace("=3D", "=")
    }

    /// The first `http(s)://…` link in the body that contains `part`.
    pub fn link_with(&self, part: &str) -> Option<String> {
        let body = self.body();
        body.split(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .find(|word| (word.starts_with("http://") || word.starts_with("https://")) && word.contains(part))
            .map(str::to_owned)
    }
}

/// The running sink.
#[derive(Clone)]
pub struct SmtpSink {
    pub addr: SocketAddr,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("the SMTP sink binds");
        let addr = listener.local_addr().expect("its address");
        let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
        let kept = mails.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let _ = session(stream, kept).await;
                });
            }
        });
        Self { addr, mails }
    }

    /// `smtp://127.0.0.1:PORT`, for `--smtp-url`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Every message so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    /// The messages to `address`.
    pub fn mails_to(&self, address: &str) -> Vec<Mail> {
        self.mails().into_iter().filter(|mail| mail.to.iter().any(|to| to.eq_ignore_ascii_case(address))).collect()
    }

    /// Waits until `address` got `count` messages (at most `within`); those messages.
    pub async fn wait_for(&self, address: &str, count: usize, within: Duration) -> Vec<Mail> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let mails = self.mails_to(address);
            if mails.len() >= count {
                return mails;
            }
            assert!(tokio::time::Instant::now() < deadline, "{address} got {} of {count} mails within {within:?}", mails.len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// One client's conversation.
async fn session(stream: TcpStream, kept: Arc<Mutex<Vec<Mail>>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 sink.parlor.test ESMTP\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    while let Some(line) = lines.next_line().await? {
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            write.write_all(b"250-sink.parlor.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n").await?;
        } else if upper.starts_with("HELO") {
            write.write_all(b"250 sink.parlor.test\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&line[10..]);
            to.clear();
            write.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&line[8..]));
            write.write_all(b"250 OK\r\n").await?;
        } else if upper == "DATA" {
            write.write_all(b"354 end with .\r\n").await?;
            let mut data = Vec::new();
            while let Some(line) = lines.next_line().await? {
                if line == "." {
                    break;
                }
                data.push(line.strip_prefix('.').filter(|_| line.starts_with("..")).unwrap_or(&line).to_owned());
            }
            kept.lock().unwrap().push(Mail { from: from.clone(), to: to.clone(), data: data.join("\r\n") });
            write.write_all(b"250 OK queued\r\n").await?;
        } else if upper == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else if upper == "RSET" || upper == "NOOP" {
            write.write_all(b"250 OK\r\n").await?;
        } else {
            write.write_all(b"502 not implemented\r\n").await?;
        }
    }
    Ok(())
}

/// The address of `<a@b> SIZE=…`.
fn address(rest: &str) -> String {
    let rest = rest.trim();
    let inner = rest.strip_prefix('<').and_then(|r| r.split_once('>')).map_or(rest, |(address, _)| address);
    inner.to_owned()
}
