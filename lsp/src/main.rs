//! `glass-lsp`: the glass language server over stdio.
//!
//! A thin layer over the compiler's salsa queries (`glass_compiler::db`): it keeps the open
//! documents and the workspace's profiles as database inputs and answers from the same queries
//! `glassc` uses. This first increment publishes diagnostics as the user types.

mod convert;
mod server;
mod transport;

use tower_lsp_server::{LspService, Server};

#[tokio::main]
async fn main() {
    let code = transport::serve_stdio(|input, output| async move {
        let (service, socket) = LspService::new(server::Backend::new);
        // One request at a time: didChange notifications must apply in order.
        Server::new(input, output, socket).concurrency_level(1).serve(service).await;
    })
    .await;
    // Exit at once: the thread reading stdin may be blocked in a read that cannot be cancelled.
    std::process::exit(code)
}
