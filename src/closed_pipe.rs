//! A closed stdout or stderr (`faultline check --json FILE | head`) ends the
//! process quietly instead of with a panic and a backtrace.
//!
//! Rust ignores SIGPIPE, so `println!` to a pipe whose reader has gone
//! panics with "failed printing to stdout: Broken pipe". Restoring SIGPIPE's
//! default would kill the harness on any socket write to a departed peer as
//! well, so instead the panic is recognised here, wherever it happens, and
//! the process exits with 141: the status a shell shows for a program ended
//! by SIGPIPE, which `set -o pipefail` scripts already understand.

/// The exit status after a write to a closed stdout or stderr (128 + SIGPIPE).
pub const CLOSED_PIPE_EXIT: i32 = 141;

/// Installs the panic hook; other panics keep the default report.
pub fn exit_quietly_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if is_closed_pipe(message) {
            // Nothing can be reported: the stream it would go to is gone.
            std::process::exit(CLOSED_PIPE_EXIT);
        }
        default(info);
    }));
}

/// True for the panic std raises when printing to a closed standard stream.
fn is_closed_pipe(message: &str) -> bool {
    (message.starts_with("failed printing to stdout")
        || message.starts_with("failed printing to stderr"))
        && message.contains("Broken pipe")
}

#[cfg(test)]
mod tests {
    use super::is_closed_pipe;

    #[test]
    fn only_closed_standard_streams_are_recognised() {
        assert!(is_closed_pipe(
            "failed printing to stdout: Broken pipe (os error 32)"
        ));
        assert!(is_closed_pipe(
            "failed printing to stderr: Broken pipe (os error 32)"
        ));
        assert!(!is_closed_pipe(
            "failed printing to stdout: No space left on device (os error 28)"
        ));
        assert!(!is_closed_pipe("index out of bounds: Broken pipe"));
    }
}
