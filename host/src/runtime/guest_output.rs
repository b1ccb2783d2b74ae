//! Guest stdout/stderr, line-buffered into `tracing` events carrying the connector's id.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

use super::scrub::Scrubber;

/// A guest may not flood the logs: past this many bytes per stream and call, output is dropped.
const MAX_BYTES_PER_CALL: usize = 64 << 10;

#[derive(Clone)]
pub struct GuestOutput {
    connector: Arc<str>,
    stream: &'static str,
    scrubber: Arc<Scrubber>,
}

impl GuestOutput {
    pub fn new(connector: Arc<str>, stream: &'static str, scrubber: Arc<Scrubber>) -> Self {
        GuestOutput { connector, stream, scrubber }
    }
}

impl IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestOutput {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(LineWriter { out: self.clone(), buffer: Vec::new(), written: 0 })
    }
}

struct LineWriter {
    out: GuestOutput,
    buffer: Vec<u8>,
    written: usize,
}

impl LineWriter {
    fn emit(&mut self, line: &[u8]) {
        let text = String::from_utf8_lossy(line);
        let text = self.out.scrubber.scrub(text.trim_end());
        if !text.is_empty() {
            tracing::info!(target: "millwright::guest", connector = %self.out.connector, stream = self.out.stream, "{text}");
        }
    }
}

impl AsyncWrite for LineWriter {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let room = MAX_BYTES_PER_CALL.saturating_sub(this.written);
        let take = buf.len().min(room);
        this.written += take;
        this.buffer.extend_from_slice(&buf[..take]);
        while let Some(pos) = this.buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = this.buffer.drain(..=pos).collect();
            this.emit(&line);
        }
        // Report everything as written: dropped output must not make the guest retry forever.
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.buffer.is_empty() {
            let rest = std::mem::take(&mut this.buffer);
            this.emit(&rest);
        }
        Poll::Ready(Ok(()))
    }
}
