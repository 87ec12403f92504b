//! Test helper for the nemeses crate: a TCP echo server, or a one-shot echo client.
//!
//! `nemesis-test-server serve ADDR` echoes every byte back and prints
//! `listening ADDR` once bound. `nemesis-test-server ping ADDR TIMEOUT_MS`
//! sends a line, expects it echoed back, and exits 0 (ok) or 1 (no answer).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["serve", addr] => serve(addr),
        ["ping", addr, timeout_ms] => ping(addr, timeout_ms),
        _ => {
            eprintln!("usage: nemesis-test-server serve ADDR | ping ADDR TIMEOUT_MS");
            ExitCode::from(2)
        }
    }
}

fn serve(addr: &str) -> ExitCode {
    let listener = match TcpListener::bind(addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("bind {addr}: {e}");
            return ExitCode::from(1);
        }
    };
    match listener.local_addr() {
        Ok(a) => println!("listening {a}"),
        Err(e) => {
            eprintln!("local_addr: {e}");
            return ExitCode::from(1);
        }
    }
    let _ = std::io::stdout().flush();
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || echo(stream));
    }
    ExitCode::SUCCESS
}

fn echo(mut stream: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if stream.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
        }
    }
}

fn ping(addr: &str, timeout_ms: &str) -> ExitCode {
    let (Ok(addr), Ok(ms)) = (addr.parse::<SocketAddr>(), timeout_ms.parse::<u64>()) else {
        eprintln!("bad address or timeout");
        return ExitCode::from(2);
    };
    let timeout = Duration::from_millis(ms);
    let attempt = || -> std::io::Result<bool> {
        let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.write_all(b"ping\n")?;
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line)?;
        Ok(line == "ping\n")
    };
    match attempt() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("ping {addr}: {e}");
            ExitCode::from(1)
        }
    }
}
