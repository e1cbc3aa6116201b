//! Where `serve` writes its log: stderr, through a writer that never fails. tracing-subscriber
//! reports a failed write with `eprintln!`, which panics when stderr itself is what failed (a
//! full disk, a closed pipe): the panic then takes down the request or the worker that
//! happened to log. A log line that cannot be written is lost; nothing else may be.

use std::io::{self, Write};

use tracing_subscriber::fmt::MakeWriter;

/// Makes a [`Lossy`] stderr for each event.
#[derive(Debug, Clone, Copy, Default)]
pub struct LossyStderr;

impl<'a> MakeWriter<'a> for LossyStderr {
    type Writer = Lossy<io::Stderr>;

    fn make_writer(&'a self) -> Self::Writer {
        Lossy(io::stderr())
    }
}

/// A writer whose write errors are dropped: every write reports the whole buffer written.
#[derive(Debug)]
pub struct Lossy<W>(pub W);

impl<W: Write> Write for Lossy<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = self.0.write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = self.0.flush();
        Ok(())
    }
}

/// `println!` that drops a failed write instead of panicking (`println!` panics when stdout
/// cannot be written).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that drops a failed write instead of panicking.
macro_rules! say_err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub(crate) use {say, say_err};

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails every write, as stderr on a full disk does.
    struct Full;

    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("no space left on device"))
        }

        fn flush(&mut self) -> io::Result<()> {
            Err(io::Error::other("no space left on device"))
        }
    }

    #[test]
    fn write_errors_are_dropped() {
        let mut w = Lossy(Full);
        assert_eq!(w.write(b"a line\n").unwrap(), 7);
        w.write_all(b"another\n").unwrap();
        w.flush().unwrap();
    }

    #[test]
    fn what_can_be_written_is_written() {
        let mut w = Lossy(Vec::new());
        w.write_all(b"kept\n").unwrap();
        assert_eq!(w.0, b"kept\n");
    }
}
